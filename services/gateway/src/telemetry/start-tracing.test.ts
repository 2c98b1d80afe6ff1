import { describe, expect, test } from 'bun:test'
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace'
import { loadConfig } from '../config.ts'
import { startConfiguredTracing } from './start-tracing.ts'

const base = { GATEWAY_API_KEYS: 'k', VLLM_URL: 'http://127.0.0.1:1' }

describe('startConfiguredTracing', () => {
  test('tracing off: nothing is started', async () => {
    expect(await startConfiguredTracing(loadConfig(base))).toBeUndefined()
  })

  test('tracing on: a request tracer whose kept spans reach the exporter', async () => {
    const exporter = new InMemorySpanExporter()
    const config = loadConfig({
      ...base,
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1',
      OTEL_TRACES_SAMPLER_ARG: '1',
    })
    const started = await startConfiguredTracing(config, exporter)
    if (!started) throw new Error('tracing did not start')
    const request = started.tracer.start({
      endpoint: 'chat',
      route: '/v1/chat/completions',
      requestId: 'r1',
      body: { model: 'm' },
      incoming: undefined,
      startedAt: performance.now(),
    })
    request.fail(400, 'bad request')
    await started.tracing.flush()
    expect(exporter.getFinishedSpans().map((span) => span.attributes['gen_ai.request.model'])).toContain('m')
    await started.tracing.shutdown()
  })
})
