import { afterAll, describe, expect, test } from 'bun:test'
import { gunzipSync } from 'node:zlib'
import { type DiagLogger, DiagLogLevel, diag, SpanKind, SpanStatusCode } from '@opentelemetry/api'
import { decodeTraceRequest, type OtlpTraceRequest } from './otlp-decode.ts'
import { type OtlpHttpProtocol, startTracing } from './tracing.ts'

/** A local OTLP/HTTP receiver; `statuses` are answered first, in order, then 200. */
const requests: {
  path: string
  contentType: string | null
  encoding: string | null
  tenant: string | null
  body: Buffer
}[] = []
const statuses: number[] = []
/** Bodies answered with 200, in order, before the empty success. */
const bodies: Uint8Array[] = []
const receiver = Bun.serve({
  hostname: '127.0.0.1',
  port: 0,
  async fetch(request) {
    requests.push({
      path: new URL(request.url).pathname,
      contentType: request.headers.get('content-type'),
      encoding: request.headers.get('content-encoding'),
      tenant: request.headers.get('x-tenant'),
      body: Buffer.from(await request.arrayBuffer()),
    })
    const status = statuses.shift() ?? 200
    if (status !== 200) return new Response('no', { status, headers: { 'retry-after': '0' } })
    const body = bodies.shift()
    if (body) return new Response(body, { headers: { 'content-type': 'application/x-protobuf' } })
    // A full success is an empty ExportTraceServiceResponse, in the request's encoding.
    return request.headers.get('content-type') === 'application/json'
      ? Response.json({})
      : new Response(new Uint8Array(0), { headers: { 'content-type': 'application/x-protobuf' } })
  },
})
afterAll(() => receiver.stop(true))

const span = (spanId: string) => ({
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  spanId,
  name: 'chat m',
  kind: SpanKind.SERVER,
  startMs: 1_700_000_000_123.5,
  endMs: 1_700_000_001_000,
  attributes: { 'gen_ai.request.model': 'm' },
  status: { code: SpanStatusCode.ERROR, message: 'stream ended' },
})

describe('Tracing over OTLP/HTTP', () => {
  const cases: { protocol: OtlpHttpProtocol | undefined; contentType: string }[] = [
    { protocol: undefined, contentType: 'application/x-protobuf' },
    { protocol: 'http/protobuf', contentType: 'application/x-protobuf' },
    { protocol: 'http/json', contentType: 'application/json' },
  ]
  for (const { protocol, contentType } of cases) {
    test(`protocol ${protocol ?? '(default)'}: spans reach /v1/traces as one ${contentType} request with the service resource and scope`, async () => {
      requests.length = 0
      const tracing = startTracing({
        serviceName: 'svc',
        serviceVersion: '1.2.3',
        endpoint: `http://127.0.0.1:${receiver.port}/`,
        ...(protocol ? { protocol } : {}),
      })
      tracing.record([span('00000000000000aa'), span('00000000000000bb')])
      expect(requests).toHaveLength(0)
      await tracing.flush()
      expect(requests).toHaveLength(1)
      const [request] = requests
      expect(request?.path).toBe('/v1/traces')
      expect(request?.contentType).toBe(contentType)
      const bytes = request?.body ?? Buffer.alloc(0)
      const body: OtlpTraceRequest =
        contentType === 'application/json' ? JSON.parse(bytes.toString()) : decodeTraceRequest(bytes)
      const [resourceSpans] = body.resourceSpans
      expect(resourceSpans?.resource.attributes).toEqual([
        { key: 'service.name', value: { stringValue: 'svc' } },
        { key: 'service.version', value: { stringValue: '1.2.3' } },
      ])
      const [scopeSpans] = resourceSpans?.scopeSpans ?? []
      expect(scopeSpans?.scope).toEqual({ name: 'svc', version: '1.2.3' })
      expect(scopeSpans?.spans.map((item) => item.spanId)).toEqual(['00000000000000aa', '00000000000000bb'])
      expect(scopeSpans?.spans[0]?.status).toEqual({ code: 2, message: 'stream ended' })
      expect(tracing.stats.failedBatches).toBe(0)
      await tracing.shutdown()
      tracing.record([span('00000000000000cc')])
      await tracing.flush()
      expect(requests).toHaveLength(1)
    })
  }

  test('a batch leaves on its own after the batch delay', async () => {
    requests.length = 0
    const tracing = startTracing({
      serviceName: 'svc',
      endpoint: `http://127.0.0.1:${receiver.port}`,
      batchDelayMs: 20,
    })
    tracing.record([span('00000000000000aa')])
    const deadline = Date.now() + 3_000
    while (requests.length === 0 && Date.now() < deadline) await Bun.sleep(10)
    expect(requests).toHaveLength(1)
    await tracing.shutdown()
  })

  test('a collector that refuses the export: counted as a failed batch, nothing thrown', async () => {
    requests.length = 0
    statuses.push(400)
    const tracing = startTracing({ serviceName: 'svc', endpoint: `http://127.0.0.1:${receiver.port}` })
    tracing.record([span('00000000000000aa')])
    await tracing.flush()
    expect(requests).toHaveLength(1)
    expect(tracing.stats.failedBatches).toBe(1)
    await tracing.shutdown()
  })

  test('a collector that is briefly unavailable (503): the batch is sent again and delivered', async () => {
    requests.length = 0
    statuses.push(503)
    const tracing = startTracing({ serviceName: 'svc', endpoint: `http://127.0.0.1:${receiver.port}` })
    tracing.record([span('00000000000000aa')])
    await tracing.flush()
    expect(requests).toHaveLength(2)
    expect(requests[1]?.body.equals(requests[0]?.body ?? Buffer.alloc(0))).toBe(true)
    expect(tracing.stats.failedBatches).toBe(0)
    await tracing.shutdown()
  })

  test('OTEL_EXPORTER_OTLP_HEADERS reach the collector, as with the OpenTelemetry exporter', async () => {
    requests.length = 0
    process.env.OTEL_EXPORTER_OTLP_HEADERS = 'x-tenant=team-a'
    try {
      const tracing = startTracing({ serviceName: 'svc', endpoint: `http://127.0.0.1:${receiver.port}` })
      tracing.record([span('00000000000000aa')])
      await tracing.flush()
      expect(requests[0]?.tenant).toBe('team-a')
      await tracing.shutdown()
    } finally {
      delete process.env.OTEL_EXPORTER_OTLP_HEADERS
    }
  })

  test('a span the encoder cannot write is dropped and counted; record never throws into the request', async () => {
    requests.length = 0
    const tracing = startTracing({ serviceName: 'svc', endpoint: `http://127.0.0.1:${receiver.port}` })
    const broken = {
      ...span('00000000000000aa'),
      get name(): string {
        throw new Error('unreadable')
      },
    }
    expect(() => tracing.record([broken])).not.toThrow()
    expect(tracing.stats.dropped).toBe(1)
    tracing.record([span('00000000000000bb')])
    await tracing.flush()
    const spans = decodeTraceRequest(requests[0]?.body ?? Buffer.alloc(0)).resourceSpans[0]?.scopeSpans[0]
      ?.spans
    expect(spans?.map((item) => item.spanId)).toEqual(['00000000000000bb'])
    await tracing.shutdown()
  })

  test('OTEL_EXPORTER_OTLP_COMPRESSION=gzip: the export request is gzipped and reads back whole', async () => {
    requests.length = 0
    process.env.OTEL_EXPORTER_OTLP_COMPRESSION = 'gzip'
    try {
      const tracing = startTracing({ serviceName: 'svc', endpoint: `http://127.0.0.1:${receiver.port}` })
      tracing.record([span('00000000000000aa')])
      await tracing.flush()
      expect(requests[0]?.encoding).toBe('gzip')
      const decoded = decodeTraceRequest(gunzipSync(requests[0]?.body ?? Buffer.alloc(0)))
      expect(decoded.resourceSpans[0]?.scopeSpans[0]?.spans[0]?.spanId).toBe('00000000000000aa')
      await tracing.shutdown()
    } finally {
      delete process.env.OTEL_EXPORTER_OTLP_COMPRESSION
    }
  })

  test('shutdown with the collector down gives up after shutdownTimeoutMs instead of retrying for seconds', async () => {
    // Nothing listens on port 1: every export is a retryable connection failure.
    const tracing = startTracing({
      serviceName: 'svc',
      endpoint: 'http://127.0.0.1:1',
      shutdownTimeoutMs: 200,
    })
    tracing.record([span('00000000000000aa')])
    const started = performance.now()
    await tracing.shutdown()
    expect(performance.now() - started).toBeLessThan(2_000)
  })

  /** Runs `body` with OpenTelemetry's diagnostic warnings collected. */
  const withWarnings = async (body: (warnings: string[]) => Promise<void>) => {
    const warnings: string[] = []
    const collect = (message: string, ...args: unknown[]) => {
      warnings.push([message, ...args.map((arg) => String(arg))].join(' '))
    }
    const logger: DiagLogger = { error: collect, warn: collect, info() {}, debug() {}, verbose() {} }
    diag.setLogger(logger, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true })
    try {
      await body(warnings)
    } finally {
      diag.disable()
    }
  }

  /** One span exported to a collector that answers `answer`; the warnings OpenTelemetry's diagnostics logged. */
  const exportAgainst = async (answer: Uint8Array): Promise<string> => {
    requests.length = 0
    bodies.push(answer)
    let logged = ''
    await withWarnings(async (warnings) => {
      const tracing = startTracing({ serviceName: 'svc', endpoint: `http://127.0.0.1:${receiver.port}` })
      tracing.record([span('00000000000000aa')])
      await tracing.flush()
      expect(requests).toHaveLength(1)
      expect(tracing.stats.failedBatches).toBe(0)
      await tracing.shutdown()
      logged = warnings.join('\n')
    })
    return logged
  }

  test('a protobuf partial success from the collector is decoded and reported, the batch counted as sent', async () => {
    // ExportTraceServiceResponse { partial_success { rejected_spans: 2, error_message: "bad spans" } }
    const message = Buffer.from('bad spans')
    const answer = Uint8Array.of(0x0a, 4 + message.length, 0x08, 2, 0x12, message.length, ...message)
    expect(await exportAgainst(answer)).toContain('{"rejectedSpans":2,"errorMessage":"bad spans"}')
  })

  test('a response body that is not protobuf: a warning, not a failure, and nothing thrown', async () => {
    expect(await exportAgainst(Buffer.from('<html>ok</html>'))).toContain('could not deserialize response')
  })

  test('retries of a protobuf batch past the encoder first buffer resend the same bytes; the next batch reads back whole', async () => {
    requests.length = 0
    statuses.push(503, 503)
    const tracing = startTracing({ serviceName: 'svc', endpoint: `http://127.0.0.1:${receiver.port}` })
    const big = (spanId: string) => ({ ...span(spanId), attributes: { text: 'é'.repeat(40_000) } })
    tracing.record([big('00000000000000aa'), big('00000000000000bb')])
    await tracing.flush()
    tracing.record([span('00000000000000cc')])
    await tracing.flush()
    expect(requests).toHaveLength(4)
    const first = requests[0]?.body ?? Buffer.alloc(0)
    expect(first.length).toBeGreaterThan(160_000)
    expect(requests[1]?.body.equals(first)).toBe(true)
    expect(requests[2]?.body.equals(first)).toBe(true)
    expect(
      decodeTraceRequest(requests[3]?.body ?? Buffer.alloc(0)).resourceSpans[0]?.scopeSpans[0]?.spans,
    ).toHaveLength(1)
    expect(tracing.stats.failedBatches).toBe(0)
    await tracing.shutdown()
  }, 15_000)
})
