/**
 * @module Test fixtures shared by the OTLP encoders' tests: spans that exercise every field and value type, and the
 * same spans in the shape OpenTelemetry's SDK hands its serializers (the oracle both encoders are checked against).
 */
import { type Attributes, SpanKind, SpanStatusCode } from '@opentelemetry/api'
import type { FinishedSpan } from './otlp-json.ts'

/** The span as OpenTelemetry's SDK would hand it to its exporter: the oracle for our encoding. */
export function sdkShape(
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

export const traceId = '4bf92f3577b34da6a3ce929d0e0e4736'
export const spans: FinishedSpan[] = [
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
      digest: new Uint8Array([0, 1, 255]),
      map: { k: 'v', n: 2, nested: { deep: [true] } },
    } as Attributes,
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
