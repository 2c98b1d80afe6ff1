import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { CLIENT_KEY, chat, type Stack, startStack } from './stack.ts'

let stack: Stack

beforeAll(async () => {
  stack = await startStack([{ maxModelLen: 64 }], { MAX_BODY_BYTES: '4096' })
})
afterAll(() => stack.stop())

const JSON_HEADERS = { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' }

async function expectError(response: Response, status: number, code: string, param?: string | null) {
  expect(response.status).toBe(status)
  const body = (await response.json()) as { error: Record<string, unknown> }
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type'])
  expect(body.error.code).toBe(code)
  expect(typeof body.error.message).toBe('string')
  expect(String(body.error.message)).not.toMatch(/\n\s+at /)
  if (param !== undefined) expect(body.error.param).toBe(param)
  return body.error
}

describe('every error is OpenAI-shaped with the right status', () => {
  test('401 without a key, with a wrong key; X-API-Key accepted', async () => {
    await expectError(
      await stack.post('/v1/chat/completions', chat('x'), { 'content-type': 'application/json' }),
      401,
      'invalid_api_key',
    )
    await expectError(
      await stack.post('/v1/chat/completions', chat('x'), {
        authorization: 'Bearer sk-wrong',
        'content-type': 'application/json',
      }),
      401,
      'invalid_api_key',
    )
    const ok = await stack.post('/v1/chat/completions', chat('x [[sim:tokens=1]]'), {
      'x-api-key': CLIENT_KEY,
      'content-type': 'application/json',
    })
    expect(ok.status).toBe(200)
    await expectError(await fetch(`${stack.url}/v1/models`), 401, 'invalid_api_key')
  })

  test('400 for malformed JSON, wrong types, empty messages and bad ranges', async () => {
    await expectError(await stack.post('/v1/chat/completions', '{"model": "sim-model",'), 400, 'invalid_json')
    await expectError(
      await stack.post('/v1/chat/completions', { model: 42, messages: [] }),
      400,
      'invalid_request',
      'model',
    )
    await expectError(
      await stack.post('/v1/chat/completions', chat('x', { messages: [] })),
      400,
      'invalid_request',
      'messages',
    )
    await expectError(
      await stack.post('/v1/chat/completions', { model: 'sim-model' }),
      400,
      'invalid_request',
      'messages',
    )
    const range = await expectError(
      await stack.post('/v1/chat/completions', chat('x', { max_tokens: 0 })),
      400,
      'invalid_request',
      'max_tokens',
    )
    expect(range.message).toContain('positive integer')
    // As OpenAI does: a number in a string or a fraction is not an integer (no silent coercion).
    for (const max_tokens of ['16', 1.5])
      await expectError(
        await stack.post('/v1/chat/completions', chat('x', { max_tokens })),
        400,
        'invalid_request',
        'max_tokens',
      )
    await expectError(
      await stack.post('/v1/chat/completions', chat('x', { temperature: 'hot' })),
      400,
      'invalid_request',
      'temperature',
    )
    await expectError(
      await stack.post('/v1/chat/completions', chat('x', { stream: 'yes' })),
      400,
      'invalid_request',
      'stream',
    )
    await expectError(await stack.post('/v1/chat/completions', '[1,2]'), 400, 'invalid_request')
    await expectError(await stack.post('/v1/chat/completions', ''), 400, 'invalid_json')
    await expectError(
      await stack.post('/v1/embeddings', { model: 'sim-model' }),
      400,
      'invalid_request',
      'input',
    )
  })

  test('invalid UTF-8 in a body does not crash the gateway', async () => {
    const prefix = new TextEncoder().encode('{"model":"sim-model","messages":[{"role":"user","content":"')
    const suffix = new TextEncoder().encode('[[sim:tokens=1]]"}]}')
    const body = new Uint8Array([...prefix, 0xff, 0xfe, 0xc3, ...suffix])
    const response = await fetch(`${stack.url}/v1/chat/completions`, {
      method: 'POST',
      body,
      headers: JSON_HEADERS,
    })
    expect([200, 400]).toContain(response.status)
    await response.text()
    expect((await fetch(`${stack.url}/health`)).status).toBe(200)
  })

  test('413 for a body over MAX_BODY_BYTES, declared or chunked', async () => {
    await expectError(
      await stack.post('/v1/chat/completions', chat('x'.repeat(10_000))),
      413,
      'payload_too_large',
    )
    await expectError(
      await stack.post('/v1/chat/completions', chat('x'.repeat(1_000_000))),
      413,
      'payload_too_large',
    )
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 10; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(1000)))
        controller.close()
      },
    })
    const response = await fetch(`${stack.url}/v1/chat/completions`, {
      method: 'POST',
      body: chunked,
      headers: JSON_HEADERS,
      duplex: 'half',
    } as RequestInit)
    await expectError(response, 413, 'payload_too_large')
    const small = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(JSON.stringify(chat('chunked [[sim:tokens=1]]'))))
        controller.close()
      },
    })
    const ok = await fetch(`${stack.url}/v1/chat/completions`, {
      method: 'POST',
      body: small,
      headers: JSON_HEADERS,
      duplex: 'half',
    } as RequestInit)
    expect(ok.status).toBe(200)
  })

  test('404 for an unknown model and an unknown route; 405 for a wrong method', async () => {
    await expectError(
      await stack.post('/v1/chat/completions', chat('x', { model: 'nope' })),
      404,
      'model_not_found',
      'model',
    )
    await expectError(await stack.post('/v1/nothing-here', {}), 404, 'not_found')
    await expectError(
      await fetch(`${stack.url}/v1/chat/completions`, { headers: JSON_HEADERS }),
      405,
      'method_not_allowed',
    )
    await expectError(
      await fetch(`${stack.url}/v1/models/nope`, { headers: JSON_HEADERS }),
      404,
      'model_not_found',
    )
  })

  test("vLLM's own 400 (prompt over max-model-len) reaches the client in OpenAI's shape", async () => {
    const error = await expectError(
      await stack.post('/v1/chat/completions', chat('word '.repeat(200))),
      400,
      'invalid_request',
    )
    expect(error.message).toContain('maximum context length')
  })

  test('an injected upstream 500 becomes a 502; the upstream body shape never leaks', async () => {
    await expectError(
      await stack.post('/v1/chat/completions', chat('fail [[sim:status=500]]')),
      502,
      'upstream_error',
    )
  })
})
