/**
 * @module For tests and benchmarks: reads an OTLP/protobuf ExportTraceServiceRequest back into the object its
 * OTLP/JSON form parses to (ids as hex, times as decimal strings, every default-valued field present), so a test's
 * receiver handles either encoding and asserts on one shape. Only the fields our exporter writes are read; others
 * are skipped by wire type.
 */

type Json = Record<string, unknown>

export interface OtlpAnyValue {
  stringValue?: string
  boolValue?: boolean
  intValue?: number
  doubleValue?: number
  arrayValue?: { values: OtlpAnyValue[] }
  kvlistValue?: { values: OtlpKeyValue[] }
  /** Base64, as OTLP/JSON writes bytes. */
  bytesValue?: string
}
export interface OtlpKeyValue {
  key: string
  value: OtlpAnyValue
}
export interface OtlpSpan {
  traceId: string
  spanId: string
  parentSpanId?: string
  name: string
  kind: number
  startTimeUnixNano: string
  endTimeUnixNano: string
  attributes: OtlpKeyValue[]
  droppedAttributesCount: number
  events: { attributes: OtlpKeyValue[]; name: string; timeUnixNano: string; droppedAttributesCount: number }[]
  droppedEventsCount: number
  status: { code: number; message?: string }
  links: never[]
  droppedLinksCount: number
  flags?: number
}
export interface OtlpTraceRequest {
  resourceSpans: {
    resource: { attributes: OtlpKeyValue[]; droppedAttributesCount: number }
    scopeSpans: { scope: { name?: string; version?: string }; spans: OtlpSpan[] }[]
  }[]
}

class Reader {
  pos = 0
  private readonly view: DataView
  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }
  get done(): boolean {
    return this.pos >= this.bytes.length
  }
  /** A varint as a bigint (int64 values exceed 2^53). */
  varint(): bigint {
    let result = 0n
    let shift = 0n
    for (;;) {
      if (this.pos >= this.bytes.length) throw new Error('truncated varint')
      const byte = this.bytes[this.pos++] as number
      result |= BigInt(byte & 127) << shift
      if (byte < 128) return result
      shift += 7n
      if (shift > 63n) throw new Error('varint longer than 10 bytes')
    }
  }
  /** A varint known to be small (a tag, a length, a count): plain numbers, no bigint. */
  small(): number {
    let result = 0
    let scale = 1
    for (;;) {
      if (this.pos >= this.bytes.length) throw new Error('truncated varint')
      const byte = this.bytes[this.pos++] as number
      result += (byte & 127) * scale
      if (byte < 128) return result
      scale *= 128
      if (scale > 2 ** 63) throw new Error('varint longer than 10 bytes')
    }
  }
  int64(): number {
    return Number(BigInt.asIntN(64, this.varint()))
  }
  fixed32(): number {
    const value = this.view.getUint32(this.pos, true)
    this.pos += 4
    return value
  }
  fixed64(): bigint {
    const value = this.view.getBigUint64(this.pos, true)
    this.pos += 8
    return value
  }
  double(): number {
    const value = this.view.getFloat64(this.pos, true)
    this.pos += 8
    return value
  }
  bytesField(): Uint8Array {
    const length = this.small()
    if (this.pos + length > this.bytes.length) throw new Error('truncated field')
    const slice = this.bytes.subarray(this.pos, this.pos + length)
    this.pos += length
    return slice
  }
  string(): string {
    return new TextDecoder('utf-8', { fatal: true }).decode(this.bytesField())
  }
  hex(): string {
    return Buffer.from(this.bytesField()).toString('hex')
  }
  private skip(length: number): void {
    if (this.pos + length > this.bytes.length) throw new Error('truncated field')
    this.pos += length
  }
  /** Calls `read(field, wireType)` for every field; a field `read` does not take (returns false) is skipped. */
  fields(read: (field: number, wireType: number) => boolean): void {
    while (!this.done) {
      const key = this.small()
      const field = key >>> 3
      const wireType = key & 7
      if (read(field, wireType)) continue
      if (wireType === 0) this.varint()
      else if (wireType === 1) this.skip(8)
      else if (wireType === 2) this.bytesField()
      else if (wireType === 5) this.skip(4)
      else throw new Error(`unsupported wire type ${wireType}`)
    }
  }
}

function message(
  bytes: Uint8Array,
  read: (reader: Reader, field: number, wireType: number) => boolean,
): void {
  const reader = new Reader(bytes)
  reader.fields((field, wireType) => read(reader, field, wireType))
}

/** The messages in field 1 of `bytes` (ArrayValue's and KeyValueList's `values`), each read by `read`. */
function repeated(bytes: Uint8Array, read: (item: Uint8Array) => Json): Json[] {
  const values: Json[] = []
  message(bytes, (reader, field) => {
    if (field !== 1) return false
    values.push(read(reader.bytesField()))
    return true
  })
  return values
}

function anyValue(bytes: Uint8Array): Json {
  let value: Json = {}
  message(bytes, (reader, field) => {
    if (field === 1) value = { stringValue: reader.string() }
    else if (field === 2) value = { boolValue: reader.small() === 1 }
    else if (field === 3) value = { intValue: reader.int64() }
    else if (field === 4) value = { doubleValue: reader.double() }
    else if (field === 5) value = { arrayValue: { values: repeated(reader.bytesField(), anyValue) } }
    else if (field === 6) value = { kvlistValue: { values: repeated(reader.bytesField(), keyValue) } }
    else if (field === 7) value = { bytesValue: Buffer.from(reader.bytesField()).toString('base64') }
    else return false
    return true
  })
  return value
}

function keyValue(bytes: Uint8Array): Json {
  let key = ''
  let value: Json = {}
  message(bytes, (reader, field) => {
    if (field === 1) key = reader.string()
    else if (field === 2) value = anyValue(reader.bytesField())
    else return false
    return true
  })
  return { key, value }
}

function event(bytes: Uint8Array): Json {
  const attributes: Json[] = []
  const result: Json = { attributes, name: '', timeUnixNano: '0', droppedAttributesCount: 0 }
  message(bytes, (reader, field) => {
    if (field === 1) result.timeUnixNano = reader.fixed64().toString()
    else if (field === 2) result.name = reader.string()
    else if (field === 3) attributes.push(keyValue(reader.bytesField()))
    else if (field === 4) result.droppedAttributesCount = reader.small()
    else return false
    return true
  })
  return result
}

function span(bytes: Uint8Array): Json {
  const attributes: Json[] = []
  const events: Json[] = []
  const fields: Json = {}
  let status: Json = { code: 0 }
  message(bytes, (reader, field, wireType) => {
    if (field === 1) fields.traceId = reader.hex()
    else if (field === 2) fields.spanId = reader.hex()
    else if (field === 4) fields.parentSpanId = reader.hex()
    else if (field === 5) fields.name = reader.string()
    else if (field === 6) fields.kind = reader.small()
    else if (field === 7) fields.startTimeUnixNano = reader.fixed64().toString()
    else if (field === 8) fields.endTimeUnixNano = reader.fixed64().toString()
    else if (field === 9) attributes.push(keyValue(reader.bytesField()))
    else if (field === 10) fields.droppedAttributesCount = reader.small()
    else if (field === 11) events.push(event(reader.bytesField()))
    else if (field === 12) fields.droppedEventsCount = reader.small()
    else if (field === 14) fields.droppedLinksCount = reader.small()
    else if (field === 15) {
      const decoded: Json = {}
      message(reader.bytesField(), (inner, item) => {
        if (item === 2) decoded.message = inner.string()
        else if (item === 3) decoded.code = inner.small()
        else return false
        return true
      })
      status = { code: 0, ...decoded }
    } else if (field === 16 && wireType === 5) fields.flags = reader.fixed32()
    else return false
    return true
  })
  // Key order of the OTLP/JSON encoding, so that the two compare equal field for field.
  return {
    traceId: fields.traceId,
    spanId: fields.spanId,
    ...(fields.parentSpanId === undefined ? {} : { parentSpanId: fields.parentSpanId }),
    name: fields.name ?? '',
    kind: fields.kind ?? 0,
    startTimeUnixNano: fields.startTimeUnixNano ?? '0',
    endTimeUnixNano: fields.endTimeUnixNano ?? '0',
    attributes,
    droppedAttributesCount: fields.droppedAttributesCount ?? 0,
    events,
    droppedEventsCount: fields.droppedEventsCount ?? 0,
    status,
    links: [],
    droppedLinksCount: fields.droppedLinksCount ?? 0,
    ...(fields.flags === undefined ? {} : { flags: fields.flags }),
  }
}

function scopeSpans(bytes: Uint8Array): Json {
  const spans: Json[] = []
  let scope: Json = {}
  message(bytes, (reader, field) => {
    if (field === 1) {
      const decoded: Json = {}
      message(reader.bytesField(), (inner, item) => {
        if (item === 1) decoded.name = inner.string()
        else if (item === 2) decoded.version = inner.string()
        else return false
        return true
      })
      scope = decoded
    } else if (field === 2) spans.push(span(reader.bytesField()))
    else return false
    return true
  })
  return { scope, spans }
}

function resourceSpans(bytes: Uint8Array): Json {
  const attributes: Json[] = []
  const resource: Json = { attributes, droppedAttributesCount: 0 }
  const scopes: Json[] = []
  message(bytes, (reader, field) => {
    if (field === 1) {
      message(reader.bytesField(), (inner, item) => {
        if (item === 1) attributes.push(keyValue(inner.bytesField()))
        else if (item === 2) resource.droppedAttributesCount = inner.small()
        else return false
        return true
      })
    } else if (field === 2) scopes.push(scopeSpans(reader.bytesField()))
    else return false
    return true
  })
  return { resource, scopeSpans: scopes }
}

/**
 * An ExportTraceServiceRequest in protobuf as its OTLP/JSON object. Throws on malformed input.
 * @example
 * const body = request.headers.get('content-type') === 'application/x-protobuf'
 *   ? decodeTraceRequest(new Uint8Array(await request.arrayBuffer()))
 *   : await request.json()
 */
export function decodeTraceRequest(bytes: Uint8Array): OtlpTraceRequest {
  const resources: Json[] = []
  message(bytes, (reader, field) => {
    if (field !== 1) return false
    resources.push(resourceSpans(reader.bytesField()))
    return true
  })
  return { resourceSpans: resources } as unknown as OtlpTraceRequest
}

/**
 * How many spans an ExportTraceServiceRequest holds, without decoding them: for a benchmark's sink, which must not
 * take CPU from the load generator beside it.
 */
export function countTraceSpans(bytes: Uint8Array): number {
  let count = 0
  message(bytes, (reader, field) => {
    if (field !== 1) return false
    message(reader.bytesField(), (resource, resourceField) => {
      if (resourceField !== 2) return false
      message(resource.bytesField(), (scope, scopeField) => {
        if (scopeField !== 2) return false
        scope.bytesField()
        count++
        return true
      })
      return true
    })
    return true
  })
  return count
}

/** A test receiver's body, whichever OTLP/HTTP encoding the request uses (by its content type). */
export async function readTraceRequest(request: Request): Promise<OtlpTraceRequest> {
  if (request.headers.get('content-type')?.startsWith('application/x-protobuf'))
    return decodeTraceRequest(new Uint8Array(await request.arrayBuffer()))
  return (await request.json()) as OtlpTraceRequest
}
