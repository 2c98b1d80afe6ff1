import { describe, expect, test } from 'bun:test'
import type { ChoicePlan } from './generation-plan.ts'
import { chatResponseShape } from './responses/chat-response.ts'
import { completionResponseShape } from './responses/completion-response.ts'
import { buildFrames, type EndReason, type StreamControl, writeFrames } from './stream-response.ts'

const identity = { id: 'chatcmpl-1', created: 1, model: 'm' }
const choice = (tokens: string[], generated = tokens.length): ChoicePlan => ({
  tokens,
  generated,
  finishReason: 'stop',
  stopReason: null,
})

function collect(frames: ReturnType<typeof buildFrames>, overrides: Partial<StreamControl> = {}) {
  const chunks: string[] = []
  const ends: EndReason[] = []
  const steps: number[] = []
  let closed = false
  let errored = false
  const controller = {
    enqueue: (chunk: Uint8Array) => chunks.push(new TextDecoder().decode(chunk)),
    close: () => {
      closed = true
    },
    error: () => {
      errored = true
    },
  } as unknown as ReadableStreamDefaultController<Uint8Array>
  const control: StreamControl = {
    stepDelays: [],
    admitted: async () => true,
    sleep: async () => false,
    park: async () => {},
    health: () => 'ok',
    onStep: (step) => steps.push(step),
    onEnd: (reason) => ends.push(reason),
    ...overrides,
  }
  return writeFrames(frames, control, controller, () => false).then(() => ({
    text: chunks.join(''),
    chunks,
    ends,
    steps,
    closed,
    errored,
  }))
}

describe('buildFrames', () => {
  test('chat: role chunks first, tokens interleaved by step, usage and [DONE] last', () => {
    const frames = buildFrames({
      shape: chatResponseShape(identity),
      choices: [choice(['a', 'b']), choice(['c'])],
      promptTokens: 3,
      includeUsage: true,
      continuousUsage: false,
    })
    const indexes = frames.slice(0, -2).map((frame) => JSON.parse(frame.text.slice(6)).choices[0].index)
    expect(indexes).toEqual([0, 1, 0, 1, 0])
    expect(frames.map((frame) => frame.step)).toEqual([0, 0, 0, 0, 1, -1, -1])
    expect(frames.at(-2)?.text).toContain(
      '"choices":[],"usage":{"prompt_tokens":3,"total_tokens":6,"completion_tokens":3}',
    )
    expect(frames.at(-1)?.text).toBe('data: [DONE]\n\n')
  })

  test('a choice with no tokens still sends its finish chunk', () => {
    const frames = buildFrames({
      shape: completionResponseShape({ ...identity, id: 'cmpl-1' }),
      choices: [choice([])],
      promptTokens: 1,
      includeUsage: false,
      continuousUsage: false,
    })
    expect(frames).toHaveLength(2)
    expect(frames[0]?.text).toContain('"text":"","logprobs":null,"finish_reason":"stop"')
  })

  test('completions echo streams the prompt before the tokens', () => {
    const frames = buildFrames({
      shape: completionResponseShape(identity),
      choices: [choice(['x'])],
      promptTokens: 1,
      includeUsage: false,
      continuousUsage: false,
      echoPrefixes: ['Prompt: '],
    })
    expect(frames[0]?.text).toContain('"text":"Prompt: "')
    expect(frames[0]?.content).toBe(false)
  })
})

describe('writeFrames', () => {
  const frames = () =>
    buildFrames({
      shape: chatResponseShape(identity),
      choices: [choice(['a', 'b', 'c'])],
      promptTokens: 1,
      includeUsage: false,
      continuousUsage: false,
    })

  test('writes everything and reports each step once, then completes', async () => {
    const result = await collect(frames(), { stepDelays: [5, 1, 1] })
    expect(result.text.endsWith('data: [DONE]\n\n')).toBe(true)
    expect(result.steps).toEqual([0, 1, 2])
    expect(result).toMatchObject({ closed: true, ends: ['complete'] })
  })

  test('an abort while waiting for a slot or during a delay ends as abort without output', async () => {
    expect(await collect(frames(), { admitted: async () => false })).toMatchObject({
      chunks: [],
      ends: ['abort'],
    })
    expect(await collect(frames(), { stepDelays: [5], sleep: async () => true })).toMatchObject({
      chunks: [],
      ends: ['abort'],
    })
  })

  test('die-after errors the stream after K content chunks', async () => {
    const result = await collect(frames(), { dieAfter: 2 })
    expect(result.text.match(/"delta":\{"content"/g)).toHaveLength(2)
    expect(result).toMatchObject({ errored: true, closed: false, ends: ['dropped'] })
  })

  test('die-after beyond the content still never sends [DONE]', async () => {
    const result = await collect(frames(), { dieAfter: 99 })
    expect(result.text).not.toContain('[DONE]')
    expect(result.errored).toBe(true)
  })

  test('hang-after parks after K content chunks', async () => {
    let parked = false
    const result = await collect(frames(), {
      hangAfter: 1,
      park: async () => {
        parked = true
      },
    })
    expect(parked).toBe(true)
    expect(result.text.match(/"delta":\{"content"/g)).toHaveLength(1)
    expect(result.ends).toEqual(['abort'])
  })

  test('a dead engine ends with an in-band error frame and [DONE]; a hung one parks', async () => {
    const dead = await collect(frames(), { health: () => 'dead' })
    expect(dead.text).toBe(
      'data: {"error":{"message":"Engine is dead (simulated).","type":"InternalServerError","param":null,"code":500}}\n\ndata: [DONE]\n\n',
    )
    expect(dead.ends).toEqual(['error'])
    const hung = await collect(frames(), { health: () => 'hung' })
    expect(hung).toMatchObject({ chunks: [], ends: ['abort'] })
  })
})
