/**
 * @module Entry point of one gateway worker thread (GATEWAY_WORKERS > 1): like main.ts, a file with side effects.
 * It serves the shared port, decides GCRA on the shared buffer, asks the main thread for quota reservations and
 * usage reads when there is no Redis, and answers /metrics with the whole process's registries, aggregated by the
 * main thread.
 */
import { createLogger, flushLogger, type Logger } from '@infergate/logger'
import { type FromWorker, isMessage, type ToWorker } from './cluster/messages.ts'
import { createOwnerClient } from './cluster/owner-rpc.ts'
import { loadConfig } from './config.ts'
import { createMetricsRecorder } from './metrics/recorder.ts'
import { type RunningGateway, startGateway } from './server.ts'
import { createSharedMemoryLimiterStore } from './store/shared-memory-limiter-store.ts'

/** Gauges that describe one shared state (not a count per worker): the process reports the worst worker's. */
const STATE_GAUGES = new Set([
  'infergate_upstream_healthy',
  'infergate_circuit_breaker_state',
  'infergate_quota_flush_lag_seconds',
  'infergate_limiter_degraded',
])

declare const self: Worker
const send = (message: FromWorker) => self.postMessage(message)
const owner = createOwnerClient(self)
const metricsWaiters = new Map<number, (text: string) => void>()
let nextMetricsId = 1
let gateway: RunningGateway | undefined
let log: Logger | undefined
const recorder = createMetricsRecorder()
const renderLocal = recorder.render

async function init(message: Extract<ToWorker, { type: 'init' }>): Promise<void> {
  const config = loadConfig(message.env)
  const metrics = {
    ...recorder,
    // A scrape reaches one worker; the main thread gathers every worker's samples into one answer.
    render: () =>
      new Promise<string>((resolve) => {
        const id = nextMetricsId++
        metricsWaiters.set(id, resolve)
        send({ type: 'metrics-request', id })
      }),
  }
  log = createLogger({ service: 'gateway', level: config.logLevel })
  gateway = await startGateway(config, {
    log,
    metrics,
    breakerBuffer: message.breakerBuffer,
    ...(message.useOwner
      ? {
          limiter: createSharedMemoryLimiterStore({
            buffer: message.limiterBuffer,
            slots: message.limiterSlots,
          }),
          quota: owner.quota,
          usageView: owner.view,
        }
      : {}),
  })
  send({ type: 'ready', url: gateway.url })
}

self.onmessage = (event: MessageEvent) => {
  const message: unknown = event.data
  if (owner.receive(message) || !isMessage<ToWorker>(message)) return
  switch (message.type) {
    case 'init':
      init(message).catch((error: unknown) => send({ type: 'failed', error: String(error) }))
      return
    case 'metrics-collect':
      void renderLocal().then(async () => {
        const json = (await recorder.registry.getMetricsAsJSON()).map((metric) =>
          STATE_GAUGES.has(metric.name) ? { ...metric, aggregator: 'max' } : metric,
        )
        send({ type: 'metrics-json', id: message.id, json })
      })
      return
    case 'metrics-text':
      metricsWaiters.get(message.id)?.(message.text)
      metricsWaiters.delete(message.id)
      return
    case 'shutdown':
      void (gateway?.shutdown() ?? Promise.resolve({ drained: true })).then(({ drained }) => {
        // The main thread ends this worker once told; its buffered log lines go out first.
        if (log) flushLogger(log)
        send({ type: 'stopped', drained })
      })
  }
}
