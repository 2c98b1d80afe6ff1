/**
 * @module End-to-end cost of the protection stack (per-IP limit, key RPM/TPM, daily quota, admission queue) on one
 * request: the same gateway app with the protections on (limits far above the load) and off, handling the same
 * chat request against a stubbed upstream, alternating batches in one process; CPU µs per request, paired.
 * Run: `bun run bench protection-overhead`.
 */
import { createLogger } from '@infergate/logger'
import { createApp } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'
import { createDeps } from '../src/deps.ts'

const answer = JSON.stringify({
  id: 'x',
  object: 'chat.completion',
  model: 'm',
  choices: [{ index: 0, message: { role: 'assistant', content: 'hello' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 10, completion_tokens: 6, total_tokens: 16 },
})
globalThis.fetch = (async (input: string | URL | Request) => {
  const url = String(input)
  if (url.endsWith('/health')) return new Response('')
  if (url.endsWith('/v1/models')) return Response.json({ object: 'list', data: [{ id: 'm' }] })
  return new Response(answer, { headers: { 'content-type': 'application/json' } })
}) as typeof fetch
const make = async (extra: Record<string, string>) => {
  const deps = createDeps(
    loadConfig({
      GATEWAY_API_KEYS: 'k',
      QUOTA_DB: ':memory:',
      VLLM_URL: 'http://stub:1',
      LOG_REQUESTS: '0',
      ...extra,
    }),
    { log: createLogger({ service: 'b', level: 'silent' }) },
  )
  await deps.discovery.refresh()
  return createApp(deps)
}
const off = await make({})
const on = await make({
  RATE_LIMIT_RPS: '1000000',
  KEY_RPM: '60000000',
  KEY_TPM: '60000000',
  DAILY_TOKEN_QUOTA: '1000000000000',
  MAX_CONCURRENT_REQUESTS: '1000',
})
const BODY = JSON.stringify({
  model: 'm',
  messages: [{ role: 'user', content: 'hello there, how are you' }],
  max_tokens: 16,
})
const req = () =>
  new Request('http://localhost/v1/chat/completions', {
    method: 'POST',
    body: BODY,
    headers: {
      'content-type': 'application/json',
      authorization: 'Bearer k',
      'content-length': String(BODY.length),
    },
  })
const batch = async (app: { handle(r: Request): Promise<Response> }, n: number) => {
  const s = process.cpuUsage()
  for (let i = 0; i < n; i++) {
    const r = await app.handle(req())
    if (r.status !== 200) throw new Error(await r.text())
    await r.text()
  }
  const u = process.cpuUsage(s)
  return (u.user + u.system) / n
}
await batch(off, 3000)
await batch(on, 3000)
const a: number[] = [],
  b: number[] = [],
  d: number[] = []
for (let i = 0; i < 11; i++) {
  const x = await batch(off, 2000)
  const y = await batch(on, 2000)
  a.push(x)
  b.push(y)
  d.push(y - x)
}
const med = (x: number[]) => [...x].sort((p, q) => p - q)[5] ?? Number.NaN
console.log(
  `protection off ${med(a).toFixed(1)} µs/req, on ${med(b).toFixed(1)} µs/req, paired difference median ${med(d).toFixed(1)} µs`,
)
process.exit(0)
