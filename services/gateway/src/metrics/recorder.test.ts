import { describe, expect, test } from 'bun:test'
import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { ForwardOutcome } from '../proxy/forward.ts'
import { createUpstreamRegistry } from '../upstream/registry.ts'
import { KNOWN_REASONS, METRIC_DEFINITIONS } from './definitions.ts'
import { createMetricsRecorder, type MetricsRecorder } from './recorder.ts'

const outcome = (overrides: Partial<ForwardOutcome>): ForwardOutcome => ({
  status: 200,
  model: 'm1',
  upstream: 'http://u1',
  usage: { prompt_tokens: 10, completion_tokens: 6, total_tokens: 16 },
  ttftMs: undefined,
  finishReasons: ['stop'],
  streamOutcome: undefined,
  contentChunks: 0,
  attempts: 1,
  upstreamMs: 40,
  ...overrides,
})

/**
 * The recorder as it was on prom-client's own Counter and Histogram, every update hashing its labels: the reference
 * the accumulating recorder must match sample for sample.
 */
function promClientRecorder() {
  const registry = new Registry()
  const m: Record<string, Counter | Gauge | Histogram> = {}
  const constructors = { counter: Counter, gauge: Gauge, histogram: Histogram } as const
  for (const [key, definition] of Object.entries(METRIC_DEFINITIONS)) {
    const Metric = constructors[definition.type]
    m[key] = new Metric({
      name: definition.name,
      help: definition.help,
      labelNames: [...definition.labelNames],
      ...('buckets' in definition ? { buckets: [...definition.buckets] } : {}),
      registers: [registry],
    })
  }
  const counter = (key: string) => m[key] as Counter
  const histogram = (key: string) => m[key] as Histogram
  for (const [key, reasons] of Object.entries(KNOWN_REASONS)) {
    for (const reason of reasons) counter(key).inc({ reason }, 0)
  }
  const recorder: Pick<
    MetricsRecorder,
    'recordOutcome' | 'recordError' | 'recordTokenGap' | 'recordUpstreamResult'
  > & { queueWait: (waitedMs: number) => void } = {
    recordOutcome(route, o, durationMs) {
      const model = o.model
      const status = o.streamOutcome === 'client_aborted' ? '499' : String(o.status)
      counter('requests').inc({ route, model, status })
      histogram('requestDuration').observe({ route, model }, durationMs / 1000)
      if (o.ttftMs !== undefined) histogram('timeToFirstToken').observe({ model }, o.ttftMs / 1000)
      const prompt = o.usage?.prompt_tokens ?? 0
      const completion = o.usage?.completion_tokens ?? o.contentChunks
      if (prompt > 0) counter('promptTokens').inc({ model }, prompt)
      if (completion > 0) counter('completionTokens').inc({ model }, completion)
      histogram('overhead').observe(Math.max(0, durationMs - o.upstreamMs) / 1000)
    },
    recordError(route, model, status) {
      counter('requests').inc({ route, model, status: String(status) })
    },
    recordTokenGap(model, gapMs) {
      histogram('interTokenLatency').observe({ model }, gapMs / 1000)
    },
    queueWait(waitedMs) {
      histogram('queueWait').observe(waitedMs / 1000)
    },
    recordUpstreamResult(upstream, ok) {
      counter('upstreamRequests').inc({ upstream, outcome: ok ? 'ok' : 'error' })
    },
  }
  return { registry, recorder }
}

/** Streams, plain answers, aborts, errors, two routes, two models, two upstreams, in an interleaved order. */
function replay(recorder: ReturnType<typeof promClientRecorder>['recorder']) {
  recorder.queueWait(0)
  recorder.recordError('chat', 'unknown', 404)
  recorder.recordUpstreamResult('http://u1', true)
  recorder.recordOutcome('chat', outcome({}), 45.5)
  recorder.recordTokenGap('m2', 12)
  recorder.recordTokenGap('m2', 3)
  recorder.recordTokenGap('m1', 70000)
  recorder.queueWait(130)
  recorder.recordUpstreamResult('http://u2', false)
  recorder.recordOutcome(
    'chat',
    outcome({ model: 'm2', ttftMs: 80, usage: undefined, contentChunks: 7 }),
    900,
  )
  recorder.recordOutcome('chat', outcome({ model: 'm2', streamOutcome: 'client_aborted', ttftMs: 5 }), 12)
  recorder.recordOutcome('completions', outcome({ status: 502, usage: undefined, upstreamMs: 100 }), 90)
  recorder.recordError('chat', 'm1', 429)
  recorder.recordOutcome('chat', outcome({}), 1234567)
  recorder.recordUpstreamResult('http://u1', false)
  recorder.recordUpstreamResult('http://u1', true)
}

describe('MetricsRecorder', () => {
  test('renders exactly what prom-client did for the same requests, streams and errors', async () => {
    const reference = promClientRecorder()
    const ours = createMetricsRecorder({ defaultMetrics: false })
    replay(reference.recorder)
    // deps.ts reports the queue wait straight to the histogram, in prom-client's unlabelled form.
    replay({ ...ours, queueWait: (waitedMs) => ours.metrics.queueWait.observe(waitedMs / 1000) })

    const text = await ours.render()
    expect(text).toBe(await reference.registry.metrics())
    expect(text).toContain('infergate_requests_total{route="chat",model="m2",status="499"} 1')
    expect(await ours.registry.getMetricsAsJSON()).toStrictEqual(await reference.registry.getMetricsAsJSON())
  })

  test('refreshes the live gauges from the watched state at render time', async () => {
    const recorder = createMetricsRecorder({ defaultMetrics: false })
    const registry = createUpstreamRegistry(['http://u1'])
    recorder.watch({
      registry,
      activeRequests: () => 3,
      openStreams: () => 2,
      breakerState: () => 2,
      queueDepth: () => 4,
      flushLagSeconds: () => 1.5,
      upstreamConnections: (url) => (url === 'http://u1' ? { open: 5, idle: 3 } : undefined),
    })
    const text = await recorder.render()
    expect(text).toContain('infergate_upstream_connections{upstream="http://u1",state="open"} 5')
    expect(text).toContain('infergate_upstream_connections{upstream="http://u1",state="idle"} 3')
    expect(text).toContain('infergate_active_requests 3')
    expect(text).toContain('infergate_open_streams 2')
    expect(text).toContain('infergate_queue_depth 4')
    expect(text).toContain('infergate_quota_flush_lag_seconds 1.5')
    expect(text).toContain('infergate_circuit_breaker_state{upstream="http://u1"} 2')
  })
})
