import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { type Sim, startSim } from '@infergate/vllm-sim/testing'
import { startFixture } from './fixture-server.ts'

const root = new URL('../../..', import.meta.url).pathname
const script = `${root}scripts/loadtest.ts`

async function loadtest(args: string[], env: Record<string, string> = {}) {
  const child = Bun.spawn([process.execPath, script, ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ])
  return { stdout, stderr, code }
}

let good: Sim
let failing: Sim
beforeAll(async () => {
  good = await startSim()
  failing = await startSim({ failureRate: 1, failureStatus: [503] })
})
afterAll(async () => {
  await good.stop()
  await failing.stop()
})

describe('bun run loadtest', () => {
  test('prints one JSON report with latency, throughput and token figures for a streaming run', async () => {
    const { stdout, code } = await loadtest(
      ['--json', '--duration', '1s', '--concurrency', '4', '--max-tokens', '8'],
      {
        TARGET_URL: good.url,
        STREAM: '1',
        PROMPT_MIX: 'short:70,long:30',
      },
    )
    expect(code).toBe(0)
    const report = JSON.parse(stdout)
    expect(report.settings).toMatchObject({
      targetUrl: good.url,
      model: 'sim-model',
      mode: 'closed',
      concurrency: 4,
    })
    expect(report.ok).toBeGreaterThan(10)
    expect(report.errors.total).toBe(0)
    expect(report.requestsPerS).toBeGreaterThan(0)
    expect(report.tokensPerS).toBeGreaterThan(0)
    // The simulator sends one token per chunk, so every token after a stream's first is one inter-token gap.
    expect(report.completionTokens).toBeGreaterThanOrEqual(report.ok)
    expect(report.completionTokens).toBeLessThanOrEqual(report.ok * 8)
    expect(report.itlMs.count).toBe(report.completionTokens - report.ok)
    const body = good.lastRequest('/v1/chat/completions')?.body as {
      stream_options?: unknown
      max_tokens?: number
    }
    expect(body.stream_options).toEqual({ include_usage: true })
    expect(body.max_tokens).toBe(8)
    for (const name of ['ttftMs', 'itlMs', 'e2eMs', 'firstChunkMs']) {
      expect(report[name].count).toBeGreaterThan(0)
      expect(report[name].p50).toBeLessThanOrEqual(report[name].p99)
    }
  })

  test('an open-loop non-streaming run sends at the requested rate, with progress lines, then the text report', async () => {
    const { stdout, stderr, code } = await loadtest(['--rate', '50', '--duration', '1.5s', '--no-stream'], {
      TARGET_URL: good.url,
      MODEL: 'sim-model',
    })
    expect(code).toBe(0)
    expect(stderr).toContain('open loop at 50 req/s')
    // Not a terminal: progress comes as plain lines, never rewritten in place.
    expect(stderr).toMatch(
      /\n\d+\.\d\/1\.5s {2}sent \d+ {2}done \d+ {2}ok \d+ {2}err 0 {2}in-flight \d+ {2}\d+ req\/s\n/,
    )
    expect(stderr).not.toContain('\r')
    expect(stdout).toContain('requests 75  ok 75  errors 0')
    expect(stdout).toMatch(/E2E\s+\d/)
    expect(stdout).not.toContain('TTFT')
  })

  test('counts connection errors against a port that refuses, and exits 1 when nothing succeeded', async () => {
    const closed = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response('') })
    const url = `http://127.0.0.1:${closed.port}`
    await closed.stop(true)
    const { stdout, code } = await loadtest(['--json', '--duration', '500ms', '--concurrency', '2'], {
      TARGET_URL: url,
      MODEL: 'm',
    })
    expect(code).toBe(1)
    const report = JSON.parse(stdout)
    expect(report.ok).toBe(0)
    expect(report.requests).toBeGreaterThan(0)
    expect(report.errors.byKind.connect).toBe(report.requests)
    expect(report.e2eMs.p50).toBeNull()
  })

  test('counts HTTP failures by status when every request fails', async () => {
    const { stdout, code } = await loadtest(['--json', '--duration', '500ms', '--concurrency', '2'], {
      TARGET_URL: failing.url,
    })
    expect(code).toBe(1)
    const report = JSON.parse(stdout)
    expect(report.requests).toBeGreaterThan(0)
    expect(report.errors.byKind.http).toBe(report.requests)
    expect(report.errors.byStatus['503']).toBe(report.requests)
    expect(report.errors.samples[0]).toContain('HTTP 503')
  })

  test('bad flags and settings exit 2 with every problem named', async () => {
    const flags = await loadtest(['--concurency', '4'])
    expect(flags.code).toBe(2)
    expect(flags.stderr).toContain('unknown flag --concurency')
    expect(flags.stderr).toContain('usage: bun run loadtest')
    const values = await loadtest(['--duration', '10x'], { RATE: '-3' })
    expect(values.code).toBe(2)
    expect(values.stderr).toContain('DURATION')
    expect(values.stderr).toContain('RATE')
  })

  test('runs more than the 256 fetches Bun allows by default when the concurrency asks for it', async () => {
    const slow = startFixture('slow')
    try {
      const { stdout, code } = await loadtest(
        ['--json', '--no-stream', '--concurrency', '300', '--duration', '200ms'],
        {
          TARGET_URL: slow.url,
          MODEL: 'm',
        },
      )
      expect(code).toBe(0)
      expect(JSON.parse(stdout).ok).toBeGreaterThanOrEqual(300)
      expect(slow.peak()).toBe(300)
    } finally {
      await slow.stop()
    }
  })

  test('Ctrl-C stops sending and still prints the report of what was done', async () => {
    const child = Bun.spawn(
      [process.execPath, script, '--json', '--rate', '100', '--duration', '60s', '--no-stream'],
      {
        cwd: root,
        env: { PATH: process.env.PATH ?? '', TARGET_URL: good.url, MODEL: 'sim-model' },
        stdout: 'pipe',
        stderr: 'pipe',
      },
    )
    await Bun.sleep(1500)
    child.kill('SIGINT')
    const [stdout, code] = await Promise.all([new Response(child.stdout).text(), child.exited])
    expect(code).toBe(0)
    const report = JSON.parse(stdout)
    expect(report.requests).toBeGreaterThan(10)
    expect(report.requests).toBeLessThan(1000)
    expect(report.ok).toBe(report.requests)
  })

  test('without MODEL, an unreachable model list exits 1 with a hint', async () => {
    const closed = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response('') })
    const url = `http://127.0.0.1:${closed.port}`
    await closed.stop(true)
    const { stderr, code } = await loadtest(['--duration', '1s'], { TARGET_URL: url })
    expect(code).toBe(1)
    expect(stderr).toContain('set MODEL or --model')
  })
})
