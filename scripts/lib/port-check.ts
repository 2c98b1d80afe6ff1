/** @module Whether a TCP port can be bound, checked before starting a service on it. */

/**
 * True when `port` on `host` can be bound right now. Checked before spawning so that a service already running
 * there (say, a leftover simulator) is reported, instead of its /health being mistaken for the new one's.
 */
export function isPortFree(host: string, port: number): boolean {
  try {
    const listener = Bun.listen({ hostname: host, port, socket: { data() {} } })
    listener.stop(true)
    return true
  } catch {
    return false
  }
}
