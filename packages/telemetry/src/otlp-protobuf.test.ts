import { describe, expect, test } from 'bun:test'
import { type Attributes, SpanKind, SpanStatusCode } from '@opentelemetry/api'
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer'
import { countTraceSpans, decodeTraceRequest } from './otlp-decode.ts'
import { encodeSpan, exportRequestFrame, type FinishedSpan } from './otlp-json.ts'
import { createEncodedSpanStore } from './otlp-protobuf.ts'
import { sdkShape, spans } from './span-fixtures.ts'

/** The export request for `spans` in one step, through the store the exporter uses. */
function createProtobufEncoder(resource: Attributes, scope: { name: string; version?: string }) {
  const store = createEncodedSpanStore(resource, scope)
  return (spans: readonly FinishedSpan[]): Uint8Array => {
    store.push(spans)
    return store.take(1).request
  }
}

const resource = { 'service.name': 'svc', 'service.version': '1.2.3' }
const scope = { name: 'svc', version: '1.2.3' }

/** Spans whose lengths and values reach the encoder's less common paths. */
const edgeSpans: FinishedSpan[] = [
  {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    name: `long ${'x'.repeat(300)}`,
    kind: SpanKind.INTERNAL,
    startMs: 1_700_000_000_000,
    endMs: 1_700_000_000_000.001,
    attributes: {
      negative: -5,
      'large.int': 2 ** 40,
      'min.safe': Number.MIN_SAFE_INTEGER,
      'not.finite': Number.POSITIVE_INFINITY,
      // Two-byte and three-byte length prefixes, with characters that take 2, 3 and 4 bytes in UTF-8.
      'text.accented': 'é'.repeat(100),
      'text.long': `日本語🙂${'y'.repeat(20_000)}`,
      empty: '',
      'empty.list': [],
    },
    status: { code: SpanStatusCode.ERROR, message: 'échec' },
  },
  {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203332',
    parent: { spanId: 'b7ad6b7169203331', isRemote: false, sampled: true },
    name: '',
    kind: SpanKind.CONSUMER,
    startMs: 1_700_000_000_000,
    endMs: 1_700_000_000_000,
    attributes: {},
    status: { code: SpanStatusCode.OK },
  },
]

const sdkBytes = (batch: readonly FinishedSpan[]) => {
  // The SDK groups spans by resource object: its spans share one.
  const sdkResource = { attributes: resource }
  return ProtobufTraceSerializer.serializeRequest(
    batch.map((span) => sdkShape(span, sdkResource, scope)) as unknown as Parameters<
      typeof ProtobufTraceSerializer.serializeRequest
    >[0],
  ) as Uint8Array
}

describe('OTLP/protobuf encoding', () => {
  test('is byte for byte what OpenTelemetry ProtobufTraceSerializer sends for the same spans', () => {
    const encode = createProtobufEncoder(resource, scope)
    for (const batch of [spans, edgeSpans, [...spans, ...edgeSpans]]) {
      expect(Buffer.from(encode(batch)).equals(Buffer.from(sdkBytes(batch)))).toBe(true)
    }
  })

  test('a batch large enough for multi-byte outer lengths still matches, and reads back span for span', () => {
    const batch = Array.from({ length: 600 }, (_, index) => ({
      ...(spans[index % spans.length] as FinishedSpan),
      spanId: index.toString(16).padStart(16, '0'),
    }))
    const bytes = createProtobufEncoder(resource, scope)(batch)
    expect(bytes.length).toBeGreaterThan(2 ** 14)
    expect(Buffer.from(bytes).equals(Buffer.from(sdkBytes(batch)))).toBe(true)
    expect(decodeTraceRequest(bytes).resourceSpans).toHaveLength(1)
  })

  test('reads back as the same OTLP object as the JSON encoding of the same spans', () => {
    const batch = [...spans, ...edgeSpans]
    const { head, tail } = exportRequestFrame(resource, scope)
    const json = JSON.parse(head + batch.map(encodeSpan).join(',') + tail)
    // JSON has no infinity: its encoding of one is null; protobuf keeps the double.
    const fromProtobuf = decodeTraceRequest(createProtobufEncoder(resource, scope)(batch))
    const infinite = fromProtobuf.resourceSpans[0]?.scopeSpans[0]?.spans[3]?.attributes.find(
      (attribute) => attribute.key === 'not.finite',
    )
    expect(infinite?.value).toEqual({ doubleValue: Number.POSITIVE_INFINITY })
    if (infinite) infinite.value = { doubleValue: null as unknown as number }
    expect(fromProtobuf).toEqual(json)
  })

  test('each call returns its own bytes: a request still being sent is not overwritten by the next batch', () => {
    const encode = createProtobufEncoder(resource, scope)
    const first = encode(spans)
    const copy = Buffer.from(first)
    const second = encode([spans[2] as FinishedSpan])
    expect(second.length).toBeLessThan(first.length)
    expect(Buffer.from(first).equals(copy)).toBe(true)
  })

  test('ids that are not hex are sent as their text rather than garbled', () => {
    const odd = { ...(spans[1] as FinishedSpan), traceId: 'not-hex', spanId: 'abc' }
    const decoded = decodeTraceRequest(createProtobufEncoder(resource, scope)([odd]))
    const span = decoded.resourceSpans[0]?.scopeSpans[0]?.spans[0]
    expect(Buffer.from(span?.traceId ?? '', 'hex').toString()).toBe('not-hex')
    expect(Buffer.from(span?.spanId ?? '', 'hex').toString()).toBe('abc')
    // Even lengths with one bad digit, high or low, or past ASCII.
    for (const id of ['abcdef0x', 'x0abcdef', 'abcdefé0']) {
      const bad = { ...(spans[1] as FinishedSpan), spanId: id }
      const read = decodeTraceRequest(createProtobufEncoder(resource, scope)([bad]))
      expect(
        Buffer.from(read.resourceSpans[0]?.scopeSpans[0]?.spans[0]?.spanId ?? '', 'hex').toString(),
      ).toBe(id)
    }
  })

  test('byte arrays and maps, AnyValue types of the API, are sent as bytes_value and kvlist_value as the SDK sends them', () => {
    const span: FinishedSpan = {
      ...(spans[1] as FinishedSpan),
      attributes: {
        digest: new Uint8Array([0, 1, 255]),
        request: { model: 'm', tokens: 12, nested: { ok: true, none: null }, tags: ['a'] },
        list: [new Uint8Array([9]), { k: 'v' }],
      },
    }
    const bytes = createProtobufEncoder(resource, scope)([span])
    expect(Buffer.from(bytes).equals(Buffer.from(sdkBytes([span])))).toBe(true)
    const attributes = decodeTraceRequest(bytes).resourceSpans[0]?.scopeSpans[0]?.spans[0]?.attributes
    expect(attributes?.[0]).toEqual({ key: 'digest', value: { bytesValue: 'AAH/' } })
    expect(attributes?.[1]?.value.kvlistValue?.values.map((pair) => pair.key)).toEqual([
      'model',
      'tokens',
      'nested',
      'tags',
    ])
  })

  test('edge values match the SDK: varint and length boundaries, int64 limits, non-finite doubles, UTF-8 edges', () => {
    const strings = [127, 128, 16_383, 16_384, 2 ** 21].map((length) => 'a'.repeat(length))
    const span: FinishedSpan = {
      ...(spans[1] as FinishedSpan),
      name: 'é'.repeat(200),
      attributes: {
        ...Object.fromEntries(strings.map((text, index) => [`ascii.${index}`, text])),
        'ascii.then.accent': `${'a'.repeat(100)}é`,
        'lone.surrogate': `${'a'.repeat(10)}\ud800`,
        'non.bmp': '🙂'.repeat(50),
        ints: [-1, 2 ** 32 - 1, 2 ** 32, 2 ** 53, -(2 ** 53), -(2 ** 63), 2 ** 62, 127, 128],
        doubles: [Number.NaN, Number.NEGATIVE_INFINITY, -0.5, 2 ** 63, 5e-324],
        'negative.zero': -0,
        nulls: [null, undefined] as unknown as string[],
      },
    }
    expect(
      Buffer.from(createProtobufEncoder(resource, scope)([span])).equals(Buffer.from(sdkBytes([span]))),
    ).toBe(true)
  })
})

describe('OTLP/protobuf test decoder', () => {
  test('a field cut short is an error, not the end of the message', () => {
    // Field 2 as fixed64 (an unknown field, skipped) with 3 of its 8 bytes.
    expect(() => decodeTraceRequest(Uint8Array.of(0x11, 1, 2, 3))).toThrow('truncated')
    expect(() => decodeTraceRequest(Uint8Array.of(0x15, 1))).toThrow('truncated')
  })
})

describe('encoded span store (the export queue store for protobuf)', () => {
  test('spans pushed request by request and taken in batches make the requests OpenTelemetry would send', () => {
    const store = createEncodedSpanStore(resource, scope)
    const groups = [spans.slice(0, 2), [spans[2] as FinishedSpan], edgeSpans, spans]
    for (const group of groups) store.push(group)
    expect(store.length).toBe(4)
    const first = store.take(2)
    expect(first.spans).toBe(3)
    expect(Buffer.from(first.request).equals(Buffer.from(sdkBytes(spans)))).toBe(true)
    // What stays behind moves to the front and is framed on its own, with later pushes after it.
    store.push([spans[0] as FinishedSpan])
    expect(store.length).toBe(3)
    const rest = store.take(3)
    expect(rest.spans).toBe(6)
    expect(
      Buffer.from(rest.request).equals(
        Buffer.from(sdkBytes([...edgeSpans, ...spans, spans[0] as FinishedSpan])),
      ),
    ).toBe(true)
    expect(store.length).toBe(0)
  })

  test('a batch over many requests reads back whole, span for span, in order', () => {
    const store = createEncodedSpanStore(resource, scope)
    for (let index = 0; index < 700; index++)
      store.push([{ ...(spans[1] as FinishedSpan), spanId: index.toString(16).padStart(16, '0') }])
    const decoded = decodeTraceRequest(store.take(500).request)
    const ids = decoded.resourceSpans[0]?.scopeSpans[0]?.spans.map((span) => Number.parseInt(span.spanId, 16))
    expect(ids).toEqual(Array.from({ length: 500 }, (_, index) => index))
    const last = store.take(200).request
    expect(countTraceSpans(last)).toBe(200)
    const tail = decodeTraceRequest(last).resourceSpans[0]?.scopeSpans[0]?.spans ?? []
    expect(tail.map((span) => Number.parseInt(span.spanId, 16))).toEqual(
      Array.from({ length: 200 }, (_, index) => 500 + index),
    )
  })

  test('a span that cannot be encoded leaves no half-written bytes behind', () => {
    const store = createEncodedSpanStore(resource, scope)
    store.push([spans[1] as FinishedSpan])
    const broken = {
      ...(spans[1] as FinishedSpan),
      get name(): string {
        throw new Error('unreadable')
      },
    }
    expect(() => store.push([spans[2] as FinishedSpan, broken])).toThrow('unreadable')
    expect(store.length).toBe(1)
    expect(Buffer.from(store.take(1).request).equals(Buffer.from(sdkBytes([spans[1] as FinishedSpan])))).toBe(
      true,
    )
  })
})

describe('encoded span store: attribute pairs reused across requests', () => {
  test('values that repeat, change, come back or change type are encoded as the SDK encodes each span', () => {
    const store = createEncodedSpanStore(resource, scope)
    const values: unknown[] = [
      'chat',
      'chat',
      'chat',
      'embeddings',
      'chat',
      'chat',
      7,
      7,
      7.5,
      true,
      true,
      ['a'],
      ['a'],
    ]
    const batch = values.map((value, index) => ({
      ...(spans[1] as FinishedSpan),
      spanId: index.toString(16).padStart(16, '0'),
      attributes: {
        'gen_ai.operation.name': value,
        'request.id': `r${index}`,
        constant: 'same',
      } as Attributes,
    }))
    for (const span of batch) store.push([span])
    expect(Buffer.from(store.take(batch.length).request).equals(Buffer.from(sdkBytes(batch)))).toBe(true)
    // And again with the cache warm.
    for (const span of batch) store.push([span])
    expect(Buffer.from(store.take(batch.length).request).equals(Buffer.from(sdkBytes(batch)))).toBe(true)
  })

  test('past the key limit, new keys are still encoded right', () => {
    const store = createEncodedSpanStore(resource, scope)
    const batch = Array.from({ length: 400 }, (_, index) => ({
      ...(spans[1] as FinishedSpan),
      attributes: { [`key.${index}`]: 'v', [`key.${index}`.repeat(2)]: index } as Attributes,
    }))
    for (const span of batch) store.push([span])
    expect(Buffer.from(store.take(batch.length).request).equals(Buffer.from(sdkBytes(batch)))).toBe(true)
  })
})
