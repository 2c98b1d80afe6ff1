import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import OpenAI from 'openai'
import { countChatTokens, countTokens, type Sim, startSim } from '../src/testing.ts'

let sim: Sim
let embedSim: Sim
let client: OpenAI
let embedClient: OpenAI

beforeAll(async () => {
  sim = await startSim({ mode: 'echo', servedModelNames: ['sim-model', 'alias'], apiKey: 'sk-sim' })
  embedSim = await startSim({ runner: 'pooling', model: 'BAAI/bge-small', embeddingDim: 8 })
  client = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'sk-sim', maxRetries: 0 })
  embedClient = new OpenAI({ baseURL: `${embedSim.url}/v1`, apiKey: 'none', maxRetries: 0 })
})
afterAll(async () => {
  await sim.stop()
  await embedSim.stop()
})

describe('models and health', () => {
  test('lists every served name with vLLM fields', async () => {
    const models = await client.models.list()
    const ids = models.data.map((model) => model.id)
    expect(ids).toEqual(['sim-model', 'alias'])
    const first = models.data[0] as unknown as Record<string, unknown>
    expect(first).toMatchObject({
      object: 'model',
      owned_by: 'vllm',
      root: 'sim-model',
      parent: null,
      max_model_len: 8192,
    })
  })

  test('health is 200 with an empty body and is not behind the API key', async () => {
    const response = await fetch(`${sim.url}/health`)
    expect(response.status).toBe(200)
    expect(await response.text()).toBe('')
  })
})

describe('chat completions', () => {
  test('echo mode replays the last user message with consistent usage', async () => {
    const messages = [
      { role: 'system' as const, content: 'Be brief.' },
      { role: 'user' as const, content: 'Hello there, simulator!' },
    ]
    const completion = await client.chat.completions.create({ model: 'sim-model', messages })
    const choice = completion.choices[0]
    expect(choice?.message.content).toBe('Hello there, simulator!')
    expect(choice?.finish_reason).toBe('stop')
    expect(completion.id).toStartWith('chatcmpl-')
    expect(completion.usage?.prompt_tokens).toBe(
      countChatTokens(messages.map((message) => ({ role: message.role, text: message.content }))),
    )
    expect(completion.usage?.completion_tokens).toBe(countTokens('Hello there, simulator!'))
    expect(completion.usage?.total_tokens).toBe(
      (completion.usage?.prompt_tokens ?? 0) + (completion.usage?.completion_tokens ?? 0),
    )
  })

  test('max_tokens cuts the output with finish_reason length', async () => {
    const completion = await client.chat.completions.create({
      model: 'alias',
      messages: [{ role: 'user', content: 'aa bb cc dd ee ff' }],
      max_tokens: 3,
    })
    expect(completion.model).toBe('alias')
    expect(completion.choices[0]?.message.content).toBe('aa bb cc')
    expect(completion.choices[0]?.finish_reason).toBe('length')
    expect(completion.usage?.completion_tokens).toBe(3)
  })

  test('n returns n choices and usage sums them', async () => {
    const completion = await client.chat.completions.create({
      model: 'sim-model',
      messages: [{ role: 'user', content: 'abc def' }],
      n: 3,
    })
    expect(completion.choices.map((choice) => choice.index)).toEqual([0, 1, 2])
    expect(completion.usage?.completion_tokens).toBe(3 * countTokens('abc def'))
  })

  test('stop strings cut the text and are reported as stop_reason', async () => {
    const completion = await client.chat.completions.create({
      model: 'sim-model',
      messages: [{ role: 'user', content: 'alpha beta. gamma delta' }],
      stop: ['.'],
    })
    const choice = completion.choices[0] as unknown as Record<string, unknown>
    expect((choice.message as { content: string }).content).toBe('alpha beta')
    expect(choice.finish_reason).toBe('stop')
    expect(choice.stop_reason).toBe('.')
  })

  test('logprobs are shaped like OpenAI logprobs with top alternatives', async () => {
    const completion = await client.chat.completions.create({
      model: 'sim-model',
      messages: [{ role: 'user', content: 'hi you' }],
      logprobs: true,
      top_logprobs: 2,
    })
    const content = completion.choices[0]?.logprobs?.content ?? []
    expect(content.map((entry) => entry.token).join('')).toBe('hi you')
    for (const entry of content) {
      expect(entry.logprob).toBeLessThanOrEqual(0)
      expect(entry.top_logprobs).toHaveLength(2)
      expect(entry.bytes).toEqual([...new TextEncoder().encode(entry.token)])
    }
  })

  test('the stream yields role, content, finish and usage chunks the SDK understands', async () => {
    const stream = await client.chat.completions.create({
      model: 'sim-model',
      messages: [{ role: 'user', content: 'stream me please' }],
      stream: true,
      stream_options: { include_usage: true },
    })
    let text = ''
    const finishes: (string | null)[] = []
    let usage: OpenAI.CompletionUsage | undefined | null
    for await (const chunk of stream) {
      for (const choice of chunk.choices) {
        text += choice.delta.content ?? ''
        finishes.push(choice.finish_reason)
      }
      if (chunk.usage) usage = chunk.usage
    }
    expect(text).toBe('stream me please')
    expect(finishes.at(-1)).toBe('stop')
    expect(usage?.completion_tokens).toBe(countTokens('stream me please'))
  })

  test('a wrong API key gets 401 from the SDK', async () => {
    const wrong = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'nope', maxRetries: 0 })
    const error = await wrong.models.list().catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError)
  })

  test('an unknown model is a NotFoundError with vLLM wording', async () => {
    const error = await client.chat.completions
      .create({ model: 'missing', messages: [{ role: 'user', content: 'x' }] })
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(OpenAI.NotFoundError)
    expect((error as InstanceType<typeof OpenAI.NotFoundError>).message).toContain(
      'The model `missing` does not exist.',
    )
  })

  test('a prompt over max-model-len is a 400 naming the context length', async () => {
    const small = await startSim({ maxModelLen: 10 })
    try {
      const smallClient = new OpenAI({ baseURL: `${small.url}/v1`, apiKey: 'x', maxRetries: 0 })
      const error = await smallClient.chat.completions
        .create({ model: 'sim-model', messages: [{ role: 'user', content: 'a b c d e f g h i j k l' }] })
        .catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(OpenAI.BadRequestError)
      expect((error as Error).message).toContain("This model's maximum context length is 10 tokens")
    } finally {
      await small.stop()
    }
  })
})

describe('completions', () => {
  test('a text prompt completes with text_completion shape and default 16 tokens at most', async () => {
    const completion = await client.completions.create({ model: 'sim-model', prompt: 'Once upon a time' })
    expect(completion.object).toBe('text_completion')
    expect(completion.choices[0]?.text).toBe('Once upon a time')
    expect(completion.usage?.prompt_tokens).toBe(countTokens('Once upon a time'))
  })

  test('a list of prompts gives one choice per prompt', async () => {
    const completion = await client.completions.create({
      model: 'sim-model',
      prompt: ['first', 'second'],
      max_tokens: 5,
    })
    expect(completion.choices.map((choice) => choice.text)).toEqual(['first', 'second'])
    expect(completion.usage?.prompt_tokens).toBe(countTokens('first') + countTokens('second'))
  })

  test('the stream ends with a usage chunk and the SDK reassembles the text', async () => {
    const stream = await client.completions.create({
      model: 'sim-model',
      prompt: 'count these words',
      stream: true,
      stream_options: { include_usage: true },
    })
    let text = ''
    let usage: OpenAI.CompletionUsage | undefined | null
    for await (const chunk of stream) {
      text += chunk.choices.map((choice) => choice.text).join('')
      if (chunk.usage) usage = chunk.usage
    }
    expect(text).toBe('count these words')
    expect(usage?.completion_tokens).toBe(countTokens('count these words'))
  })
})

describe('embeddings', () => {
  test('returns deterministic unit vectors of the configured dimension with usage', async () => {
    const first = await embedClient.embeddings.create({ model: 'BAAI/bge-small', input: ['hello', 'world'] })
    const again = await embedClient.embeddings.create({
      model: 'BAAI/bge-small',
      input: 'hello',
      encoding_format: 'float',
    })
    expect(first.data).toHaveLength(2)
    const vector = first.data[0]?.embedding ?? []
    expect(vector).toHaveLength(8)
    expect(Math.hypot(...vector)).toBeCloseTo(1, 5)
    expect(again.data[0]?.embedding).toEqual(vector)
    expect(first.data[1]?.embedding).not.toEqual(vector)
    expect(first.usage.prompt_tokens).toBe(countTokens('hello') + countTokens('world'))
  })

  test('the SDK default base64 encoding decodes to the same vector', async () => {
    const decoded = await embedClient.embeddings.create({ model: 'BAAI/bge-small', input: 'hello' })
    const floats = await embedClient.embeddings.create({
      model: 'BAAI/bge-small',
      input: 'hello',
      encoding_format: 'float',
    })
    const a = decoded.data[0]?.embedding ?? []
    const b = floats.data[0]?.embedding ?? []
    expect(a.length).toBe(8)
    for (const [index, value] of a.entries()) expect(value).toBeCloseTo(b[index] ?? Number.NaN, 6)
  })

  test('a generate model refuses embeddings and a pooling model refuses chat, with 400', async () => {
    const onGenerate = await client.embeddings
      .create({ model: 'sim-model', input: 'x' })
      .catch((caught: unknown) => caught)
    expect(onGenerate).toBeInstanceOf(OpenAI.BadRequestError)
    const onPooling = await embedClient.chat.completions
      .create({ model: 'BAAI/bge-small', messages: [{ role: 'user', content: 'x' }] })
      .catch((caught: unknown) => caught)
    expect(onPooling).toBeInstanceOf(OpenAI.BadRequestError)
    expect((onPooling as Error).message).toContain('does not support Chat Completions API')
  })
})
