import { describe, expect, test } from 'bun:test'
import { startSim } from '../src/testing.ts'

const chat = (url: string, content: string, signal?: AbortSignal) =>
  fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ messages: [{ role: 'user', content }] }),
    ...(signal === undefined ? {} : { signal }),
  })

/** Polls `probe` until it returns true or `timeoutMs` passes. */
async function eventually(probe: () => Promise<boolean>, timeoutMs = 2000): Promise<boolean> {
  const deadline = performance.now() + timeoutMs
  while (performance.now() < deadline) {
    if (await probe()) return true
    await Bun.sleep(10)
  }
  return false
}

describe('faults over time', () => {
  test('hang-after-ms wedges /health and requests from then on', async () => {
    const sim = await startSim({ hangAfterMs: 50 })
    try {
      expect((await fetch(`${sim.url}/health`)).status).toBe(200)
      await Bun.sleep(80)
      const controller = new AbortController()
      const pending = fetch(`${sim.url}/health`, { signal: controller.signal }).catch(
        (error: Error) => error.name,
      )
      expect(await Promise.race([pending, Bun.sleep(120).then(() => 'hung')])).toBe('hung')
      controller.abort()
      expect(await pending).toBe('AbortError')
    } finally {
      await sim.stop()
    }
  })

  test('dead-after-ms turns /health to 503 and requests to 500', async () => {
    const sim = await startSim({ deadAfterMs: 30 })
    try {
      expect(await eventually(async () => (await fetch(`${sim.url}/health`)).status === 503)).toBe(true)
      expect((await chat(sim.url, 'x')).status).toBe(500)
    } finally {
      await sim.stop()
    }
  })

  test('crash-after-ms in the helper stops listening, as a crashed vLLM does', async () => {
    const sim = await startSim({ crashAfterMs: 30 })
    const refused = await eventually(async () =>
      fetch(`${sim.url}/health`).then(
        () => false,
        () => true,
      ),
    )
    expect(refused).toBe(true)
    await sim.stop()
  })

  test('a bounded waiting queue rejects overflow with 503', async () => {
    const sim = await startSim({ maxNumSeqs: 1, maxWaiting: 1, itlMs: 30 })
    try {
      const running = chat(sim.url, 'a [[sim:tokens=5]]')
      await Bun.sleep(20)
      const waiting = chat(sim.url, 'b [[sim:tokens=1]]')
      await Bun.sleep(20)
      const rejected = await chat(sim.url, 'c [[sim:tokens=1]]')
      expect(rejected.status).toBe(503)
      expect([(await running).status, (await waiting).status]).toEqual([200, 200])
    } finally {
      await sim.stop()
    }
  })

  test('while busy, the stats line is logged in vLLM wording', async () => {
    const lines: string[] = []
    const sim = await startSim({ statsIntervalMs: 30, itlMs: 20, log: (line) => lines.push(line) })
    try {
      expect(lines.at(-1)).toEndWith('Application startup complete.')
      await chat(sim.url, 'x [[sim:tokens=6]]')
      const logged = await eventually(
        async () => lines.some((line) => line.includes('Avg prompt throughput')),
        1000,
      )
      expect(logged).toBe(true)
      expect(lines.find((line) => line.includes('Avg prompt throughput'))).toMatch(
        /Engine 000: Avg prompt throughput: [\d.]+ tokens\/s, Avg generation throughput: [\d.]+ tokens\/s, Running: \d+ reqs, Waiting: \d+ reqs, GPU KV cache usage: [\d.]+%/,
      )
    } finally {
      await sim.stop()
    }
  })

  test('latency options shape TTFT: a longer prompt waits longer', async () => {
    const sim = await startSim({ ttftMs: 10, ttftPerTokenUs: 200, mode: 'echo' })
    try {
      const time = async (content: string) => {
        const started = performance.now()
        await (await chat(sim.url, `${content} [[sim:tokens=1]]`)).json()
        return performance.now() - started
      }
      const short = await time('x')
      const long = await time('word '.repeat(1000))
      expect(long - short).toBeGreaterThan(100)
    } finally {
      await sim.stop()
    }
  })
})
