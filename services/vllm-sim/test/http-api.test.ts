import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { countTokens, type Sim, startSim } from '../src/testing.ts'

let sim: Sim
beforeAll(async () => {
  sim = await startSim({ apiKey: 'secret', mode: 'echo' })
})
afterAll(() => sim.stop())

const auth = { authorization: 'Bearer secret' }
const post = (path: string, body: unknown, headers: Record<string, string> = auth) =>
  fetch(`${sim.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })

async function errorOf(
  response: Response,
): Promise<{ status: number; message: string; type: string; param: unknown }> {
  const body = (await response.json()) as {
    error: { message: string; type: string; param: unknown; code: number }
  }
  expect(body.error.code).toBe(response.status)
  return { status: response.status, ...body.error }
}

describe('auth', () => {
  test('/v1 routes need the key; the 401 body is vLLM bare one', async () => {
    const response = await post('/v1/completions', { prompt: 'x' }, {})
    expect(response.status).toBe(401)
    expect(await response.text()).toBe('{"error":"Unauthorized"}')
    expect((await fetch(`${sim.url}/v1/models`)).status).toBe(401)
    expect((await fetch(`${sim.url}/v1/models`, { headers: auth })).status).toBe(200)
  })

  test('health, version, metrics and tokenize stay open', async () => {
    expect((await fetch(`${sim.url}/health`)).status).toBe(200)
    expect(await (await fetch(`${sim.url}/version`)).json()).toEqual({ version: '0.11.0' })
    expect((await fetch(`${sim.url}/metrics`)).status).toBe(200)
    expect((await post('/tokenize', { prompt: 'x' }, {})).status).toBe(200)
    expect((await fetch(`${sim.url}/ping`, { method: 'POST' })).status).toBe(200)
    expect(await (await fetch(`${sim.url}/load`)).json()).toEqual({ server_load: 0 })
  })
})

describe('bad input gets what vLLM gives', () => {
  test.each([
    ['not json', '{"messages":', 'JSON decode error'],
    ['an array body', '[]', 'valid dictionary'],
    ['no messages', {}, 'body.messages: Field required'],
    ['empty messages', { messages: [] }, 'at least one message'],
    ['a bad role', { messages: [{ role: 'robot', content: 'x' }] }, 'messages.0.role'],
    ['content of the wrong type', { messages: [{ role: 'user', content: 5 }] }, 'messages.0.content'],
    [
      'max_tokens 0',
      { messages: [{ role: 'user', content: 'x' }], max_tokens: 0 },
      'max_tokens must be at least 1',
    ],
    [
      'n as a string',
      { messages: [{ role: 'user', content: 'x' }], n: 'two' },
      'body.n: Input should be a valid integer',
    ],
    ['negative temperature', { messages: [{ role: 'user', content: 'x' }], temperature: -1 }, 'temperature'],
    ['top_p 0', { messages: [{ role: 'user', content: 'x' }], top_p: 0 }, 'top_p must be in (0, 1]'],
    ['stop of numbers', { messages: [{ role: 'user', content: 'x' }], stop: [1] }, 'body.stop'],
    [
      'stream_options without stream',
      { messages: [{ role: 'user', content: 'x' }], stream_options: {} },
      'stream=True',
    ],
    [
      'top_logprobs without logprobs',
      { messages: [{ role: 'user', content: 'x' }], top_logprobs: 2 },
      'logprobs',
    ],
    [
      'too many logprobs',
      { messages: [{ role: 'user', content: 'x' }], logprobs: true, top_logprobs: 21 },
      'max allowed: 20',
    ],
    [
      'min_tokens over max_tokens',
      { messages: [{ role: 'user', content: 'x' }], max_tokens: 2, min_tokens: 3 },
      'min_tokens',
    ],
  ])('chat with %s is a 400 BadRequestError', async (_name, body, message) => {
    const error = await errorOf(await post('/v1/chat/completions', body))
    expect(error.status).toBe(400)
    expect(error.type).toBe('BadRequestError')
    expect(error.message).toContain(message)
  })

  test.each([
    ['no prompt', {}, 'body.prompt: Field required'],
    ['an empty prompt', { prompt: '' }, 'Prompt cannot be empty'],
    ['an empty list', { prompt: [] }, 'Prompt cannot be empty'],
    ['mixed list items', { prompt: ['a', 3] }, 'prompt.1'],
    ['an out-of-vocabulary token id', { prompt: [12] }, 'out of vocabulary'],
    ['suffix', { prompt: 'a', suffix: 'b' }, 'suffix'],
    ['logprobs over 20', { prompt: 'a', logprobs: 21 }, 'max allowed'],
  ])('completions with %s is a 400', async (_name, body, message) => {
    const error = await errorOf(await post('/v1/completions', body))
    expect(error.status).toBe(400)
    expect(error.message).toContain(message)
  })

  test('prompt + max_tokens over the context is a 400 with the newer wording', async () => {
    const small = await startSim({ maxModelLen: 20 })
    try {
      const response = await fetch(`${small.url}/v1/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: 'aa bb cc', max_tokens: 18 }),
      })
      const error = await errorOf(response)
      expect(error.message).toBe(
        "'max_tokens' or 'max_completion_tokens' is too large: 18. This model's maximum context length is 20 tokens and your request has 3 input tokens (18 > 20 - 3).",
      )
    } finally {
      await small.stop()
    }
  })

  test('unknown fields are ignored, as vLLM does', async () => {
    const response = await post('/v1/chat/completions', {
      messages: [{ role: 'user', content: 'fine' }],
      top_k: 5,
      chat_template_kwargs: { enable_thinking: false },
      whatever: true,
    })
    expect(response.status).toBe(200)
  })

  test('an unknown route is FastAPI 404 and a wrong method 405', async () => {
    const missing = await fetch(`${sim.url}/v1/nothing`)
    expect(missing.status).toBe(404)
    expect(await missing.json()).toEqual({ detail: 'Not Found' })
    expect((await fetch(`${sim.url}/v1/chat/completions`, { headers: auth })).status).toBe(405)
  })
})

describe('completions extras', () => {
  test('token-id prompts and echo: true', async () => {
    const ids = (await (await post('/tokenize', { prompt: 'hi there' })).json()) as { tokens: number[] }
    const response = await post('/v1/completions', { prompt: ids.tokens, echo: true, max_tokens: 5 })
    const body = (await response.json()) as { choices: { text: string }[]; usage: { prompt_tokens: number } }
    expect(body.choices[0]?.text).toBe('hi therehi there')
    expect(body.usage.prompt_tokens).toBe(ids.tokens.length)
  })

  test('completions logprobs have the legacy shape', async () => {
    const response = await post('/v1/completions', { prompt: 'ab cd', logprobs: 2 })
    const body = (await response.json()) as { choices: { logprobs: Record<string, unknown[]> }[] }
    const logprobs = body.choices[0]?.logprobs
    expect(logprobs?.tokens).toEqual(['ab', ' cd'])
    expect(logprobs?.text_offset).toEqual([0, 2])
    expect(logprobs?.token_logprobs).toHaveLength(2)
    expect(Object.keys(logprobs?.top_logprobs?.[0] as object)).toHaveLength(2)
  })

  test('max_tokens null means "what the context leaves", not 16', async () => {
    const response = await post('/v1/completions', { prompt: 'a [[sim:tokens=40]]', max_tokens: null })
    expect(
      ((await response.json()) as { usage: { completion_tokens: number } }).usage.completion_tokens,
    ).toBe(40)
    const capped = await post('/v1/completions', { prompt: 'a [[sim:tokens=40]]' })
    expect(((await capped.json()) as { usage: { completion_tokens: number } }).usage.completion_tokens).toBe(
      16,
    )
  })
})

describe('tokenize and detokenize', () => {
  test('round-trip a prompt, with token strings on request', async () => {
    const text = 'Héllo, wörld! 12345 🎉'
    const tokenized = (await (await post('/tokenize', { prompt: text, return_token_strs: true })).json()) as {
      count: number
      max_model_len: number
      tokens: number[]
      token_strs: string[]
    }
    expect(tokenized.count).toBe(countTokens(text))
    expect(tokenized.tokens).toHaveLength(tokenized.count)
    expect(tokenized.max_model_len).toBe(8192)
    expect(tokenized.token_strs.join('')).toBe(text)
    const detokenized = await (await post('/detokenize', { tokens: tokenized.tokens })).json()
    expect(detokenized).toEqual({ prompt: text })
  })

  test('chat messages tokenize to the prompt_tokens chat usage reports', async () => {
    const messages = [{ role: 'user', content: 'count me in' }]
    const tokenized = (await (await post('/tokenize', { messages })).json()) as { count: number }
    const chat = (await (await post('/v1/chat/completions', { messages })).json()) as {
      usage: { prompt_tokens: number }
    }
    expect(tokenized.count).toBe(chat.usage.prompt_tokens)
  })

  test('bad bodies are 400s and unknown models 404', async () => {
    expect((await post('/tokenize', {})).status).toBe(400)
    expect((await post('/detokenize', { tokens: 'x' })).status).toBe(400)
    expect((await post('/detokenize', { tokens: [-4] })).status).toBe(400)
    expect((await post('/tokenize', { model: 'nope', prompt: 'x' })).status).toBe(404)
  })
})

describe('embeddings input forms', () => {
  test('token ids, dimensions, and errors', async () => {
    const embed = await startSim({ runner: 'pooling', embeddingDim: 16 })
    const call = (body: unknown) =>
      fetch(`${embed.url}/v1/embeddings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    try {
      const ids = (await (await call({ input: [[300, 301], 'text'], dimensions: 4 })).json()) as {
        data: { embedding: number[] }[]
        usage: { prompt_tokens: number }
      }
      expect(ids.data.map((item) => item.embedding.length)).toEqual([4, 4])
      expect(ids.usage.prompt_tokens).toBe(2 + countTokens('text'))
      expect((await call({})).status).toBe(400)
      expect((await call({ input: [] })).status).toBe(400)
      expect((await call({ input: 'x', dimensions: 17 })).status).toBe(400)
      expect((await call({ input: 'x', encoding_format: 'hex' })).status).toBe(400)
      expect((await call({ input: [{}] })).status).toBe(400)
      expect((await call({ input: 'x [[sim:status=503]]' })).status).toBe(503)
    } finally {
      await embed.stop()
    }
  })
})

describe('request log', () => {
  test('records path, headers and the body as received', async () => {
    sim.clearRequests()
    await post(
      '/v1/chat/completions',
      { messages: [{ role: 'user', content: 'x' }], stream: true, stream_options: { include_usage: true } },
      {
        ...auth,
        'x-request-id': 'rid-1',
      },
    )
    const seen = sim.lastRequest('/v1/chat/completions')
    expect(seen?.headers['x-request-id']).toBe('rid-1')
    expect(seen?.headers.authorization).toBe('Bearer secret')
    expect(seen?.body).toMatchObject({ stream_options: { include_usage: true } })
    expect(sim.requests).toHaveLength(1)
    expect(sim.lastRequest('/nope')).toBeUndefined()
  })
})
