/**
 * @module The floor for any JS proxy: Bun.serve + fetch, streaming bodies through untouched.
 * Usage: bun bare-proxy.ts <port> <upstream base URL>
 */
const [portArg, upstream] = process.argv.slice(2)
if (!portArg || !upstream) {
  console.error('usage: bun bare-proxy.ts <port> <upstream base URL>')
  process.exit(2)
}

const server = Bun.serve({
  hostname: '127.0.0.1',
  port: Number(portArg),
  // Streams can sit silent longer than Bun's 10 s default idle timeout.
  idleTimeout: 0,
  async fetch(request) {
    const url = new URL(request.url)
    const headers = new Headers(request.headers)
    headers.delete('host')
    const response = await fetch(upstream + url.pathname + url.search, {
      method: request.method,
      headers,
      body: request.body,
      signal: request.signal,
    })
    return new Response(response.body, { status: response.status, headers: response.headers })
  },
})
console.log(`bare proxy on ${server.url} → ${upstream}`)
process.on('SIGTERM', () => server.stop(true).then(() => process.exit(0)))
