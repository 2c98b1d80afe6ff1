/**
 * @module OTLP/JSON encoding of finished spans, written straight to text. OpenTelemetry's JSON serializer needs its
 * SDK's span objects and first builds an object per span, attribute and value (times through BigInt) before
 * stringifying the batch; our spans are plain records built when a request ends, and go to text in one pass.
 * The output equals OpenTelemetry's JsonTraceSerializer field for field (otlp-json.test.ts checks it against it).
 */
import type { Attributes, AttributeValue, SpanKind, SpanStatus } from '@opentelemetry/api'

/**
 * A span recorded after the fact, with every id, time and attribute already decided: a request's spans built when it
 * ends, once it is known to be kept. Times are epoch milliseconds; ids are lowercase hex (32 and 16 digits).
 */
export interface FinishedSpan {
  traceId: string
  spanId: string
  /** The parent span; `isRemote` when it lives in another process (the client's traceparent). */
  parent?: { spanId: string; isRemote: boolean; sampled: boolean }
  name: string
  kind: SpanKind
  startMs: number
  endMs: number
  attributes: Attributes
  events?: { name: string; atMs: number; attributes?: Attributes }[]
  status?: SpanStatus
}

export interface OtlpScope {
  name: string
  version?: string
}

// W3C trace flags (sampled) plus OTLP's "has is_remote" bit, and the is_remote bit when the parent is remote.
const FLAGS_SAMPLED_HAS_IS_REMOTE = 0x101
const FLAG_IS_REMOTE = 0x200

/** Epoch milliseconds as OTLP's decimal nanoseconds, split at the second: nanoseconds since 1970 exceed 2^53. */
export function epochMsToNanos(epochMs: number): string {
  const seconds = Math.floor(epochMs / 1000)
  const nanos = Math.min(999_999_999, Math.round((epochMs - seconds * 1000) * 1e6))
  return seconds === 0 ? String(nanos) : `${seconds}${String(nanos).padStart(9, '0')}`
}

function anyValue(value: AttributeValue | null | undefined): string {
  switch (typeof value) {
    case 'string':
      return `{"stringValue":${JSON.stringify(value)}}`
    case 'number':
      return Number.isInteger(value) ? `{"intValue":${value}}` : `{"doubleValue":${JSON.stringify(value)}}`
    case 'boolean':
      return `{"boolValue":${value}}`
  }
  if (Array.isArray(value)) {
    let values = ''
    for (const item of value) values += (values === '' ? '' : ',') + anyValue(item)
    return `{"arrayValue":{"values":[${values}]}}`
  }
  // The API's AnyValue also takes byte arrays (base64 in OTLP/JSON) and maps, as the SDK sends them.
  if (value instanceof Uint8Array) return `{"bytesValue":"${Buffer.from(value).toString('base64')}"}`
  if (typeof value === 'object' && value !== null) {
    const map = value as Record<string, AttributeValue | null | undefined>
    let values = ''
    for (const key of Object.keys(map))
      values += `${values === '' ? '' : ','}{"key":${JSON.stringify(key)},"value":${anyValue(map[key])}}`
    return `{"kvlistValue":{"values":[${values}]}}`
  }
  return '{}'
}

/** Attributes as OTLP key/value pairs; an attribute set to undefined or null is left out, as the SDK's spans do. */
export function encodeAttributes(attributes: Attributes): string {
  let json = ''
  for (const key in attributes) {
    const value = attributes[key]
    if (value === undefined || value === null) continue
    json += `${json === '' ? '' : ','}{"key":${JSON.stringify(key)},"value":${anyValue(value)}}`
  }
  return `[${json}]`
}

/** One span as an OTLP/JSON object (the text of one element of `scopeSpans[].spans`). */
export function encodeSpan(span: FinishedSpan): string {
  let events = ''
  for (const event of span.events ?? []) {
    events += `${events === '' ? '' : ','}{"attributes":${encodeAttributes(event.attributes ?? {})},"name":${JSON.stringify(event.name)},"timeUnixNano":"${epochMsToNanos(event.atMs)}","droppedAttributesCount":0}`
  }
  const status: SpanStatus = span.status ?? { code: 0 }
  const flags = FLAGS_SAMPLED_HAS_IS_REMOTE | (span.parent?.isRemote ? FLAG_IS_REMOTE : 0)
  return (
    `{"traceId":${JSON.stringify(span.traceId)},"spanId":${JSON.stringify(span.spanId)}` +
    (span.parent ? `,"parentSpanId":${JSON.stringify(span.parent.spanId)}` : '') +
    `,"name":${JSON.stringify(span.name)},"kind":${span.kind + 1}` +
    `,"startTimeUnixNano":"${epochMsToNanos(span.startMs)}","endTimeUnixNano":"${epochMsToNanos(span.endMs)}"` +
    `,"attributes":${encodeAttributes(span.attributes)},"droppedAttributesCount":0` +
    `,"events":[${events}],"droppedEventsCount":0` +
    `,"status":{"code":${status.code}${status.message === undefined ? '' : `,"message":${JSON.stringify(status.message)}`}}` +
    `,"links":[],"droppedLinksCount":0,"flags":${flags}}`
  )
}

/**
 * The export request around encoded spans, all from one resource and scope: returns the text before and after the
 * comma-separated spans, so a batch is `head + spans.join(',') + tail`.
 */
export function exportRequestFrame(resource: Attributes, scope: OtlpScope): { head: string; tail: string } {
  return {
    head:
      `{"resourceSpans":[{"resource":{"attributes":${encodeAttributes(resource)},"droppedAttributesCount":0}` +
      `,"scopeSpans":[{"scope":${JSON.stringify({ name: scope.name, version: scope.version })},"spans":[`,
    tail: ']}]}]}',
  }
}
