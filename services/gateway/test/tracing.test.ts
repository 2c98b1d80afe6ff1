import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { type OtlpSpan, readTraceRequest } from '@infergate/telemetry/otlp-decode'
import { chat, type Stack, startStack } from './stack.ts'

/**
 * A local OTLP/HTTP receiver: what an exporter pointed at Jaeger or a collector would deliver, in either encoding
 * (each span keeps the content type it came in).
 */
const received: (OtlpSpan & { contentType: string })[] = []
const receiver = Bun.serve({
  port: 0,
  hostname: '127.0.0.1',
  async fetch(request) {
    if (new URL(request.url).pathname !== '/v1/traces') return new Response('not found', { status: 404 })
    const contentType = request.headers.get('content-type') ?? ''
    const body = await readTraceRequest(request)
    for (const resource of body.resourceSpans)
      for (const scope of resource.scopeSpans)
        for (const span of scope.spans) received.push({ ...span, contentType })
    return contentType === 'application/json'
      ? Response.json({})
      : new Response(new Uint8Array(0), { headers: { 'content-type': 'application/x-protobuf' } })
  },
})

const attribute = (span: OtlpSpan | undefined, key: string) => {
  const value = span?.attributes.find((item) => item.key === key)?.value
  if (!value) return undefined
  if (value.arrayValue) return value.arrayValue.values.map((item) => item.stringValue)
  return (
    value.stringValue ??
    value.boolValue ??
    value.doubleValue ??
    (value.intValue === undefined ? undefined : Number(value.intValue))
  )
}

let stack: Stack
beforeAll(async () => {
  stack = await startStack([{}], {
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiver.port}`,
    OTEL_TRACES_SAMPLER_ARG: '1',
  })
})
afterAll(async () => {
  await stack.stop()
  await receiver.stop(true)
})

async function spansOf(traceId: string, count: number): Promise<typeof received> {
  const deadline = Date.now() + 5_000
  for (;;) {
    await stack.gateway.deps.tracing?.flush()
    const spans = received.filter((span) => span.traceId === traceId)
    if (spans.length >= count || Date.now() > deadline) return spans
    await Bun.sleep(50)
  }
}

describe('OpenTelemetry traces over OTLP/HTTP', () => {
  test('a streamed chat: GenAI server span, upstream client span, traceparent propagated to vLLM', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736'
    const response = await stack.post(
      '/v1/chat/completions',
      chat('traced [[sim:tokens=4]]', { stream: true, max_tokens: 10, temperature: 0.5 }),
      {
        authorization: 'Bearer sk-test-client-key',
        'content-type': 'application/json',
        traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
      },
    )
    await response.text()
    const spans = await spansOf(traceId, 2)
    const server = spans.find((span) => span.kind === 2)
    const client = spans.find((span) => span.kind === 3)
    expect(server?.name).toBe('chat sim-model')
    // OTLP/HTTP's default encoding, as for any exporter left unconfigured.
    expect(spans.map((span) => span.contentType)).toEqual([
      'application/x-protobuf',
      'application/x-protobuf',
    ])
    expect(server?.parentSpanId).toBe('00f067aa0ba902b7')
    expect(attribute(server, 'gen_ai.operation.name')).toBe('chat')
    expect(attribute(server, 'gen_ai.request.model')).toBe('sim-model')
    expect(attribute(server, 'gen_ai.request.max_tokens')).toBe(10)
    expect(attribute(server, 'gen_ai.request.temperature')).toBe(0.5)
    expect(attribute(server, 'gen_ai.usage.output_tokens')).toBe(4)
    expect(Number(attribute(server, 'gen_ai.usage.input_tokens'))).toBeGreaterThan(0)
    expect(attribute(server, 'gen_ai.response.finish_reasons')).toEqual(['stop'])
    expect(server?.events?.map((event) => event.name)).toContain('gen_ai.first_token')
    expect(client?.parentSpanId).toBe(server?.spanId)
    expect(attribute(client, 'http.response.status_code')).toBe(200)
    const seen = stack.sims[0]?.lastRequest('/v1/chat/completions')
    expect(seen?.headers.traceparent).toBe(`00-${traceId}-${client?.spanId}-01`)
  })

  test('an upstream failure marks both spans as errors, and a new trace starts without a traceparent', async () => {
    const before = received.length
    const response = await stack.post('/v1/chat/completions', chat('boom [[sim:status=500]]'))
    expect(response.status).toBe(502)
    const traceId =
      stack.sims[0]?.lastRequest('/v1/chat/completions')?.headers.traceparent?.slice(3, 35) ?? ''
    expect(traceId).toMatch(/^[0-9a-f]{32}$/)
    const spans = await spansOf(traceId, 2)
    expect(received.length).toBeGreaterThan(before)
    expect(spans.map((span) => span.status?.code)).toEqual([2, 2])
  })

  test('at ratio 0 ordinary requests build no span, while a failed one is kept with the span ids vLLM saw', async () => {
    const sparse = await startStack([{}], {
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiver.port}`,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_TRACES_SAMPLER_ARG: '0',
      TRACE_SLOW_MS: '60000',
    })
    try {
      const okTrace = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab'
      const ok = await sparse.post('/v1/chat/completions', chat('fine [[sim:tokens=2]]'), {
        authorization: 'Bearer sk-test-client-key',
        'content-type': 'application/json',
        traceparent: `00-${okTrace}-00f067aa0ba902b7-01`,
      })
      await ok.text()
      const failed = await sparse.post('/v1/chat/completions', chat('boom [[sim:status=500]]'))
      expect(failed.status).toBe(502)
      const seen = sparse.sims[0]?.lastRequest('/v1/chat/completions')?.headers.traceparent ?? ''
      const [, traceId = '', clientSpanId = '', flags] = seen.split('-')
      expect(flags).toBe('00')
      await sparse.gateway.deps.tracing?.flush()
      const deadline = Date.now() + 5_000
      while (received.filter((span) => span.traceId === traceId).length < 2 && Date.now() < deadline) {
        await sparse.gateway.deps.tracing?.flush()
        await Bun.sleep(50)
      }
      const kept = received.filter((span) => span.traceId === traceId)
      expect(kept.map((span) => span.kind).sort()).toEqual([2, 3])
      expect(kept.map((span) => span.contentType)).toEqual(['application/json', 'application/json'])
      const client = kept.find((span) => span.kind === 3)
      const server = kept.find((span) => span.kind === 2)
      expect(client?.spanId).toBe(clientSpanId)
      expect(client?.parentSpanId).toBe(server?.spanId)
      expect(received.some((span) => span.traceId === okTrace)).toBe(false)
    } finally {
      await sparse.stop()
    }
  })

  test('a slow request is kept even at ratio 0', async () => {
    const slow = await startStack([{}], {
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiver.port}`,
      OTEL_TRACES_SAMPLER_ARG: '0',
      TRACE_SLOW_MS: '50',
    })
    try {
      const traceId = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbc'
      const response = await slow.post(
        '/v1/chat/completions',
        chat('slow [[sim:ttft-ms=120]] [[sim:tokens=1]]'),
        {
          authorization: 'Bearer sk-test-client-key',
          'content-type': 'application/json',
          traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
        },
      )
      await response.text()
      const deadline = Date.now() + 5_000
      while (received.filter((span) => span.traceId === traceId).length < 2 && Date.now() < deadline) {
        await slow.gateway.deps.tracing?.flush()
        await Bun.sleep(50)
      }
      expect(received.filter((span) => span.traceId === traceId).map((span) => span.name)).toContain(
        'chat sim-model',
      )
    } finally {
      await slow.stop()
    }
  })
})
