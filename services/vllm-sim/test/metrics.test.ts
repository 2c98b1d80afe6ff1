import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { type Sim, startSim } from '../src/testing.ts'

let sim: Sim
beforeAll(async () => {
  sim = await startSim({ maxNumSeqs: 2, itlMs: 15, servedModelNames: ['served', 'other'] })
})
afterAll(() => sim.stop())

const LABELS = '{model_name="served",engine="0"}'

function value(text: string, series: string): number {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `))
  if (line === undefined) throw new Error(`no series ${series}`)
  return Number(line.slice(series.length + 1))
}

const stream = (tokens: number) =>
  fetch(`${sim.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'other',
      messages: [{ role: 'user', content: `x [[sim:tokens=${tokens}]]` }],
      stream: true,
    }),
  }).then((response) => response.text())

describe('/metrics under load', () => {
  test('running, waiting and KV usage follow max-num-seqs, and counters add up afterwards', async () => {
    const before = await sim.metricsText()
    const finished = Promise.all([stream(10), stream(10), stream(10), stream(10), stream(10)])
    let during = ''
    const deadline = performance.now() + 2000
    while (performance.now() < deadline) {
      during = await (await fetch(`${sim.url}/metrics`)).text()
      if (value(during, `vllm:num_requests_waiting${LABELS}`) === 3) break
      await Bun.sleep(5)
    }
    expect(value(during, `vllm:num_requests_running${LABELS}`)).toBe(2)
    expect(value(during, `vllm:num_requests_waiting${LABELS}`)).toBe(3)
    expect(value(during, `vllm:kv_cache_usage_perc${LABELS}`)).toBeGreaterThan(0)
    expect(await (await fetch(`${sim.url}/load`)).json()).toEqual({ server_load: 5 })
    await finished

    const after = await sim.metricsText()
    const delta = (series: string) => value(after, series) - value(before, series)
    expect(value(after, `vllm:num_requests_running${LABELS}`)).toBe(0)
    expect(value(after, `vllm:kv_cache_usage_perc${LABELS}`)).toBe(0)
    expect(
      value(after, 'vllm:request_success_total{model_name="served",engine="0",finished_reason="stop"}'),
    ).toBe(5)
    expect(value(after, `vllm:generation_tokens_total${LABELS}`)).toBe(50)
    expect(delta(`vllm:prompt_tokens_total${LABELS}`)).toBeGreaterThan(0)
    expect(value(after, `vllm:time_to_first_token_seconds_count${LABELS}`)).toBe(5)
    expect(value(after, `vllm:inter_token_latency_seconds_count${LABELS}`)).toBe(45)
    expect(value(after, `vllm:e2e_request_latency_seconds_count${LABELS}`)).toBe(5)
    // Requests that waited for a slot show it in their queue time and TTFT.
    expect(value(after, `vllm:request_queue_time_seconds_sum${LABELS}`)).toBeGreaterThan(0.1)
    expect(value(after, `vllm:request_generation_tokens_sum${LABELS}`)).toBe(50)
  })

  test('a client abort is counted with finished_reason="abort"', async () => {
    const controller = new AbortController()
    const response = await fetch(`${sim.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'x [[sim:tokens=100]]' }], stream: true }),
      signal: controller.signal,
    })
    await (response.body as ReadableStream<Uint8Array>).getReader().read()
    controller.abort()
    await sim.waitForAborts(1, 1000)
    const deadline = performance.now() + 1000
    let text = await sim.metricsText()
    while (performance.now() < deadline && !text.includes('finished_reason="abort"} 1')) {
      await Bun.sleep(10)
      text = await sim.metricsText()
    }
    expect(
      value(text, 'vllm:request_success_total{model_name="served",engine="0",finished_reason="abort"}'),
    ).toBe(1)
    expect(value(text, `vllm:num_requests_running${LABELS}`)).toBe(0)
  })

  test('exposes vLLM metric families with HELP/TYPE and the cache config info', async () => {
    const text = await (await fetch(`${sim.url}/metrics`)).text()
    for (const family of [
      'vllm:num_requests_running gauge',
      'vllm:kv_cache_usage_perc gauge',
      'vllm:prompt_tokens_total counter',
      'vllm:prefix_cache_queries_total counter',
      'vllm:time_to_first_token_seconds histogram',
      'vllm:request_prompt_tokens histogram',
      'vllm:iteration_tokens_total histogram',
    ])
      expect(text).toContain(`# TYPE ${family}`)
    expect(text).toContain('vllm:cache_config_info{engine="0",block_size="16"')
    expect(text).toContain(
      'vllm:time_to_first_token_seconds_bucket{model_name="served",engine="0",le="2560"}',
    )
    expect(text).not.toContain('vllm:gpu_cache_usage_perc')
  })
})
