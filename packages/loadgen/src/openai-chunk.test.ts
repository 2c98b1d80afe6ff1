import { describe, expect, test } from 'bun:test'
import { readChunk } from './openai-chunk.ts'

const chat = (delta: object, extra: object = {}) =>
  JSON.stringify({
    object: 'chat.completion.chunk',
    choices: [{ index: 0, delta, finish_reason: null }],
    ...extra,
  })

describe('readChunk', () => {
  test('[DONE] ends the stream, with or without surrounding spaces', () => {
    expect(readChunk('[DONE]')).toEqual({ kind: 'done' })
    expect(readChunk(' [DONE] ')).toEqual({ kind: 'done' })
  })

  test('the role chunk with empty content is not a token', () => {
    expect(readChunk(chat({ role: 'assistant', content: '' }))).toEqual({ kind: 'chunk', content: false })
  })

  test('chat content, reasoning, tool calls and completion text count as output', () => {
    expect(readChunk(chat({ content: 'Hel' }))).toEqual({ kind: 'chunk', content: true })
    expect(readChunk(chat({ reasoning_content: 'hmm' }))).toEqual({ kind: 'chunk', content: true })
    expect(readChunk(chat({ tool_calls: [{ index: 0 }] }))).toEqual({ kind: 'chunk', content: true })
    expect(readChunk(JSON.stringify({ choices: [{ text: 'x' }], usage: null }))).toEqual({
      kind: 'chunk',
      content: true,
    })
  })

  test('the usage chunk reports completion tokens and is not content', () => {
    const payload = JSON.stringify({
      choices: [],
      usage: { prompt_tokens: 3, completion_tokens: 7, total_tokens: 10 },
    })
    expect(readChunk(payload)).toEqual({ kind: 'chunk', content: false, completionTokens: 7 })
  })

  test('an in-band error frame is an error with its message', () => {
    expect(readChunk(JSON.stringify({ error: { message: 'engine died', code: 500 } }))).toEqual({
      kind: 'error',
      message: 'engine died',
    })
    expect(readChunk(JSON.stringify({ error: 'plain' }))).toEqual({ kind: 'error', message: 'plain' })
    expect(readChunk(JSON.stringify({ error: {} }))).toEqual({ kind: 'error', message: 'error' })
  })

  test('malformed JSON and non-objects are invalid', () => {
    expect(readChunk('{"choices":')).toEqual({ kind: 'invalid' })
    expect(readChunk('null')).toEqual({ kind: 'invalid' })
    expect(readChunk('42')).toEqual({ kind: 'invalid' })
  })
})
