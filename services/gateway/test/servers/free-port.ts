/** @module A free loopback TCP port for a child server that cannot be told to bind port 0 and report back. */
import { createServer } from 'node:net'

/** Asks the kernel for an unused 127.0.0.1 port; the tiny race with other binders is acceptable in tests. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

/** Polls `check` until it resolves true or `timeoutMs` passes. */
export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return
    await Bun.sleep(25)
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
}
