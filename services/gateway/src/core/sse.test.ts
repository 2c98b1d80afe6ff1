import { describe, expect, test } from 'bun:test'
import { eventData, inspectEvent, isPlainContentEvent, readUsage, SseEventSplitter } from './sse.ts'

const enc = new TextEncoder()
const dec = new TextDecoder()
const texts = (events: Uint8Array[]) => events.map((event) => dec.decode(event))

/** Feeds one chunk and takes every complete event it finished. */
const push = (splitter: SseEventSplitter, chunk: Uint8Array) => {
  splitter.feed(chunk)
  const events: Uint8Array[] = []
  for (let event = splitter.next(); event !== undefined; event = splitter.next()) events.push(event)
  return events
}

describe('SseEventSplitter', () => {
  test('yields whole events with their terminators and keeps partial ones', () => {
    const splitter = new SseEventSplitter()
    expect(texts(push(splitter, enc.encode('data: a\n\ndata: b\n')))).toEqual(['data: a\n\n'])
    expect(texts(push(splitter, enc.encode('\ndata: c')))).toEqual(['data: b\n\n'])
    expect(dec.decode(splitter.rest())).toBe('data: c')
    expect(texts(push(splitter, enc.encode('\r\n\r\n')))).toEqual(['data: c\r\n\r\n'])
    expect(splitter.rest()).toBeUndefined()
  })

  test('reassembles events split at every possible byte boundary', () => {
    const stream = 'data: {"x":1}\n\ndata: {"y":2}\r\n\r\ndata: [DONE]\n\n'
    for (let cut = 1; cut < stream.length; cut++) {
      const splitter = new SseEventSplitter()
      const bytes = enc.encode(stream)
      const events = [...push(splitter, bytes.subarray(0, cut)), ...push(splitter, bytes.subarray(cut))]
      expect(texts(events)).toEqual(['data: {"x":1}\n\n', 'data: {"y":2}\r\n\r\n', 'data: [DONE]\n\n'])
    }
  })

  test('a chunk that is exactly one event comes back as the chunk itself, not a copy or a view', () => {
    const splitter = new SseEventSplitter()
    const chunk = enc.encode('data: {"x":1}\n\n')
    expect(push(splitter, chunk)[0]).toBe(chunk)
    const two = enc.encode('data: a\n\ndata: b\n\n')
    const [first, second] = push(splitter, two)
    expect(first?.buffer).toBe(two.buffer)
    expect(second?.byteOffset).toBe(9)
  })

  test('a lone newline, or a newline and CR at the end of a chunk, is not yet a boundary', () => {
    const splitter = new SseEventSplitter()
    expect(push(splitter, enc.encode('data: a\ndata: b\n\r'))).toEqual([])
    expect(texts(push(splitter, enc.encode('\n')))).toEqual(['data: a\ndata: b\n\r\n'])
  })
})

describe('eventData', () => {
  test('joins multi-line data and ignores other fields', () => {
    expect(eventData('event: x\ndata: a\ndata:b\n\n')).toBe('a\nb')
    expect(eventData(': comment\n\n')).toBeUndefined()
  })

  test('a single data line, with LF or CRLF, with or without the space, empty, or holding a lone CR', () => {
    expect(eventData('data: {"a":1}\n\n')).toBe('{"a":1}')
    expect(eventData('data: [DONE]\r\n\r\n')).toBe('[DONE]')
    expect(eventData('data:x\n\n')).toBe('x')
    expect(eventData('data:\n\n')).toBe('')
    expect(eventData('data:\r\n\r\n')).toBe('')
    expect(eventData('data: \n\n')).toBe('')
    expect(eventData('data: a\rb\n\n')).toBe('a\rb')
    expect(eventData('data: a\n\r')).toBe('a')
    expect(eventData('data: a\nid: 7\n\n')).toBe('a')
  })
})

const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
  `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', choices, ...extra })}\n\n`

describe('inspectEvent', () => {
  test('the role chunk has no content; a content delta has', () => {
    const role = inspectEvent(chunk([{ index: 0, delta: { role: 'assistant', content: '' } }]), false)
    expect(role).toMatchObject({ kind: 'chunk', hasContent: false })
    const content = inspectEvent(chunk([{ index: 0, delta: { content: 'Hi' }, finish_reason: null }]), false)
    expect(content).toMatchObject({ kind: 'chunk', hasContent: true, finishReasons: [] })
  })

  test('recognises completions text, reasoning and tool calls as content', () => {
    expect(inspectEvent(chunk([{ index: 0, text: 'x' }]), false)).toMatchObject({ hasContent: true })
    expect(inspectEvent(chunk([{ delta: { reasoning_content: 'r' } }]), false)).toMatchObject({
      hasContent: true,
    })
    expect(inspectEvent(chunk([{ delta: { tool_calls: [{ index: 0 }] } }]), false)).toMatchObject({
      hasContent: true,
    })
  })

  test('reads finish reasons and the usage-only chunk', () => {
    const final = inspectEvent(chunk([{ index: 0, delta: { content: '' }, finish_reason: 'length' }]), true)
    expect(final).toMatchObject({ kind: 'chunk', finishReasons: ['length'], usageOnly: false })
    const usage = inspectEvent(
      chunk([], { usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } }),
      true,
    )
    expect(usage).toMatchObject({
      kind: 'chunk',
      usageOnly: true,
      usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
    })
    const nullUsage = inspectEvent(chunk([{ index: 0, text: 'a' }], { usage: null }), false)
    expect(nullUsage).toMatchObject({ usageOnly: false, usage: undefined })
  })

  test('after the first token, plain content chunks are classified without parsing', () => {
    const notJson = 'data: {"choices":[{"delta":{"content":"x"},"finish_reason":null}] BROKEN\n\n'
    expect(inspectEvent(notJson, true)).toMatchObject({ kind: 'chunk', hasContent: true })
    expect(inspectEvent(notJson, false)).toEqual({ kind: 'other' })
  })

  test('recognises [DONE], in-band errors and non-data events', () => {
    expect(inspectEvent('data: [DONE]\n\n', true)).toEqual({ kind: 'done' })
    expect(inspectEvent('data: {"error":{"message":"boom","code":500}}\n\n', true)).toEqual({
      kind: 'error',
      message: 'boom',
    })
    expect(inspectEvent(': ping\n\n', true)).toEqual({ kind: 'other' })
    expect(inspectEvent('data: 42\n\n', false)).toEqual({ kind: 'other' })
  })
})

describe('readUsage', () => {
  test('fills a missing total and rejects non-objects', () => {
    expect(readUsage({ prompt_tokens: 2, completion_tokens: 3 })).toEqual({
      prompt_tokens: 2,
      completion_tokens: 3,
      total_tokens: 5,
    })
    expect(readUsage(null)).toBeUndefined()
    expect(readUsage('x')).toBeUndefined()
  })
})

describe('isPlainContentEvent', () => {
  const bytes = (text: string) => new TextEncoder().encode(text)
  test('a content delta is plain; events that carry usage, a finish reason, an error or [DONE] are not', () => {
    expect(
      isPlainContentEvent(bytes('data: {"choices":[{"delta":{"content":"x"},"finish_reason":null}]}\n\n')),
    ).toBe(true)
    expect(
      isPlainContentEvent(bytes('data: {"choices":[{"delta":{"content":""},"finish_reason":"stop"}]}\n\n')),
    ).toBe(false)
    expect(isPlainContentEvent(bytes('data: {"choices":[],"usage":{"prompt_tokens":1}}\n\n'))).toBe(false)
    expect(isPlainContentEvent(bytes('data: {"error":{"message":"x"}}\n\n'))).toBe(false)
    expect(isPlainContentEvent(bytes('data: [DONE]\n\n'))).toBe(false)
    expect(isPlainContentEvent(bytes(': keep-alive\n\n'))).toBe(false)
  })

  test('data without a space, a payload opening with a bracket, and a marker past the start', () => {
    expect(isPlainContentEvent(bytes('data:{"choices":[{"text":"a"}]}\n\n'))).toBe(true)
    expect(isPlainContentEvent(bytes('data:[DONE]\n\n'))).toBe(false)
    expect(isPlainContentEvent(bytes('data: [1]\n\n'))).toBe(false)
    expect(isPlainContentEvent(bytes('dat\n\n'))).toBe(false)
    expect(isPlainContentEvent(bytes('data: {"choices":[{"text":"[DONE]"}]}\n\n'))).toBe(true)
    expect(isPlainContentEvent(bytes('data: {"x":1,"usage":{"prompt_tokens":1}}\n\n'))).toBe(false)
  })

  test('works on a view into a larger buffer', () => {
    const whole = bytes('xxxxdata: {"choices":[{"text":"a"}]}\n\nyyyy')
    expect(isPlainContentEvent(whole.subarray(4, whole.length - 4))).toBe(true)
  })
})
