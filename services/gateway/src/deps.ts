/** @module Builds the gateway's collaborators from its configuration; tests pass overrides, main passes none. */
import { createLogger, type Logger } from '@infergate/logger'
import type { GatewayConfig } from './config.ts'
import { createKeyRing, type KeyRing } from './core/api-key.ts'
import { createLifecycle, type Lifecycle } from './lifecycle.ts'
import { createMetricsRecorder, type MetricsRecorder } from './metrics/recorder.ts'
import { createForwarder, type Forwarder } from './proxy/forward.ts'
import { createProxyService, type ProxyService } from './proxy/proxy-service.ts'
import { createDiscovery, type Discovery } from './upstream/discovery.ts'
import { createUpstreamRegistry, type UpstreamRegistry } from './upstream/registry.ts'

export interface GatewayDeps {
  config: GatewayConfig
  log: Logger
  keyRing: KeyRing
  registry: UpstreamRegistry
  discovery: Discovery
  forwarder: Forwarder
  proxy: ProxyService
  lifecycle: Lifecycle
  metrics: MetricsRecorder
}

export interface DepsOverrides {
  log?: Logger
  metrics?: MetricsRecorder
}

export function createDeps(config: GatewayConfig, overrides: DepsOverrides = {}): GatewayDeps {
  const log = overrides.log ?? createLogger({ service: 'gateway', level: config.logLevel })
  const registry = createUpstreamRegistry(config.upstreamUrls)
  const lifecycle = createLifecycle()
  const metrics = overrides.metrics ?? createMetricsRecorder()
  const forwarder = createForwarder({
    registry,
    upstreamApiKey: config.upstreamApiKey,
    modelAliases: config.modelAliases,
    upstreamTimeoutMs: config.upstreamTimeoutMs,
    streamIdleTimeoutMs: config.streamIdleTimeoutMs,
    retries: config.upstreamRetries,
    retryBackoffMs: config.retryBackoffMs,
    log,
    onUpstreamResult: (upstream, ok) => metrics.recordUpstreamResult(upstream.url, ok),
    onTokenGap: (model, gapMs) => metrics.recordTokenGap(model, gapMs),
  })
  const proxy = createProxyService({
    forwarder,
    lifecycle,
    log,
    logRequests: config.logRequests,
    onOutcome: (outcome, context, durationMs) => metrics.recordOutcome(context.route, outcome, durationMs),
  })
  metrics.watch({ registry, activeRequests: () => lifecycle.inFlight, openStreams: () => proxy.openStreams })
  return {
    config,
    log,
    // Keys are digested here and the raw list is not kept anywhere else.
    keyRing: createKeyRing(config.apiKeys),
    registry,
    discovery: createDiscovery({
      registry,
      upstreamApiKey: config.upstreamApiKey,
      intervalMs: config.discoveryIntervalMs,
      timeoutMs: config.healthTimeoutMs,
      log,
    }),
    forwarder,
    proxy,
    lifecycle,
    metrics,
  }
}
