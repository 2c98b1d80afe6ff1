import { describe, expect, test } from 'bun:test'
import { type Attributes, SpanKind, SpanStatusCode } from '@opentelemetry/api'
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer'
import {
  encodeAttributes,
  encodeSpan,
  epochMsToNanos,
  exportRequestFrame,
  type FinishedSpan,
} from './otlp-json.ts'

/** The span as OpenTelemetry's SDK would hand it to its exporter: the oracle for our encoding. */
function sdkShape(
  span: FinishedSpan,
  resource: { attributes: Attributes },
  scope: { name: string; version?: string },
) {
  const hrTime = (epochMs: number): [number, number] => {
    const seconds = Math.floor(epochMs / 1000)
    return [seconds, Math.min(999_999_999, Math.round((epochMs - seconds * 1000) * 1e6))]
  }
  const context = { traceId: span.traceId, spanId: span.spanId, traceFlags: 1 }
  return {
    name: span.name,
    kind: span.kind,
    spanContext: () => context,
    parentSpanContext: span.parent && {
      traceId: span.traceId,
      spanId: span.parent.spanId,
      traceFlags: span.parent.sampled ? 1 : 0,
      isRemote: span.parent.isRemote,
    },
    startTime: hrTime(span.startMs),
    endTime: hrTime(span.endMs),
    duration: hrTime(span.endMs - span.startMs),
    status: span.status ?? { code: 0 },
    attributes: span.attributes,
    links: [],
    events: (span.events ?? []).map((event) => ({
      name: event.name,
      time: hrTime(event.atMs),
      attributes: event.attributes ?? {},
      droppedAttributesCount: 0,
    })),
    ended: true,
    resource,
    instrumentationScope: scope,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  }
}

const traceId = '4bf92f3577b34da6a3ce929d0e0e4736'
const spans: FinishedSpan[] = [
  {
    traceId,
    spanId: '00000000000000aa',
    parent: { spanId: '00f067aa0ba902b7', isRemote: true, sampled: true },
    name: 'chat "quoted" model',
    kind: SpanKind.SERVER,
    startMs: 1_700_000_000_123.5,
    endMs: 1_700_000_001_000,
    attributes: {
      'gen_ai.request.model': 'm\n"x"é',
      'infergate.stream': true,
      'gen_ai.request.temperature': 0.25,
      'gen_ai.usage.input_tokens': 12,
      'gen_ai.response.finish_reasons': ['stop', 'length'],
      'mixed.flags': [true, false],
      numbers: [1, null, 2.5],
    },
    events: [{ name: 'gen_ai.first_token', atMs: 1_700_000_000_200.25, attributes: { ttft: 0.08 } }],
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
    attributes: { 'http.response.status_code': 200, 'server.port': 8000 },
  },
  {
    traceId: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab',
    spanId: '00000000000000cc',
    name: 'embeddings e',
    kind: SpanKind.SERVER,
    startMs: 1_700_000_002_000 + 0.0004,
    endMs: 1_700_000_003_000 - 0.0001,
    attributes: {},
    events: [{ name: 'no attributes', atMs: 1_700_000_002_500 }],
  },
]

describe('OTLP/JSON encoding', () => {
  test('equals what OpenTelemetry JsonTraceSerializer sends for the same spans', () => {
    const resource = { 'service.name': 'svc', 'service.version': '1.2.3' }
    const scope = { name: 'svc', version: '1.2.3' }
    const { head, tail } = exportRequestFrame(resource, scope)
    // The SDK groups spans by resource object: its spans share one.
    const sdkResource = { attributes: resource }
    const ours = JSON.parse(head + spans.map(encodeSpan).join(',') + tail)
    const bytes = JsonTraceSerializer.serializeRequest(
      spans.map((span) => sdkShape(span, sdkResource, scope)) as unknown as Parameters<
        typeof JsonTraceSerializer.serializeRequest
      >[0],
    )
    const theirs = JSON.parse(new TextDecoder().decode(bytes))
    expect(ours).toEqual(theirs)
    // Spot checks, so that a change on both sides cannot pass unnoticed.
    const [server, client, root] = ours.resourceSpans[0].scopeSpans[0].spans
    expect(server.kind).toBe(2)
    expect(server.flags).toBe(0x301)
    expect(client.flags).toBe(0x101)
    expect(root.parentSpanId).toBeUndefined()
    expect(server.startTimeUnixNano).toBe('1700000000123500000')
    expect(server.status).toEqual({ code: 2, message: 'stream ended' })
  })

  test('nanosecond timestamps keep full precision past 2^53 and pad the fraction', () => {
    expect(epochMsToNanos(1_700_000_000_000)).toBe('1700000000000000000')
    // performance.timeOrigin + performance.now() carries about a quarter of a microsecond at today's epoch.
    expect(epochMsToNanos(1_700_000_000_000.25)).toBe('1700000000000250000')
    expect(epochMsToNanos(1_700_000_000_999.999_5)).toBe('1700000000999999512')
    expect(epochMsToNanos(0.5)).toBe('500000')
  })

  test('attributes set to undefined or null are left out; other values keep their OTLP type', () => {
    const attributes = { a: undefined, b: null, c: 1, d: 1.5, e: 'x' } as unknown as Attributes
    expect(JSON.parse(encodeAttributes(attributes))).toEqual([
      { key: 'c', value: { intValue: 1 } },
      { key: 'd', value: { doubleValue: 1.5 } },
      { key: 'e', value: { stringValue: 'x' } },
    ])
  })

  test('ids and names that are not plain hex still make valid JSON', () => {
    const odd = encodeSpan({ ...(spans[1] as FinishedSpan), traceId: 'a"b', name: '\u2028\\' })
    expect(JSON.parse(odd)).toMatchObject({ traceId: 'a"b', name: '\u2028\\' })
  })
})
