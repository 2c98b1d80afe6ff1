import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { CLIENT_KEY, chat, type Stack, ssePayloads, startStack, UPSTREAM_KEY } from './stack.ts'

let stack: Stack

beforeAll(async () => {
  stack = await startStack([{}, { servedModelNames: ['embed-model'], runner: 'pooling', embeddingDim: 8 }], {
    MODEL_ALIASES: 'fast=sim-model',
  })
})
afterAll(() => stack.stop())

describe('OpenAI API through the gateway (official SDK)', () => {
  test('chat completion returns content and consistent usage', async () => {
    const completion = await stack.client.chat.completions.create({
      model: 'sim-model',
      messages: [{ role: 'user', content: 'Say hello [[sim:tokens=5]]' }],
    })
    expect(completion.object).toBe('chat.completion')
    expect(completion.choices[0]?.message.role).toBe('assistant')
    expect(completion.choices[0]?.message.content?.length).toBeGreaterThan(0)
    expect(completion.usage?.completion_tokens).toBe(5)
    expect(completion.usage?.total_tokens).toBe((completion.usage?.prompt_tokens ?? 0) + 5)
  })

  test('streamed chat arrives in order, without a usage chunk the client did not ask for', async () => {
    const stream = await stack.client.chat.completions.create({
      model: 'sim-model',
      messages: [{ role: 'user', content: 'stream [[sim:tokens=4]]' }],
      stream: true,
    })
    const chunks = []
    for await (const chunk of stream) chunks.push(chunk)
    expect(chunks[0]?.choices[0]?.delta.role).toBe('assistant')
    expect(['stop', 'length']).toContain(chunks.at(-1)?.choices[0]?.finish_reason ?? 'missing')
    expect(chunks.every((chunk) => chunk.choices.length > 0)).toBe(true)
    expect(chunks.every((chunk) => !chunk.usage)).toBe(true)
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')
    expect(text.length).toBeGreaterThan(0)
  })

  test('the usage chunk reaches a client that asked for include_usage', async () => {
    const stream = await stack.client.chat.completions.create({
      model: 'sim-model',
      messages: [{ role: 'user', content: 'usage please [[sim:tokens=3]]' }],
      stream: true,
      stream_options: { include_usage: true },
    })
    const chunks = []
    for await (const chunk of stream) chunks.push(chunk)
    const last = chunks.at(-1)
    expect(last?.choices).toEqual([])
    expect(last?.usage?.completion_tokens).toBe(3)
  })

  test('raw SSE bytes: data events separated by blank lines, ending with [DONE]', async () => {
    const response = await stack.post('/v1/chat/completions', chat('raw [[sim:tokens=3]]', { stream: true }))
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toStartWith('text/event-stream')
    const payloads = ssePayloads(await response.text())
    expect(payloads.at(-1)).toBe('[DONE]')
    const parsed = payloads.slice(0, -1).map((payload) => JSON.parse(payload))
    expect(parsed[0].choices[0].delta).toEqual({ role: 'assistant', content: '' })
    expect(new Set(parsed.map((chunk) => chunk.id)).size).toBe(1)
    expect(parsed.some((chunk) => chunk.choices.length === 0)).toBe(false)
  })

  test('text completions, streaming and not', async () => {
    const completion = await stack.client.completions.create({
      model: 'sim-model',
      prompt: 'Once [[sim:tokens=6]]',
    })
    expect(completion.object).toBe('text_completion')
    expect(completion.usage?.completion_tokens).toBe(6)
    const stream = await stack.client.completions.create({
      model: 'sim-model',
      prompt: 'Once [[sim:tokens=2]]',
      stream: true,
    })
    let text = ''
    for await (const chunk of stream) text += chunk.choices[0]?.text ?? ''
    expect(text.length).toBeGreaterThan(0)
  })

  test('embeddings go to the embedding upstream', async () => {
    const result = await stack.client.embeddings.create({ model: 'embed-model', input: ['a', 'b c'] })
    expect(result.data).toHaveLength(2)
    expect(result.data[0]?.embedding).toHaveLength(8)
    expect(result.usage.prompt_tokens).toBeGreaterThan(0)
  })

  test('models: the union of both upstreams plus the alias', async () => {
    const models = await stack.client.models.list()
    const ids = models.data.map((model) => model.id)
    expect(ids).toEqual(expect.arrayContaining(['sim-model', 'embed-model', 'fast']))
    const alias = models.data.find((model) => model.id === 'fast') as unknown as { root: string }
    expect(alias.root).toBe('sim-model')
    const one = await stack.client.models.retrieve('embed-model')
    expect(one.id).toBe('embed-model')
  })

  test('an alias is resolved to its model before the upstream sees it', async () => {
    const completion = await stack.client.chat.completions.create({
      model: 'fast',
      messages: [{ role: 'user', content: 'alias [[sim:tokens=1]]' }],
    })
    expect(completion.model).toBe('sim-model')
  })

  test('the upstream gets the gateway credential, request id, trace context and untouched extras', async () => {
    const sim = stack.sims[0]
    if (!sim) throw new Error('no sim')
    const before = sim.requests.length
    const response = await stack.post(
      '/v1/chat/completions',
      chat('extras [[sim:tokens=1]]', {
        stream: true,
        top_k: 5,
        chat_template_kwargs: { enable_thinking: false },
        guided_json: { type: 'object' },
      }),
      {
        authorization: `Bearer ${CLIENT_KEY}`,
        'content-type': 'application/json',
        'x-request-id': 'req-abc-123',
        traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      },
    )
    await response.text()
    expect(response.headers.get('x-request-id')).toBe('req-abc-123')
    const seen = sim.requests.slice(before).find((entry) => entry.path === '/v1/chat/completions')
    expect(seen?.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`)
    expect(JSON.stringify(seen?.headers)).not.toContain(CLIENT_KEY)
    expect(seen?.headers['x-request-id']).toBe('req-abc-123')
    expect(seen?.headers.traceparent).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/)
    expect(seen?.headers.traceparent).not.toContain('00f067aa0ba902b7')
    const body = seen?.body as Record<string, unknown>
    expect(body.top_k).toBe(5)
    expect(body.chat_template_kwargs).toEqual({ enable_thinking: false })
    expect(body.guided_json).toEqual({ type: 'object' })
    expect(body.stream_options).toEqual({ include_usage: true })
  })

  test("the client's JSON goes upstream byte for byte unless the gateway changed something in it", async () => {
    const sim = stack.sims[0]
    if (!sim) throw new Error('no sim')
    const sent = async (text: string) => {
      const response = await stack.post('/v1/chat/completions', text)
      await response.text()
      expect(response.status).toBe(200)
      return sim.lastRequest('/v1/chat/completions')?.text ?? ''
    }
    const messages = '"messages": [ {"role":"user", "content":"raw [[sim:tokens=1]]"} ]'
    const untouched = `{ "model" : "sim-model",\n  ${messages}, "temperature": 1.0, "top_k": 5 }`
    expect(await sent(untouched)).toBe(untouched)
    // A stream that did not ask for usage: include_usage spliced in front, the rest as sent.
    const stream = `{"model":"sim-model", "stream": true, ${messages}}`
    expect(await sent(stream)).toBe(`{"stream_options":{"include_usage":true},${stream.slice(1)}`)
    // An alias is resolved, so the body is serialized again with the real model.
    const aliased = await sent(`{"model":"fast", ${messages}}`)
    expect(JSON.parse(aliased)).toEqual({
      model: 'sim-model',
      messages: [{ role: 'user', content: 'raw [[sim:tokens=1]]' }],
    })
  })

  test('a request id is generated when the client sends none, or an unsafe one', async () => {
    const response = await stack.post('/v1/chat/completions', chat('id [[sim:tokens=1]]'), {
      authorization: `Bearer ${CLIENT_KEY}`,
      'content-type': 'application/json',
      'x-request-id': 'bad id with spaces <script>',
    })
    await response.text()
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
    // An error answer carries it too (it is rendered by the error handler, not the proxy path).
    const missing = await stack.post('/v1/chat/completions', chat('id', { model: 'no-such-model' }), {
      authorization: `Bearer ${CLIENT_KEY}`,
      'content-type': 'application/json',
      'x-request-id': 'req-for-error',
    })
    expect(missing.status).toBe(404)
    expect(missing.headers.get('x-request-id')).toBe('req-for-error')
  })

  test('OpenRouter-style /api/v1 aliases serve the same routes', async () => {
    const response = await stack.post('/api/v1/chat/completions', chat('or [[sim:tokens=2]]'))
    expect(response.status).toBe(200)
    expect(
      ((await response.json()) as { usage: { completion_tokens: number } }).usage.completion_tokens,
    ).toBe(2)
    const models = await fetch(`${stack.url}/api/v1/models`, { headers: { 'x-api-key': CLIENT_KEY } })
    expect(models.status).toBe(200)
  })

  test('simple /v1/generate returns text and /v1/stream streams text pieces', async () => {
    const generated = await stack.post('/v1/generate', { prompt: 'hi [[sim:tokens=3]]', model: 'sim-model' })
    expect(generated.status).toBe(200)
    const body = (await generated.json()) as { text: string; usage: { completion_tokens: number } }
    expect(body.text.length).toBeGreaterThan(0)
    expect(body.usage.completion_tokens).toBe(3)
    const streamed = await stack.post('/v1/stream', { prompt: 'hi [[sim:tokens=3]]', model: 'sim-model' })
    const payloads = ssePayloads(await streamed.text())
    expect(payloads.at(-1)).toBe('[DONE]')
    const pieces = payloads.slice(0, -1).map((payload) => JSON.parse(payload) as { text: string })
    expect(pieces.every((piece) => typeof piece.text === 'string')).toBe(true)
    expect(pieces.map((piece) => piece.text).join('').length).toBeGreaterThan(0)
  })

  test('health, readiness, docs and metrics', async () => {
    expect((await fetch(`${stack.url}/health`)).status).toBe(200)
    const ready = await fetch(`${stack.url}/ready`)
    expect(ready.status).toBe(200)
    expect(await ready.json()).toEqual({ status: 'ready', healthy_upstreams: 2 })
    const docs = (await (await fetch(`${stack.url}/swagger/json`)).json()) as {
      paths: Record<string, unknown>
    }
    for (const path of [
      '/v1/chat/completions',
      '/v1/completions',
      '/v1/embeddings',
      '/v1/models',
      '/v1/generate',
      '/ready',
    ]) {
      expect(Object.keys(docs.paths)).toContain(path)
    }
    const metrics = await (await fetch(`${stack.url}/metrics`)).text()
    expect(metrics).toContain(
      'infergate_requests_total{route="/v1/chat/completions",model="sim-model",status="200"}',
    )
    expect(metrics).toMatch(/infergate_completion_tokens_total\{model="sim-model"\} \d+/)
    expect(metrics).toContain('infergate_time_to_first_token_seconds_count{model="sim-model"}')
    // The requests above went over the gateway's own keep-alive pool, which kept its connection.
    expect(
      Number(/infergate_upstream_connections\{[^}]*state="idle"\} (\d+)/.exec(metrics)?.[1]),
    ).toBeGreaterThan(0)
    expect(metrics).not.toContain(CLIENT_KEY)
  })
})
