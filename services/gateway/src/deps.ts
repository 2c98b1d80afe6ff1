/** @module Builds the gateway's collaborators from its configuration; tests pass overrides, main passes none. */
import { createLogger, type Logger } from '@infergate/logger'
import type { Tracing } from '@infergate/telemetry'
import type { GatewayConfig } from './config.ts'
import { type AdmissionQueue, createAdmissionQueue } from './core/admission-queue.ts'
import { createKeyRing, digestKey, type KeyRing } from './core/api-key.ts'
import { type BreakerRegistry, createBreakerRegistry } from './core/circuit-breaker.ts'
import { type Clock, systemClock, systemTimers } from './core/clock.ts'
import { createMemoryLimiterStore, type LimiterStore } from './core/limiter-store.ts'
import { createQuotaLedger, type QuotaLedger, utcDay } from './core/quota.ts'
import type { QuotaGate } from './core/quota-gate.ts'
import { createLedgerUsageView, type UsageView } from './core/usage-view.ts'
import { createLifecycle, type Lifecycle } from './lifecycle.ts'
import { createMetricsRecorder, type MetricsRecorder } from './metrics/recorder.ts'
import { createAdmission } from './proxy/admission.ts'
import { createForwarder, type Forwarder } from './proxy/forward.ts'
import { createProxyService, type ProxyService } from './proxy/proxy-service.ts'
import { type OpenedUsageStore, openUsageStore } from './store/open-usage-store.ts'
import { createRedisUsageView } from './store/redis-usage-view.ts'
import { createSharedState, type SharedState } from './store/shared-state.ts'
import { createUsageFlusher, type UsageFlusher } from './store/usage-flusher.ts'
import type { UsageStore } from './store/usage-store.ts'
import type { ConfiguredTracing } from './telemetry/start-tracing.ts'
import { createDiscovery, type Discovery } from './upstream/discovery.ts'
import { createHttp1Transport, type UpstreamTransport } from './upstream/http1-transport.ts'
import { createUpstreamRegistry, type UpstreamRegistry } from './upstream/registry.ts'

export interface GatewayDeps {
  config: GatewayConfig
  log: Logger
  clock: Clock
  keyRing: KeyRing
  adminKeyDigest: string | undefined
  registry: UpstreamRegistry
  discovery: Discovery
  breakers: BreakerRegistry
  limiter: LimiterStore
  queue: AdmissionQueue | undefined
  ledger: QuotaLedger
  /** Redis link and its stores when REDIS_URL is set. */
  shared: SharedState | undefined
  usageStore: UsageStore
  /** What /v1/usage and /admin/status report, read where the quota lives (this ledger, the owner, Redis). */
  usageView: UsageView
  /** Loads today's usage from the store into the ledger; call once before serving. */
  restoreUsage(): Promise<void>
  flusher: UsageFlusher
  forwarder: Forwarder
  proxy: ProxyService
  lifecycle: Lifecycle
  metrics: MetricsRecorder
  tracing: Tracing | undefined
  /** Stops timers, exports the last spans and closes the database; call after the final flush. */
  close(): Promise<void>
}

export interface DepsOverrides {
  log?: Logger
  metrics?: MetricsRecorder
  clock?: Clock
  /** Started by the caller (startGateway), which may load OpenTelemetry asynchronously; absent, no traces. */
  tracing?: ConfiguredTracing
  /** Worker threads: the breaker state every worker shares (GATEWAY_WORKERS). */
  breakerBuffer?: SharedArrayBuffer
  /** Worker threads: the shared-memory limiter store, and the owner thread's quota and usage over the channel. */
  limiter?: LimiterStore
  quota?: QuotaGate
  usageView?: UsageView
  /** How requests reach upstreams (benches pass a stubbed fetch); the gateway's HTTP/1.1 pool when absent. */
  transport?: UpstreamTransport
}

/** Expired limiter entries carry no state; sweeping them keeps memory bounded under many distinct clients. */
const LIMITER_SWEEP_MS = 10_000

export function createDeps(config: GatewayConfig, overrides: DepsOverrides = {}): GatewayDeps {
  const log = overrides.log ?? createLogger({ service: 'gateway', level: config.logLevel })
  const clock = overrides.clock ?? systemClock
  const metrics = overrides.metrics ?? createMetricsRecorder()
  const registry = createUpstreamRegistry(config.upstreamUrls)
  const lifecycle = createLifecycle()
  const breakers = createBreakerRegistry(
    config.upstreamUrls,
    { failureThreshold: config.breakerFailureThreshold, cooldownMs: config.breakerCooldownMs },
    overrides.breakerBuffer,
  )
  registry.setAvailabilityCheck((upstream) => breakers.get(upstream.index).isAvailable(clock.nowMs()))
  const localLimiter = createMemoryLimiterStore()
  const sweeper = setInterval(() => void localLimiter.evictExpired(clock.nowUs()), LIMITER_SWEEP_MS)
  sweeper.unref()

  const opened: OpenedUsageStore = openUsageStore(config)
  const usageStore = opened.store
  const quotaOverrides = new Map<string, number>()
  for (const policy of config.apiKeys) {
    if (policy.quota !== undefined) quotaOverrides.set(digestKey(policy.key), policy.quota)
  }
  const ledger = createQuotaLedger({
    // Usage is always recorded; without a quota nobody is ever refused.
    dailyQuota: config.dailyTokenQuota > 0 ? config.dailyTokenQuota : Number.POSITIVE_INFINITY,
    overrides: quotaOverrides,
    defaultReserve: config.quotaDefaultReserve,
    hardCap: config.quotaHardCap,
    prices: config.modelPrices,
  })
  const quotaOf = (keyHash: string) =>
    quotaOverrides.get(keyHash) ??
    (config.dailyTokenQuota > 0 ? config.dailyTokenQuota : Number.POSITIVE_INFINITY)
  // A worker thread given the owner's stores does not talk to Redis itself.
  const shared =
    config.redis && !overrides.limiter
      ? createSharedState({
          redis: config.redis,
          failMode: config.limiterFailMode,
          localLimiter,
          ledger,
          quotaOf,
          defaultReserve: config.quotaDefaultReserve,
          hardCap: config.quotaHardCap,
          onStateChange(degraded, reason) {
            metrics.metrics.limiterDegraded.set(degraded ? 1 : 0)
            if (degraded)
              log.warn(
                { reason, failMode: config.limiterFailMode },
                config.limiterFailMode === 'open'
                  ? 'redis unreachable: local limits and quotas apply until it answers again'
                  : 'redis unreachable: refusing limited requests (LIMITER_FAIL_MODE=closed) until it answers again',
              )
            else log.info({ reason }, 'redis is back: shared limits and quotas apply again')
          },
          onSettleError: (error) => log.warn({ err: error }, 'quota settlement not sent to redis'),
        })
      : undefined
  const limiter: LimiterStore = overrides.limiter ?? shared?.limiter ?? localLimiter
  const flusher = createUsageFlusher({
    ledger,
    store: usageStore,
    clock,
    timers: systemTimers,
    intervalMs: config.quotaFlushMs,
    onFlush(report) {
      metrics.metrics.quotaFlushDuration.observe(report.durationMs / 1000)
      if (!report.ok) {
        metrics.metrics.quotaFlushFailures.inc()
        log.error(
          { err: report.error, rows: report.rows },
          'usage flush failed; kept in memory, retrying next interval',
        )
      }
    },
  })
  const usageView =
    overrides.usageView ??
    (shared
      ? createRedisUsageView({
          quota: shared.quota,
          ledger,
          store: usageStore,
          flusher,
          quotaOf,
          onStoreError: (error) =>
            log.warn({ err: error }, 'usage store unreadable; /v1/usage shows local usage'),
        })
      : createLedgerUsageView(ledger, () => flusher.status()))
  const queue =
    config.maxConcurrentRequests > 0
      ? createAdmissionQueue({
          maxConcurrent: config.maxConcurrentRequests,
          maxQueue: config.maxQueue,
          queueTimeoutMs: config.queueTimeoutMs,
          clock,
          timers: systemTimers,
        })
      : undefined
  const admission = createAdmission({
    limiter,
    ledger: overrides.quota ?? shared?.quota ?? ledger,
    queue,
    clock,
    keyRpm: config.keyRpm,
    keyTpm: config.keyTpm,
    hardCap: config.quotaHardCap,
    defaultReserve: config.quotaDefaultReserve,
    onRejected(kind, reason) {
      if (kind === 'rate_limit') metrics.metrics.rateLimitRejections.inc({ reason })
      else if (kind === 'quota') metrics.metrics.quotaRejections.inc({ reason })
      else metrics.metrics.queueRejections.inc({ reason })
    },
    onQueued: (waitedMs) => metrics.metrics.queueWait.observe(waitedMs / 1000),
  })
  const http1 = overrides.transport || config.upstreamHttpProxy ? undefined : createHttp1Transport()
  const forwarder = createForwarder({
    registry,
    upstreamApiKey: config.upstreamApiKey,
    modelAliases: config.modelAliases,
    upstreamTimeoutMs: config.upstreamTimeoutMs,
    streamIdleTimeoutMs: config.streamIdleTimeoutMs,
    retries: config.upstreamRetries,
    retryBackoffMs: config.retryBackoffMs,
    log,
    breakers,
    onUpstreamResult: (upstream, ok) => metrics.recordUpstreamResult(upstream.url, ok),
    onTokenGap: (model, gapMs) => metrics.recordTokenGap(model, gapMs),
    transport: overrides.transport ?? http1?.request,
  })
  const tracing = overrides.tracing?.tracing
  const proxy = createProxyService({
    forwarder,
    admission,
    tracer: overrides.tracing?.tracer,
    lifecycle,
    log,
    logRequests: config.logRequests,
    onOutcome: (outcome, context, durationMs) => metrics.recordOutcome(context.route, outcome, durationMs),
  })
  const breakerCodes = { closed: 0, half_open: 1, open: 2 } as const
  metrics.watch({
    registry,
    activeRequests: () => lifecycle.inFlight,
    openStreams: () => proxy.openStreams,
    breakerState: (index) => breakerCodes[breakers.get(index).snapshot(clock.nowMs()).state],
    queueDepth: () => queue?.stats().queued ?? 0,
    flushLagSeconds: () => flusher.status().lagMs / 1000,
    upstreamConnections: http1 ? (url) => http1.statsFor(url) : undefined,
  })

  return {
    config,
    log,
    clock,
    // Keys are digested here and the raw list is not kept anywhere else.
    keyRing: createKeyRing(config.apiKeys),
    adminKeyDigest: config.adminApiKey ? digestKey(config.adminApiKey) : undefined,
    registry,
    discovery: createDiscovery({
      registry,
      upstreamApiKey: config.upstreamApiKey,
      intervalMs: config.discoveryIntervalMs,
      timeoutMs: config.healthTimeoutMs,
      log,
    }),
    breakers,
    limiter,
    queue,
    ledger,
    shared,
    usageStore,
    usageView,
    async restoreUsage() {
      ledger.restore(await usageStore.loadDay(utcDay(clock.nowMs())), clock.nowMs())
    },
    flusher,
    forwarder,
    proxy,
    lifecycle,
    metrics,
    tracing,
    async close() {
      clearInterval(sweeper)
      http1?.close()
      shared?.close()
      await opened.close()
      await tracing?.shutdown()
    },
  }
}
