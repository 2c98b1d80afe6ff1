import { describe, expect, test } from 'bun:test'
import {
  countChatTokens,
  encodeChat,
  GENERATION_PROMPT_TOKENS,
  MESSAGE_OVERHEAD_TOKENS,
} from './chat-template.ts'
import { countTokens, decode } from './tokenizer.ts'

const messages = [
  { role: 'system', text: 'Be brief.' },
  { role: 'user', text: 'Hello there  ' },
  { role: 'assistant', text: '' },
  { role: 'developer', text: 'x' },
]

describe('chat template', () => {
  test('each message costs its content plus a fixed overhead, plus the generation prompt', () => {
    const content = messages.reduce((sum, message) => sum + countTokens(message.text), 0)
    expect(countChatTokens(messages)).toBe(
      content + messages.length * MESSAGE_OVERHEAD_TOKENS + GENERATION_PROMPT_TOKENS,
    )
    expect(countChatTokens(messages, false)).toBe(content + messages.length * MESSAGE_OVERHEAD_TOKENS)
  })

  test('the rendered ids have exactly that many tokens and decode to the template', () => {
    const ids = encodeChat(messages)
    expect(ids).toHaveLength(countChatTokens(messages))
    expect(decode(ids)).toBe(
      '<|system|>Be brief.<|end|><|user|>Hello there  <|end|><|assistant|><|end|><|developer|>x<|end|><|assistant|>',
    )
  })

  test('tool and function roles share the tool token; unknown roles render as user', () => {
    expect(decode(encodeChat([{ role: 'function', text: 'r' }], false))).toBe('<|tool|>r<|end|>')
    expect(decode(encodeChat([{ role: 'other', text: 'r' }], false))).toBe('<|user|>r<|end|>')
  })
})
