import { describe, expect, test } from 'bun:test'
import { SpanKind, SpanStatusCode } from '@opentelemetry/api'
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace'
import { startTracing } from './tracing.ts'

const start = (exporter: InMemorySpanExporter) =>
  startTracing({
    serviceName: 'svc',
    serviceVersion: '1.2.3',
    endpoint: 'http://127.0.0.1:1',
    exporter,
  })

describe('Tracing.record', () => {
  test('exports finished spans with their ids, parents, times, events and status', async () => {
    const exporter = new InMemorySpanExporter()
    const tracing = start(exporter)
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736'
    tracing.record([
      {
        traceId,
        spanId: '00000000000000aa',
        parent: { spanId: '00f067aa0ba902b7', isRemote: true, sampled: true },
        name: 'chat m',
        kind: SpanKind.SERVER,
        startMs: 1_700_000_000_123.5,
        endMs: 1_700_000_001_000,
        attributes: { 'gen_ai.request.model': 'm', 'infergate.stream': true },
        events: [{ name: 'gen_ai.first_token', atMs: 1_700_000_000_200, attributes: { ttft: 0.08 } }],
        status: { code: SpanStatusCode.ERROR, message: 'stream ended' },
      },
      {
        traceId,
        spanId: '00000000000000bb',
        parent: { spanId: '00000000000000aa', isRemote: false, sampled: true },
        name: 'POST /v1/chat/completions',
        kind: SpanKind.CLIENT,
        startMs: 1_700_000_000_130,
        endMs: 1_700_000_000_999.75,
        attributes: { 'http.response.status_code': 200 },
      },
    ])
    await tracing.flush()
    const [server, client] = exporter.getFinishedSpans()
    expect(server?.spanContext()).toMatchObject({ traceId, spanId: '00000000000000aa' })
    expect(server?.parentSpanContext).toMatchObject({ spanId: '00f067aa0ba902b7', isRemote: true })
    expect(server?.startTime).toEqual([1_700_000_000, 123_500_000])
    expect(server?.endTime).toEqual([1_700_000_001, 0])
    expect(server?.duration[0]).toBe(0)
    expect(server?.duration[1]).toBe(876_500_000)
    expect(server?.events.map((event) => [event.name, event.time])).toEqual([
      ['gen_ai.first_token', [1_700_000_000, 200_000_000]],
    ])
    expect(server?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'stream ended' })
    expect(server?.resource.attributes['service.name']).toBe('svc')
    expect(server?.instrumentationScope).toMatchObject({ name: 'svc', version: '1.2.3' })
    expect(client?.kind).toBe(SpanKind.CLIENT)
    expect(client?.parentSpanContext).toMatchObject({ spanId: '00000000000000aa', isRemote: false })
    expect(client?.endTime).toEqual([1_700_000_000, 999_750_000])
    expect(client?.status.code).toBe(SpanStatusCode.UNSET)
    await tracing.shutdown()
  })
})
