import { describe, expect, test } from 'bun:test'
import { loadConfig } from '../config.ts'
import { startConfiguredTracing } from './start-tracing.ts'

const base = { GATEWAY_API_KEYS: 'k', VLLM_URL: 'http://127.0.0.1:1' }

describe('startConfiguredTracing', () => {
  test('tracing off: nothing is started', async () => {
    expect(await startConfiguredTracing(loadConfig(base))).toBeUndefined()
  })

  test('tracing on: a request tracer whose kept spans reach the OTLP endpoint', async () => {
    const bodies: string[] = []
    const receiver = Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      fetch: async (request) => {
        bodies.push(await request.text())
        return Response.json({})
      },
    })
    const config = loadConfig({
      ...base,
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
      expect(bodies.join()).toContain('"gen_ai.request.model","value":{"stringValue":"m"}')
      expect(bodies.join()).toContain('"traceId":"4bf92f3577b34da6a3ce929d0e0e4736"')
    } finally {
      await started.tracing.shutdown()
      await receiver.stop(true)
    }
  })
})
