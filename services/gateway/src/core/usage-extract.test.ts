import { describe, expect, test } from 'bun:test'
import { extractUsage } from './usage-extract.ts'

describe('extractUsage', () => {
  test('reads usage from a chat completion, nested details included', () => {
    const body = JSON.stringify({
      id: 'x',
      choices: [{ message: { content: 'a "usage": {} trap }' } }],
      usage: {
        prompt_tokens: 12,
        total_tokens: 15,
        completion_tokens: 3,
        prompt_tokens_details: { cached_tokens: 2 },
      },
      prompt_logprobs: null,
    })
    expect(extractUsage(body)).toEqual({ prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 })
  })

  test('reads usage after a large embedding array', () => {
    const embedding = Array.from({ length: 5000 }, (_, i) => i / 5000)
    const body = JSON.stringify({ data: [{ embedding }], usage: { prompt_tokens: 5, total_tokens: 5 } })
    expect(extractUsage(body)).toEqual({ prompt_tokens: 5, completion_tokens: 0, total_tokens: 5 })
  })

  test('returns undefined when usage is absent, null or malformed', () => {
    expect(extractUsage('{"choices":[]}')).toBeUndefined()
    expect(extractUsage('{"usage":null}')).toBeUndefined()
    expect(extractUsage('{"usage":null,"x":{"a":1}}')).toBeUndefined()
    expect(extractUsage('{"usage":{"prompt_tokens":1')).toBeUndefined()
    expect(extractUsage('{"usage":{"prompt_tokens":1,}}')).toBeUndefined()
  })
})
