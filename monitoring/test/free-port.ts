/** @module Asks the kernel for a free TCP port on 127.0.0.1, for servers that take a port number rather than 0. */

/**
 * A port that was free a moment ago. Another process could take it before the caller binds it; on loopback in a
 * test run that race is rare enough, and the caller's readiness wait fails loudly if it happens.
 */
export function freePort(): number {
  const listener = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } })
  const { port } = listener
  listener.stop(true)
  return port
}
