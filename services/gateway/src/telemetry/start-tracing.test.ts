import { describe, expect, test } from 'bun:test'
import { decodeTraceRequest } from '@infergate/telemetry/otlp-decode'
import { loadConfig } from '../config.ts'
import { startConfiguredTracing } from './start-tracing.ts'

const base = { GATEWAY_API_KEYS: 'k', VLLM_URL: 'http://127.0.0.1:1' }

describe('startConfiguredTracing', () => {
  test('tracing off: nothing is started', async () => {
    expect(await startConfiguredTracing(loadConfig(base))).toBeUndefined()
  })

  const cases = [
    { env: {}, contentType: 'application/x-protobuf' },
    {
      env: { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' },
      contentType: 'application/json',
    },
  ]
  for (const { env, contentType } of cases) {
    test(`tracing on (${contentType}): a request tracer whose kept spans reach the OTLP endpoint`, async () => {
      const bodies: { contentType: string | null; bytes: Uint8Array }[] = []
      const receiver = Bun.serve({
        hostname: '127.0.0.1',
        port: 0,
        fetch: async (request) => {
          bodies.push({
            contentType: request.headers.get('content-type'),
            bytes: new Uint8Array(await request.arrayBuffer()),
          })
          return new Response(null, { status: 200 })
        },
      })
      const config = loadConfig({
        ...base,
        ...env,
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiver.port}`,
        OTEL_TRACES_SAMPLER_ARG: '0',
      })
      const started = await startConfiguredTracing(config)
      if (!started) throw new Error('tracing did not start')
      try {
        const request = started.tracer.start({
          endpoint: 'chat',
          route: '/v1/chat/completions',
          requestId: 'r1',
          body: { model: 'm' },
          incoming: undefined,
          traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
          startedAt: performance.now(),
        })
        // Sampled out, but an error is always kept.
        request.fail(502, 'upstream broke')
        await started.tracing.flush()
        expect(bodies.map((body) => body.contentType)).toEqual([contentType])
        const bytes = bodies[0]?.bytes ?? new Uint8Array(0)
        const text = JSON.stringify(
          contentType === 'application/json'
            ? JSON.parse(new TextDecoder().decode(bytes))
            : decodeTraceRequest(bytes),
        )
        expect(text).toContain('"key":"gen_ai.request.model","value":{"stringValue":"m"}')
        expect(text).toContain('"traceId":"4bf92f3577b34da6a3ce929d0e0e4736"')
      } finally {
        await started.tracing.shutdown()
        await receiver.stop(true)
      }
    })
  }

  test('an OTLP protocol this gateway does not speak stops start-up with the variable named', () => {
    expect(() =>
      loadConfig({
        ...base,
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4317',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      }),
    ).toThrow('OTEL_EXPORTER_OTLP_PROTOCOL="grpc"')
  })
})
