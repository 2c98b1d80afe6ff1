import { describe, expect, test } from 'bun:test'
import { upstreamPayload } from './upstream-payload.ts'

const parse = (text: string) => JSON.parse(text) as Record<string, unknown>

describe('upstreamPayload', () => {
  test('an unchanged body goes upstream byte for byte, spacing and number spelling included', () => {
    const raw = '{ "model": "m",\n "messages": [{"role":"user","content":"hi"}], "temperature": 1.0 }'
    const payload = upstreamPayload({ body: parse(raw), raw, rewritten: false, addIncludeUsage: false })
    expect(payload).toBe(raw)
  })

  test('a rewritten body (alias resolved, max_tokens capped) is serialized from the object', () => {
    const raw = '{"model":"fast","max_tokens":500}'
    const body = { model: 'real-model', max_tokens: 20 }
    expect(parse(upstreamPayload({ body, raw, rewritten: true, addIncludeUsage: false }))).toEqual(body)
  })

  test('a stream without stream_options gets include_usage spliced in, everything else untouched', () => {
    const raw = '{"model":"m","stream":true,"top_k":5,"messages":[{"role":"user","content":"a}b{"}]}'
    const body = { ...parse(raw), stream_options: { include_usage: true } }
    const payload = upstreamPayload({ body, raw, rewritten: false, addIncludeUsage: true })
    expect(parse(payload)).toEqual(body)
    expect(payload.endsWith(raw.slice(1))).toBe(true)
  })

  test('stream_options the client sent, even null, or any \\u escape, means serializing', () => {
    const cases = [
      '{"model":"m","stream":true,"stream_options":null}',
      '{"model":"m","stream":true,"stream_options":{"include_usage":false}}',
      '{"model":"m","stream":true,"\\u0073tream_options":null}',
    ]
    for (const raw of cases) {
      const body = { ...parse(raw), stream_options: { include_usage: true } }
      const payload = upstreamPayload({ body, raw, rewritten: false, addIncludeUsage: true })
      expect(payload).toBe(JSON.stringify(body))
      expect(parse(payload).stream_options).toEqual({ include_usage: true })
    }
  })

  test('the name quoted inside a string value is no key: the splice is safe there', () => {
    const raw = '{"model":"m","stream":true,"user":"says \\"stream_options\\""}'
    const body = { ...parse(raw), stream_options: { include_usage: true } }
    const payload = upstreamPayload({ body, raw, rewritten: false, addIncludeUsage: true })
    expect(parse(payload)).toEqual(body)
  })

  test('without the client text the body is serialized', () => {
    const body = { model: 'm', prompt: 'p' }
    expect(upstreamPayload({ body, raw: undefined, rewritten: false, addIncludeUsage: false })).toBe(
      JSON.stringify(body),
    )
  })
})
