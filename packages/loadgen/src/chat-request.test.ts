import { describe, expect, test } from 'bun:test'
import { createChatRequests } from './chat-request.ts'
import { parsePromptMix } from './prompt-mix.ts'

describe('createChatRequests', () => {
  test('builds a streaming chat request that asks for usage and carries the bearer key', () => {
    const make = createChatRequests({
      baseUrl: 'http://127.0.0.1:9/',
      model: 'm',
      stream: true,
      maxTokens: 50,
      mix: parsePromptMix('tiny'),
      apiKey: 'sk-1',
      promptSuffix: '[[sim:tokens=50]]',
      headers: { 'x-extra': '1' },
    })
    const spec = make(3)
    expect(spec.url).toBe('http://127.0.0.1:9/v1/chat/completions')
    expect(spec.stream).toBe(true)
    expect(spec.headers).toEqual({
      'content-type': 'application/json',
      'x-extra': '1',
      authorization: 'Bearer sk-1',
    })
    const body = JSON.parse(spec.body)
    expect(body.model).toBe('m')
    expect(body.max_tokens).toBe(50)
    expect(body.stream_options).toEqual({ include_usage: true })
    expect(body.messages[0].content).toStartWith('request 3:')
    expect(body.messages[0].content).toEndWith(' [[sim:tokens=50]]')
  })

  test('a non-streaming request has no stream_options and no authorization without a key', () => {
    const make = createChatRequests({
      baseUrl: 'http://h',
      model: 'm',
      stream: false,
      maxTokens: 5,
      mix: parsePromptMix('4'),
    })
    const spec = make(0)
    const body = JSON.parse(spec.body)
    expect(body.stream).toBe(false)
    expect(body.stream_options).toBeUndefined()
    expect(spec.headers.authorization).toBeUndefined()
    expect(body.messages[0].content.split(' ').length).toBe(5)
  })
})
