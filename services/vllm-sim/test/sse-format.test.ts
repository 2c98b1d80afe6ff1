import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { type Sim, startSim } from '../src/testing.ts'

let sim: Sim
beforeAll(async () => {
  sim = await startSim({ mode: 'echo' })
})
afterAll(() => sim.stop())

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${sim.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  })

/** Splits a raw SSE body into its `data:` payloads, checking the framing on the way. */
function events(raw: string): string[] {
  expect(raw.endsWith('\n\n')).toBe(true)
  const blocks = raw.slice(0, -2).split('\n\n')
  for (const block of blocks) expect(block).toMatch(/^data: [^\n]+$/)
  return blocks.map((block) => block.slice('data: '.length))
}

describe('raw SSE bytes', () => {
  test('chat: role chunk, content chunks, finish chunk, usage chunk with choices [], then [DONE]', async () => {
    const response = await post('/v1/chat/completions', {
      messages: [{ role: 'user', content: 'ab cd' }],
      stream: true,
      stream_options: { include_usage: true },
    })
    expect(response.headers.get('content-type')).toStartWith('text/event-stream')
    const payloads = events(await response.text())
    expect(payloads.at(-1)).toBe('[DONE]')
    const chunks = payloads.slice(0, -1).map((payload) => JSON.parse(payload))
    const ids = new Set(chunks.map((chunk) => chunk.id))
    const created = new Set(chunks.map((chunk) => chunk.created))
    expect(ids.size).toBe(1)
    expect(created.size).toBe(1)
    expect(payloads[0]).toBe(
      `{"id":"${chunks[0].id}","object":"chat.completion.chunk","created":${chunks[0].created},"model":"sim-model","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}`,
    )
    expect(chunks[1].choices[0]).toEqual({
      index: 0,
      delta: { content: 'ab' },
      logprobs: null,
      finish_reason: null,
    })
    expect(chunks[2].choices[0]).toEqual({
      index: 0,
      delta: { content: ' cd' },
      logprobs: null,
      finish_reason: 'stop',
      stop_reason: null,
    })
    expect(chunks[3]).toMatchObject({
      choices: [],
      usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
    })
    expect('prompt_tokens_details' in chunks[3].usage).toBe(false)
    expect(chunks).toHaveLength(4)
  })

  test('chat without include_usage has no usage chunk and no usage key', async () => {
    const payloads = events(
      await (
        await post('/v1/chat/completions', { messages: [{ role: 'user', content: 'x' }], stream: true })
      ).text(),
    )
    expect(payloads).toHaveLength(3)
    for (const payload of payloads.slice(0, -1)) expect(payload).not.toContain('"usage"')
  })

  test('completions: no role chunk, every chunk carries "usage":null, finish chunk has stop_reason', async () => {
    const payloads = events(await (await post('/v1/completions', { prompt: 'ab cd', stream: true })).text())
    expect(payloads.at(-1)).toBe('[DONE]')
    const chunks = payloads.slice(0, -1).map((payload) => JSON.parse(payload))
    expect(chunks).toHaveLength(2)
    expect(chunks[0]).toMatchObject({
      object: 'text_completion',
      choices: [{ index: 0, text: 'ab', logprobs: null, finish_reason: null, stop_reason: null }],
      usage: null,
    })
    expect(chunks[1].choices[0]).toMatchObject({ text: ' cd', finish_reason: 'stop' })
  })

  test('continuous_usage_stats puts a cumulative usage on every chunk', async () => {
    const payloads = events(
      await (
        await post('/v1/chat/completions', {
          messages: [{ role: 'user', content: 'aa bb cc' }],
          stream: true,
          stream_options: { include_usage: true, continuous_usage_stats: true },
        })
      ).text(),
    )
    const chunks = payloads.slice(1, -2).map((payload) => JSON.parse(payload))
    expect(chunks.map((chunk) => chunk.usage.completion_tokens)).toEqual([1, 2, 3])
  })

  test('n=2 streams a role chunk per choice and interleaves their tokens', async () => {
    const payloads = events(
      await (
        await post('/v1/chat/completions', {
          messages: [{ role: 'user', content: 'aa bb' }],
          stream: true,
          n: 2,
        })
      ).text(),
    )
    const indices = payloads.slice(0, -1).map((payload) => JSON.parse(payload).choices[0].index)
    expect(indices).toEqual([0, 1, 0, 1, 0, 1])
  })

  test('an error found before streaming is a plain JSON 400, not SSE', async () => {
    const response = await post('/v1/chat/completions', { messages: [], stream: true })
    expect(response.status).toBe(400)
    expect(response.headers.get('content-type')).toBe('application/json')
    expect(await response.json()).toMatchObject({ error: { type: 'BadRequestError', code: 400 } })
  })

  test('with latency, chunks arrive one by one over time', async () => {
    const slow = await startSim({ mode: 'echo', ttftMs: 30, itlMs: 15 })
    try {
      const started = performance.now()
      const response = await fetch(`${slow.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ messages: [{ role: 'user', content: 'aa bb cc dd' }], stream: true }),
      })
      const reader = (response.body as ReadableStream<Uint8Array>).getReader()
      const arrivals: number[] = []
      let text = ''
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        arrivals.push(performance.now() - started)
        text += new TextDecoder().decode(value)
      }
      expect(events(text)).toHaveLength(6)
      expect(arrivals.length).toBeGreaterThanOrEqual(4)
      expect((arrivals.at(-1) ?? 0) - (arrivals[0] ?? 0)).toBeGreaterThanOrEqual(40)
    } finally {
      await slow.stop()
    }
  })
})
