/**
 * @module Every gateway metric as data: name, help, type, labels, buckets. One loop registers them all. Labels stay
 * low-cardinality: never a key, an IP or a request id; `model` only takes ids the upstreams serve.
 */
import type { Metric as PromMetric, Registry } from 'prom-client'
import Counter from 'prom-client/lib/counter'
import Gauge from 'prom-client/lib/gauge'
import Histogram from 'prom-client/lib/histogram'
import { FastCounter, FastHistogram } from './accumulators.ts'

/** 5 ms to 30 s: resolves a fast first token on a warm vLLM as well as a long prefill on a busy one. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 30]
/** 0.05 ms to 50 ms: the gateway's own share of a request. */
const OVERHEAD_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05]
const DURATION_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600]

interface Definition {
  /** Updated on every request or stream chunk: accumulated by ./accumulators.ts instead of prom-client. */
  hot?: true
  type: 'counter' | 'gauge' | 'histogram'
  name: string
  help: string
  labelNames: readonly string[]
  buckets?: readonly number[]
}

export const METRIC_DEFINITIONS = {
  requests: {
    hot: true,
    type: 'counter',
    name: 'infergate_requests_total',
    help: 'Requests answered, by route, model and HTTP status.',
    labelNames: ['route', 'model', 'status'],
  },
  requestDuration: {
    hot: true,
    type: 'histogram',
    name: 'infergate_request_duration_seconds',
    help: 'Request duration to the last byte, streams included.',
    labelNames: ['route', 'model'],
    buckets: DURATION_BUCKETS,
  },
  timeToFirstToken: {
    hot: true,
    type: 'histogram',
    name: 'infergate_time_to_first_token_seconds',
    help: 'Time from request arrival to the first content token of a stream.',
    labelNames: ['model'],
    buckets: LATENCY_BUCKETS,
  },
  interTokenLatency: {
    hot: true,
    type: 'histogram',
    name: 'infergate_inter_token_latency_seconds',
    help: 'Gap between consecutive content chunks of a stream.',
    labelNames: ['model'],
    buckets: LATENCY_BUCKETS,
  },
  promptTokens: {
    hot: true,
    type: 'counter',
    name: 'infergate_prompt_tokens_total',
    help: 'Prompt tokens, as reported by the upstream.',
    labelNames: ['model'],
  },
  completionTokens: {
    hot: true,
    type: 'counter',
    name: 'infergate_completion_tokens_total',
    help: 'Completion tokens, as reported by the upstream (or counted chunks of an aborted stream).',
    labelNames: ['model'],
  },
  activeRequests: {
    type: 'gauge',
    name: 'infergate_active_requests',
    help: 'Requests in flight, open streams included.',
    labelNames: [],
  },
  openStreams: {
    type: 'gauge',
    name: 'infergate_open_streams',
    help: 'SSE streams being relayed.',
    labelNames: [],
  },
  upstreamHealthy: {
    type: 'gauge',
    name: 'infergate_upstream_healthy',
    help: '1 when the upstream passed its last health check.',
    labelNames: ['upstream'],
  },
  upstreamInFlight: {
    type: 'gauge',
    name: 'infergate_upstream_in_flight',
    help: 'Requests in flight to the upstream.',
    labelNames: ['upstream'],
  },
  upstreamConnections: {
    type: 'gauge',
    name: 'infergate_upstream_connections',
    help: "Connections the gateway's HTTP/1.1 pool holds to the upstream, by state (open counts idle ones too).",
    labelNames: ['upstream', 'state'],
  },
  breakerState: {
    type: 'gauge',
    name: 'infergate_circuit_breaker_state',
    help: 'Circuit breaker state per upstream: 0 closed, 1 half-open, 2 open.',
    labelNames: ['upstream'],
  },
  upstreamRequests: {
    hot: true,
    type: 'counter',
    name: 'infergate_upstream_requests_total',
    help: 'Upstream exchanges by outcome (ok, error).',
    labelNames: ['upstream', 'outcome'],
  },
  rateLimitRejections: {
    type: 'counter',
    name: 'infergate_rate_limit_rejections_total',
    help: 'Requests refused by a rate limit, by limit.',
    labelNames: ['reason'],
  },
  quotaRejections: {
    type: 'counter',
    name: 'infergate_quota_rejections_total',
    help: 'Requests refused by the daily token quota.',
    labelNames: ['reason'],
  },
  queueDepth: {
    type: 'gauge',
    name: 'infergate_queue_depth',
    help: 'Requests waiting for an upstream slot.',
    labelNames: [],
  },
  queueWait: {
    hot: true,
    type: 'histogram',
    name: 'infergate_queue_wait_seconds',
    help: 'Time spent waiting for an upstream slot.',
    labelNames: [],
    buckets: LATENCY_BUCKETS,
  },
  queueRejections: {
    type: 'counter',
    name: 'infergate_queue_rejections_total',
    help: 'Requests refused by the admission queue (full, timeout).',
    labelNames: ['reason'],
  },
  quotaFlushDuration: {
    type: 'histogram',
    name: 'infergate_quota_flush_duration_seconds',
    help: 'Duration of a usage flush to the database.',
    labelNames: [],
    buckets: LATENCY_BUCKETS,
  },
  quotaFlushFailures: {
    type: 'counter',
    name: 'infergate_quota_flush_failures_total',
    help: 'Usage flushes that failed (data kept in memory and retried).',
    labelNames: [],
  },
  quotaFlushLag: {
    type: 'gauge',
    name: 'infergate_quota_flush_lag_seconds',
    help: 'Age of the oldest usage not yet written to the database.',
    labelNames: [],
  },
  overhead: {
    hot: true,
    type: 'histogram',
    name: 'infergate_overhead_seconds',
    help: 'Time spent in the gateway itself: request duration minus the upstream exchange.',
    labelNames: [],
    buckets: OVERHEAD_BUCKETS,
  },
  limiterDegraded: {
    type: 'gauge',
    name: 'infergate_limiter_degraded',
    help: '1 while the shared limiter store is unreachable and local limits apply.',
    labelNames: [],
  },
} as const satisfies Record<string, Definition>

type Defs = typeof METRIC_DEFINITIONS
type Labels<K extends keyof Defs> = Defs[K]['labelNames'][number]
export type GatewayMetrics = {
  [K in keyof Defs]: Defs[K] extends { hot: true }
    ? Defs[K]['type'] extends 'counter'
      ? FastCounter<Labels<K>>
      : FastHistogram<Labels<K>>
    : Defs[K]['type'] extends 'counter'
      ? Counter<Labels<K>>
      : Defs[K]['type'] extends 'gauge'
        ? Gauge<Labels<K>>
        : Histogram<Labels<K>>
}

/**
 * Label values known in advance, exposed at 0 from the start: a counter that appears only after its first
 * increment leaves dashboards blank and makes rate() miss the first event.
 */
export const KNOWN_REASONS = {
  rateLimitRejections: ['ip_rps', 'key_rpm', 'key_tpm'],
  quotaRejections: ['daily_tokens'],
  queueRejections: ['queue_full', 'timeout', 'aborted'],
} as const

const CONSTRUCTORS = { counter: Counter, gauge: Gauge, histogram: Histogram } as const

function registerHot(registry: Registry, definition: Definition): FastCounter | FastHistogram {
  const config = { name: definition.name, help: definition.help, labelNames: definition.labelNames }
  let metric: FastCounter | FastHistogram
  if (definition.type === 'counter') metric = new FastCounter(config)
  else if (definition.type === 'histogram' && definition.buckets)
    metric = new FastHistogram({ ...config, buckets: definition.buckets })
  else throw new Error(`${definition.name}: only counters and histograms with buckets can be hot`)
  // The registry only reads name, type, get() and getForPromString(); these produce prom-client's own shapes.
  registry.registerMetric(metric as unknown as PromMetric)
  return metric
}

/** Registers every definition in `registry` and returns typed handles. */
export function createMetrics(registry: Registry): GatewayMetrics {
  const out: Record<string, unknown> = {}
  for (const [key, definition] of Object.entries(METRIC_DEFINITIONS) as [string, Definition][]) {
    if (definition.hot) {
      out[key] = registerHot(registry, definition)
      continue
    }
    const Metric = CONSTRUCTORS[definition.type]
    out[key] = new Metric({
      name: definition.name,
      help: definition.help,
      labelNames: [...definition.labelNames],
      ...(definition.buckets ? { buckets: [...definition.buckets] } : {}),
      registers: [registry],
    })
  }
  const metrics = out as GatewayMetrics
  for (const [key, reasons] of Object.entries(KNOWN_REASONS) as [
    keyof typeof KNOWN_REASONS,
    readonly string[],
  ][]) {
    for (const reason of reasons) metrics[key].inc({ reason }, 0)
  }
  return metrics
}
