import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { readBenchPlan } from './bench-config.ts'
import { plainRequests, streamRequests } from './scenarios.ts'
import type { Server } from './servers.ts'
import { proxyStarters, startSimulator, type TargetContext } from './targets.ts'

const servers: Server[] = []
const dir = await mkdtemp(`${tmpdir()}/targets-test-`)
afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop()))
  await rm(dir, { recursive: true, force: true })
})

const context: TargetContext = {
  plan: { ...readBenchPlan({ BENCH_QUICK: '1' }), streamItlMs: 1 },
  root: new URL('../../../..', import.meta.url).pathname,
  here: new URL('..', import.meta.url).pathname,
  dir,
  apiKey: 'sk-targets-test',
  env: { LOG_LEVEL: 'warn' },
}

async function send(url: string, stream: boolean) {
  const make = stream
    ? streamRequests({ url }, context.apiKey, context.plan)
    : plainRequests({ url }, context.apiKey)
  const spec = make(0)
  const response = await fetch(spec.url, { method: 'POST', headers: spec.headers, body: spec.body })
  return { status: response.status, text: await response.text() }
}

describe('benchmark targets', () => {
  test('the simulator and every proxy start, and each relays plain and streamed completions', async () => {
    const sim = await startSimulator(context)
    servers.push(sim)
    const starters = proxyStarters(context, sim.port)
    for (const name of ['bare', 'nginx', 'gateway'] as const) {
      const server = await starters[name].start()
      servers.push(server)
      const plain = await send(server.url, false)
      expect(`${name} ${plain.status}`).toBe(`${name} 200`)
      expect(JSON.parse(plain.text).usage.completion_tokens).toBeGreaterThan(0)
      const streamed = await send(server.url, true)
      expect(streamed.status).toBe(200)
      // 50 content chunks, as the simulator directives ask, then usage and [DONE].
      expect(streamed.text.match(/"content":"[^"]+"/g)?.length).toBe(50)
      expect(streamed.text.trimEnd().endsWith('data: [DONE]')).toBe(true)
      expect(await server.exitReport()).toBeUndefined()
    }
  })
})
