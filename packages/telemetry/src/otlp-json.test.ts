import { describe, expect, test } from 'bun:test'
import type { Attributes } from '@opentelemetry/api'
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer'
import {
  encodeAttributes,
  encodeSpan,
  epochMsToNanos,
  exportRequestFrame,
  type FinishedSpan,
} from './otlp-json.ts'
import { sdkShape, spans } from './span-fixtures.ts'

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
