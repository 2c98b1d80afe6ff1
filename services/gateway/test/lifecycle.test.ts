import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startSim } from '@infergate/vllm-sim/testing'
import { chat, ssePayloads } from './stack.ts'

const MAIN = new URL('../src/main.ts', import.meta.url).pathname

type Sim = Awaited<ReturnType<typeof startSim>>
let sim: Sim

beforeAll(async () => {
  sim = await startSim({})
})
afterAll(() => sim.stop())

async function freePort(): Promise<number> {
  const probe = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response() })
  const port = probe.port ?? 0
  await probe.stop(true)
  return port
}

async function spawnGateway(env: Record<string, string>) {
  const port = await freePort()
  const child = Bun.spawn([process.execPath, MAIN], {
    env: {
      PATH: process.env.PATH ?? '',
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      QUOTA_DB: ':memory:',
      ...env,
    },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 10_000
  for (;;) {
    const ready = await fetch(`${url}/ready`).catch(() => undefined)
    if (ready?.status === 200) break
    if (Date.now() > deadline) throw new Error('gateway did not become ready')
    await Bun.sleep(50)
  }
  return { child, url }
}

describe('process lifecycle', () => {
  test('SIGTERM drains: /ready 503, new requests 503, the open stream completes, exit 0', async () => {
    const { child, url } = await spawnGateway({
      VLLM_URL: sim.url,
      GATEWAY_API_KEYS: 'k',
      SHUTDOWN_GRACE_MS: '10000',
    })
    const headers = { authorization: 'Bearer k', 'content-type': 'application/json' }
    const streaming = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers,
      body: JSON.stringify(chat('drain [[sim:tokens=30]] [[sim:itl-ms=30]]', { stream: true })),
    })
    const reader = streaming.body?.getReader()
    const first = await reader?.read()
    child.kill('SIGTERM')
    await Bun.sleep(100)
    expect((await fetch(`${url}/ready`)).status).toBe(503)
    const refused = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers,
      body: JSON.stringify(chat('late')),
    })
    expect(refused.status).toBe(503)
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('shutting_down')
    let rest = ''
    for (let part = await reader?.read(); part && !part.done; part = await reader?.read())
      rest += new TextDecoder().decode(part.value)
    const payloads = ssePayloads(new TextDecoder().decode(first?.value) + rest)
    expect(payloads.at(-1)).toBe('[DONE]')
    expect(payloads.some((payload) => payload.includes('"error"'))).toBe(false)
    expect(await child.exited).toBe(0)
  })

  test('warns at start-up when Bun would cap fetched upstream requests at 256, not when raised or not fetched', async () => {
    // An https upstream goes through fetch (the gateway's own pool serves plain http:// ones).
    const env = { VLLM_URL: `${sim.url},https://127.0.0.1:9`, GATEWAY_API_KEYS: 'k', LOG_LEVEL: 'info' }
    const warning = 'upstream requests at once'
    const capped = await spawnGateway(env)
    capped.child.kill('SIGTERM')
    expect(await new Response(capped.child.stdout).text()).toContain(`Bun allows only 256 ${warning}`)
    for (const quiet of [
      { ...env, BUN_CONFIG_MAX_HTTP_REQUESTS: '65535' },
      { ...env, VLLM_URL: sim.url },
    ]) {
      const gateway = await spawnGateway(quiet)
      gateway.child.kill('SIGTERM')
      const text = await new Response(gateway.child.stdout).text()
      expect(text).toContain('"msg":"stopped"')
      expect(text).not.toContain(warning)
    }
  })

  test('usage survives a SIGTERM restart exactly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'infergate-usage-'))
    try {
      const env = {
        VLLM_URL: sim.url,
        GATEWAY_API_KEYS: 'k',
        QUOTA_DB: join(dir, 'gateway.db'),
        QUOTA_FLUSH_MS: '60000',
      }
      const headers = { authorization: 'Bearer k', 'content-type': 'application/json' }
      const first = await spawnGateway(env)
      for (const tokens of [3, 5, 8]) {
        const response = await fetch(`${first.url}/v1/chat/completions`, {
          method: 'POST',
          headers,
          body: JSON.stringify(chat(`u [[sim:tokens=${tokens}]]`, { stream: tokens === 5 })),
        })
        await response.text()
      }
      await Bun.sleep(50)
      const before = await (await fetch(`${first.url}/v1/usage`, { headers })).json()
      first.child.kill('SIGTERM')
      expect(await first.child.exited).toBe(0)
      const second = await spawnGateway(env)
      const after = await (await fetch(`${second.url}/v1/usage`, { headers })).json()
      second.child.kill('SIGTERM')
      await second.child.exited
      expect(after).toEqual(before)
      expect((after as { completion_tokens: number }).completion_tokens).toBe(16)
      expect((after as { requests: number }).requests).toBe(3)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test('a database that cannot be opened stops start-up with a message naming it', async () => {
    const child = Bun.spawn([process.execPath, MAIN], {
      env: {
        PATH: process.env.PATH ?? '',
        GATEWAY_API_KEYS: 'k',
        QUOTA_DB: '/proc/no-such-dir/gateway.db',
        PORT: '0',
      },
      stdout: 'pipe',
      stderr: 'pipe',
    })
    expect(await child.exited).not.toBe(0)
    const output = (await new Response(child.stderr).text()) + (await new Response(child.stdout).text())
    expect(output).toContain('/proc/no-such-dir/gateway.db')
  })

  test('invalid configuration stops start-up with one message naming every bad variable', async () => {
    const child = Bun.spawn([process.execPath, MAIN], {
      env: { PATH: process.env.PATH ?? '', PORT: 'eighty', UPSTREAM_TIMEOUT_MS: '-1', VLLM_URL: 'ftp://x' },
      stdout: 'pipe',
      stderr: 'pipe',
    })
    expect(await child.exited).toBe(2)
    const stderr = await new Response(child.stderr).text()
    for (const name of ['PORT', 'UPSTREAM_TIMEOUT_MS', 'VLLM_URL', 'GATEWAY_API_KEYS'])
      expect(stderr).toContain(name)
    expect(stderr).not.toMatch(/\n\s+at /)
  })
})
