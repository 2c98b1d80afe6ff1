/**
 * @module OTLP/protobuf encoding of finished spans (an ExportTraceServiceRequest), written field by field into one
 * reusable buffer. OpenTelemetry's ProtobufTraceSerializer needs its SDK's span objects and walks every span twice
 * (a size pass, then a write pass); our spans are plain records and go to bytes in one pass. The bytes equal that
 * serializer's for the same spans (otlp-protobuf.test.ts checks it), so any OTLP receiver reads them as it reads the
 * SDK's. Protobuf is OTLP/HTTP's default encoding and less than half the size of OTLP/JSON.
 */
import type { Attributes, AttributeValue } from '@opentelemetry/api'
import type { BatchStore } from './export-queue.ts'
import type { FinishedSpan, OtlpScope } from './otlp-json.ts'

// Wire types.
const VARINT = 0
const FIXED64 = 1
const LENGTH_DELIMITED = 2
const FIXED32 = 5

const tag = (field: number, wireType: number) => (field << 3) | wireType

// W3C trace flags (sampled) plus OTLP's "has is_remote" bit, and the is_remote bit when the parent is remote.
const FLAGS_SAMPLED_HAS_IS_REMOTE = 0x101
const FLAG_IS_REMOTE = 0x200
const TWO_POW_32 = 4_294_967_296
const MIN_INT64 = -(2 ** 63)
const MAX_INT64 = 2 ** 63

const HEX_VALUE = new Int8Array(128).fill(-1)
for (let digit = 0; digit < 16; digit++) {
  HEX_VALUE['0123456789abcdef'.charCodeAt(digit)] = digit
  HEX_VALUE['0123456789ABCDEF'.charCodeAt(digit)] = digit
}

/** A growable byte buffer with protobuf's primitive writes; `reset` keeps the memory for the next message. */
class ProtoWriter {
  bytes: Uint8Array
  pos = 0
  private readonly view: { data: DataView }
  private readonly encoder = new TextEncoder()

  constructor(size = 64 * 1024) {
    this.bytes = new Uint8Array(size)
    this.view = { data: new DataView(this.bytes.buffer) }
  }

  reset(): void {
    this.pos = 0
  }

  private ensure(extra: number): void {
    const needed = this.pos + extra
    if (needed <= this.bytes.length) return
    let size = this.bytes.length * 2
    while (size < needed) size *= 2
    const grown = new Uint8Array(size)
    grown.set(this.bytes.subarray(0, this.pos))
    this.bytes = grown
    this.view.data = new DataView(grown.buffer)
  }

  byte(value: number): void {
    this.ensure(1)
    this.bytes[this.pos++] = value
  }

  /** A non-negative integer below 2^53, or a negative one as 64-bit two's complement (ten bytes), as protobuf does. */
  varint(value: number): void {
    this.ensure(10)
    const bytes = this.bytes
    if (value >= 0 && value < TWO_POW_32) {
      let rest = value >>> 0
      while (rest > 127) {
        bytes[this.pos++] = (rest & 127) | 128
        rest >>>= 7
      }
      bytes[this.pos++] = rest
      return
    }
    let low: number
    let high: number
    if (value >= 0) {
      low = value >>> 0
      high = (value / TWO_POW_32) >>> 0
    } else {
      const magnitude = -value
      low = ~(magnitude >>> 0) >>> 0
      high = ~((magnitude / TWO_POW_32) >>> 0) >>> 0
      low = (low + 1) >>> 0
      if (low === 0) high = (high + 1) >>> 0
    }
    while (high > 0 || low > 127) {
      bytes[this.pos++] = (low & 127) | 128
      low = ((low >>> 7) | (high << 25)) >>> 0
      high >>>= 7
    }
    bytes[this.pos++] = low
  }

  fixed32(value: number): void {
    this.ensure(4)
    this.view.data.setUint32(this.pos, value >>> 0, true)
    this.pos += 4
  }

  /** Epoch milliseconds as fixed64 nanoseconds, split at the second: nanoseconds since 1970 exceed 2^53. */
  epochNanos(epochMs: number): void {
    const seconds = Math.floor(epochMs / 1000)
    const nanos = Math.min(999_999_999, Math.round((epochMs - seconds * 1000) * 1e6))
    // seconds × 1e9 + nanos, in 32-bit halves: the seconds' low 16 bits and high bits multiplied separately.
    const lowPart = (seconds & 0xffff) * 1e9
    const highPart = Math.floor(seconds / 65536) * 1e9
    const low = (lowPart >>> 0) + (((highPart & 0xffff) * 65536) >>> 0) + nanos
    const high =
      Math.floor(lowPart / TWO_POW_32) + Math.floor(highPart / 65536) + Math.floor(low / TWO_POW_32)
    this.ensure(8)
    this.view.data.setUint32(this.pos, low >>> 0, true)
    this.view.data.setUint32(this.pos + 4, high >>> 0, true)
    this.pos += 8
  }

  double(value: number): void {
    this.ensure(8)
    this.view.data.setFloat64(this.pos, value, true)
    this.pos += 8
  }

  /** A length-delimited UTF-8 string. ASCII, the usual case, is copied a char at a time: faster than an encoder. */
  string(value: string): void {
    const length = value.length
    this.ensure(length * 3 + 5)
    if (length < 128) {
      const start = this.pos + 1
      const bytes = this.bytes
      let index = 0
      for (; index < length; index++) {
        const code = value.charCodeAt(index)
        if (code > 127) break
        bytes[start + index] = code
      }
      if (index === length) {
        bytes[this.pos] = length
        this.pos = start + length
        return
      }
    }
    const start = this.begin()
    this.pos += this.encoder.encodeInto(value, this.bytes.subarray(this.pos)).written
    this.end(start)
  }

  /** An id given as hex (32 or 16 digits), as the bytes it stands for; an odd or non-hex id is sent as its text. */
  hexBytes(hex: string): void {
    const length = hex.length
    if (length % 2 === 0) {
      this.ensure(length / 2 + 5)
      const start = this.pos
      this.varint(length / 2)
      const bytes = this.bytes
      // Converted in one pass; a digit that is not hex (-1, or past the table) makes `invalid` negative.
      let invalid = 0
      for (let index = 0; index < length; index += 2) {
        const high = HEX_VALUE[hex.charCodeAt(index)] ?? -1
        const low = HEX_VALUE[hex.charCodeAt(index + 1)] ?? -1
        invalid |= high | low
        bytes[this.pos++] = (high << 4) | low
      }
      if (invalid >= 0) return
      this.pos = start
    }
    this.string(hex)
  }

  /** Bytes already encoded, copied as they are. */
  raw(value: Uint8Array): void {
    this.ensure(value.length)
    this.bytes.set(value, this.pos)
    this.pos += value.length
  }

  /** Length-delimited bytes, copied as they are. */
  rawBytes(value: Uint8Array): void {
    this.ensure(value.length + 10)
    this.varint(value.length)
    this.bytes.set(value, this.pos)
    this.pos += value.length
  }

  /** Starts a length-delimited field's body: one byte is kept for its length, moved along if it needs more. */
  begin(): number {
    this.ensure(1)
    return this.pos++
  }

  end(lengthAt: number): void {
    const length = this.pos - lengthAt - 1
    if (length < 128) {
      this.bytes[lengthAt] = length
      return
    }
    const size = varintSize(length)
    this.ensure(size - 1)
    this.bytes.copyWithin(lengthAt + size, lengthAt + 1, this.pos)
    this.pos += size - 1
    let rest = length
    let at = lengthAt
    while (rest > 127) {
      this.bytes[at++] = (rest & 127) | 128
      rest >>>= 7
    }
    this.bytes[at] = rest
  }
}

function writeAnyValue(writer: ProtoWriter, value: AttributeValue | null | undefined): void {
  switch (typeof value) {
    case 'string':
      writer.byte(tag(1, LENGTH_DELIMITED))
      writer.string(value)
      return
    case 'boolean':
      writer.byte(tag(2, VARINT))
      writer.byte(value ? 1 : 0)
      return
    case 'number':
      if (Number.isInteger(value) && value >= MIN_INT64 && value < MAX_INT64) {
        writer.byte(tag(3, VARINT))
        writer.varint(value)
      } else {
        writer.byte(tag(4, FIXED64))
        writer.double(value)
      }
      return
  }
  if (Array.isArray(value)) {
    writer.byte(tag(5, LENGTH_DELIMITED))
    const array = writer.begin()
    for (const item of value) {
      writer.byte(tag(1, LENGTH_DELIMITED))
      const itemAt = writer.begin()
      writeAnyValue(writer, item)
      writer.end(itemAt)
    }
    writer.end(array)
  } else if (value instanceof Uint8Array) {
    // AnyValue's bytes_value (the API's AnyValue includes byte arrays since 1.10).
    writer.byte(tag(7, LENGTH_DELIMITED))
    writer.rawBytes(value)
  } else if (typeof value === 'object' && value !== null) {
    // A map: kvlist_value. As in the SDK, every own key is written, one set to null or undefined as an empty value.
    writer.byte(tag(6, LENGTH_DELIMITED))
    const list = writer.begin()
    const map = value as Record<string, unknown>
    for (const key in map) {
      if (Object.hasOwn(map, key)) writePair(writer, 1, undefined, key, map[key] as AttributeValue)
    }
    writer.end(list)
  }
}

/**
 * Per attribute key of span attributes: its encoded key field, and the whole encoded pair once a value has come twice
 * in a row. The same keys come with every request and many values repeat (operation, model, route, method), so
 * most pairs are one copy. Bounded: keys past the limit are encoded each time.
 */
interface KeyEntry {
  keyField: Uint8Array
  lastValue: unknown
  pair: Uint8Array | undefined
}
type KeyCache = Map<string, KeyEntry>
const KEY_CACHE_LIMIT = 256

function keyEntry(key: string): KeyEntry {
  const writer = new ProtoWriter(key.length * 3 + 8)
  writer.byte(tag(1, LENGTH_DELIMITED))
  writer.string(key)
  return { keyField: writer.bytes.slice(0, writer.pos), lastValue: undefined, pair: undefined }
}

/** One KeyValue in field `field`; `keyField`, when given, is the key already encoded. */
function writePair(
  writer: ProtoWriter,
  field: number,
  keyField: Uint8Array | undefined,
  key: string,
  value: AttributeValue | null | undefined,
): void {
  writer.byte(tag(field, LENGTH_DELIMITED))
  const pair = writer.begin()
  if (keyField === undefined) {
    writer.byte(tag(1, LENGTH_DELIMITED))
    writer.string(key)
  } else writer.raw(keyField)
  writer.byte(tag(2, LENGTH_DELIMITED))
  const any = writer.begin()
  writeAnyValue(writer, value)
  writer.end(any)
  writer.end(pair)
}

/** Repeated KeyValue in field `field`; attributes set to undefined or null are left out, as the SDK's spans do. */
function writeAttributes(writer: ProtoWriter, attributes: Attributes, field: number, cache?: KeyCache): void {
  for (const key in attributes) {
    const value = attributes[key]
    if (value === undefined || value === null) continue
    let entry = cache?.get(key)
    if (entry?.pair !== undefined && entry.lastValue === value) {
      writer.raw(entry.pair)
      continue
    }
    if (entry === undefined && cache !== undefined && cache.size < KEY_CACHE_LIMIT) {
      entry = keyEntry(key)
      cache.set(key, entry)
    }
    const start = writer.pos
    writePair(writer, field, entry?.keyField, key, value)
    if (entry === undefined) continue
    const scalar = typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    if (!scalar) entry.lastValue = undefined
    else if (entry.lastValue === value) entry.pair = writer.bytes.slice(start, writer.pos)
    else {
      entry.lastValue = value
      entry.pair = undefined
    }
  }
}

function writeSpan(writer: ProtoWriter, span: FinishedSpan, cache: KeyCache): void {
  writer.byte(tag(2, LENGTH_DELIMITED))
  const start = writer.begin()
  writer.byte(tag(1, LENGTH_DELIMITED))
  writer.hexBytes(span.traceId)
  writer.byte(tag(2, LENGTH_DELIMITED))
  writer.hexBytes(span.spanId)
  if (span.parent) {
    writer.byte(tag(4, LENGTH_DELIMITED))
    writer.hexBytes(span.parent.spanId)
  }
  writer.byte(tag(5, LENGTH_DELIMITED))
  writer.string(span.name)
  writer.byte(tag(6, VARINT))
  writer.varint(span.kind + 1)
  writer.byte(tag(7, FIXED64))
  writer.epochNanos(span.startMs)
  writer.byte(tag(8, FIXED64))
  writer.epochNanos(span.endMs)
  writeAttributes(writer, span.attributes, 9, cache)
  writer.byte(tag(10, VARINT))
  writer.byte(0)
  for (const event of span.events ?? []) {
    writer.byte(tag(11, LENGTH_DELIMITED))
    const eventAt = writer.begin()
    writer.byte(tag(1, FIXED64))
    writer.epochNanos(event.atMs)
    writer.byte(tag(2, LENGTH_DELIMITED))
    writer.string(event.name)
    if (event.attributes) writeAttributes(writer, event.attributes, 3)
    writer.byte(tag(4, VARINT))
    writer.byte(0)
    writer.end(eventAt)
  }
  writer.byte(tag(12, VARINT))
  writer.byte(0)
  writer.byte(tag(14, VARINT))
  writer.byte(0)
  writer.byte(tag(15, LENGTH_DELIMITED))
  const status = writer.begin()
  if (span.status?.message) {
    writer.byte(tag(2, LENGTH_DELIMITED))
    writer.string(span.status.message)
  }
  writer.byte(tag(3, VARINT))
  writer.varint(span.status?.code ?? 0)
  writer.end(status)
  // Field 16's tag is past 127: two bytes of varint.
  writer.varint(tag(16, FIXED32))
  writer.fixed32(FLAGS_SAMPLED_HAS_IS_REMOTE | (span.parent?.isRemote ? FLAG_IS_REMOTE : 0))
  writer.end(start)
}

function varintSize(value: number): number {
  let size = 1
  while (value >= 2 ** (7 * size)) size++
  return size
}

function writeVarintAt(bytes: Uint8Array, at: number, value: number): number {
  let rest = value
  let pos = at
  while (rest > 127) {
    bytes[pos++] = (rest & 127) | 128
    rest = Math.floor(rest / 128)
  }
  bytes[pos++] = rest
  return pos
}

/** A batch as the export queue hands it to the exporter. */
export interface EncodedBatch {
  /** The whole export request. */
  request: Uint8Array
  spans: number
}

/**
 * Export requests whose spans all come from one resource and scope, built in two steps: `push` encodes one
 * request's spans as they are recorded, into one buffer kept between batches, and `take` frames the oldest ones into
 * a request of their own bytes. Nothing of a span outlives its request but its bytes, and no object is made per
 * request: spans held as objects until their batch left were still alive at every young-generation collection, which
 * made those collections 2.5× longer in a busy gateway. It is the export queue's store (export-queue.ts).
 * @example
 * const store = createEncodedSpanStore({ 'service.name': 'gateway' }, { name: 'gateway' })
 * store.push([serverSpan, clientSpan])
 * await post(store.take(store.length).request)
 */
export function createEncodedSpanStore(
  resource: Attributes,
  scope: OtlpScope,
): BatchStore<readonly FinishedSpan[], EncodedBatch> {
  const writer = new ProtoWriter()
  // ResourceSpans.resource and ScopeSpans.scope are the same in every request: encoded once.
  writer.byte(tag(1, LENGTH_DELIMITED))
  const resourceAt = writer.begin()
  writeAttributes(writer, resource, 1)
  writer.byte(tag(2, VARINT))
  writer.byte(0)
  writer.end(resourceAt)
  const resourceField = writer.bytes.slice(0, writer.pos)
  writer.reset()
  writer.byte(tag(1, LENGTH_DELIMITED))
  const scopeAt = writer.begin()
  writer.byte(tag(1, LENGTH_DELIMITED))
  writer.string(scope.name)
  if (scope.version) {
    writer.byte(tag(2, LENGTH_DELIMITED))
    writer.string(scope.version)
  }
  writer.end(scopeAt)
  const scopeField = writer.bytes.slice(0, writer.pos)
  writer.reset()
  const keyCache: KeyCache = new Map()
  // Where each waiting item's bytes end, and how many spans the items up to it hold.
  let ends: number[] = []
  let spanTotals: number[] = []

  const frame = (spans: Uint8Array): Uint8Array => {
    const scopeSpansLength = scopeField.length + spans.length
    const resourceSpansLength = resourceField.length + 1 + varintSize(scopeSpansLength) + scopeSpansLength
    const request = new Uint8Array(1 + varintSize(resourceSpansLength) + resourceSpansLength)
    request[0] = tag(1, LENGTH_DELIMITED)
    let pos = writeVarintAt(request, 1, resourceSpansLength)
    request.set(resourceField, pos)
    pos += resourceField.length
    request[pos++] = tag(2, LENGTH_DELIMITED)
    pos = writeVarintAt(request, pos, scopeSpansLength)
    request.set(scopeField, pos)
    request.set(spans, pos + scopeField.length)
    return request
  }

  return {
    get length() {
      return ends.length
    },
    push(spans) {
      const start = writer.pos
      try {
        for (let index = 0; index < spans.length; index++)
          writeSpan(writer, spans[index] as FinishedSpan, keyCache)
      } catch (error) {
        // Half a span would corrupt the batch: the item is left out whole.
        writer.pos = start
        throw error
      }
      ends.push(writer.pos)
      spanTotals.push((spanTotals.at(-1) ?? 0) + spans.length)
    },
    take(count) {
      const end = ends[count - 1] ?? writer.pos
      const spans = spanTotals[count - 1] ?? 0
      const request = frame(writer.bytes.subarray(0, end))
      writer.bytes.copyWithin(0, end, writer.pos)
      writer.pos -= end
      if (count >= ends.length) {
        ends = []
        spanTotals = []
      } else {
        ends = ends.slice(count).map((itemEnd) => itemEnd - end)
        spanTotals = spanTotals.slice(count).map((total) => total - spans)
      }
      return { request, spans }
    },
  }
}
