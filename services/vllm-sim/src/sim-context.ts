/** @module Everything a route needs, built once by createSimServer and passed in (no module singletons). */
import type { SimOptions } from './config.ts'
import type { Engine } from './engine/engine.ts'
import type { LatencyConfig } from './latency-model.ts'
import type { SimMetrics } from './metrics.ts'
import type { RequestLog } from './request-log.ts'
import type { VllmLog } from './vllm-log.ts'

export interface SimContext {
  options: SimOptions
  latency: LatencyConfig
  engine: Engine
  metrics: SimMetrics
  requests: RequestLog
  log: VllmLog
  /** Uniform [0, 1) draws for jitter and failure injection. */
  random: () => number
  /** Monotonic milliseconds. */
  now: () => number
  /** Wall-clock seconds for `created` fields. */
  epochSeconds: () => number
}
