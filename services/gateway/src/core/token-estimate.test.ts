import { describe, expect, test } from 'bun:test'
import { estimatePromptTokens, requestedMaxTokens } from './token-estimate.ts'

describe('estimatePromptTokens', () => {
  test('chat: text parts plus a per-message overhead', () => {
    const body = {
      messages: [
        { role: 'system', content: 'abcd' },
        { role: 'user', content: [{ type: 'text', text: 'abcdefgh' }] },
      ],
    }
    expect(estimatePromptTokens(body)).toBe(4 + 1 + 4 + 2)
    expect(estimatePromptTokens(body, 'upper')).toBe(4 + 4 + 4 + 8)
  })

  test('completions: strings are estimated, token ids counted exactly', () => {
    expect(estimatePromptTokens({ prompt: 'abcdefgh' })).toBe(2)
    expect(estimatePromptTokens({ prompt: [1, 2, 3] })).toBe(3)
    expect(estimatePromptTokens({ prompt: [[1, 2], [3]] })).toBe(3)
    expect(estimatePromptTokens({ prompt: ['abcd', 'abcd'] })).toBe(2)
    expect(estimatePromptTokens({ input: 'ab' })).toBe(1)
  })

  test('the upper bound never undercounts multi-byte text', () => {
    expect(estimatePromptTokens({ prompt: 'héllo wörld ✓' }, 'upper')).toBe(
      Buffer.byteLength('héllo wörld ✓'),
    )
  })

  test('odd shapes count as nothing rather than throwing', () => {
    expect(estimatePromptTokens({ messages: [null, { content: 42 }] })).toBe(8)
    expect(estimatePromptTokens({})).toBe(0)
  })
})

describe('requestedMaxTokens', () => {
  test('prefers max_completion_tokens and ignores non-numbers', () => {
    expect(requestedMaxTokens({ max_tokens: 10, max_completion_tokens: 20 })).toBe(20)
    expect(requestedMaxTokens({ max_tokens: 10 })).toBe(10)
    expect(requestedMaxTokens({ max_tokens: null })).toBeUndefined()
  })
})
