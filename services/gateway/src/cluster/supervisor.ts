/**
 * @module GATEWAY_WORKERS=N: the main thread starts N worker threads on one port (reusePort) and is their owner:
 * it allocates the shared breaker and (without Redis) GCRA buffers every worker decides on in place, holds the
 * quota ledger when there is no Redis (and flushes the usage, once), aggregates /metrics across workers, and
 * drains them all on shutdown.
 */
import { createServer } from 'node:net'
import type { EnvSource } from '@infergate/config'
import type { Logger } from '@infergate/logger'
import AggregatorRegistry from 'prom-client/lib/cluster'
import type { GatewayConfig } from '../config.ts'
import { createDeps, type GatewayDeps } from '../deps.ts'
import { sharedLimiterBytes } from '../store/shared-memory-limiter-store.ts'
import { type FromWorker, isMessage, type ToWorker } from './messages.ts'
import { createOwner, isOwnerBatch } from './owner-rpc.ts'

export interface Cluster {
  url: string
  workers: number
  deps: GatewayDeps
  /** Drains every worker (each finishes its in-flight requests), then flushes usage and closes the stores. */
  shutdown(): Promise<{ drained: boolean }>
}

const WORKER_URL = new URL('../worker.ts', import.meta.url)
/** Live GCRA keys the workers can share without Redis (10 MB); beyond it the soonest-rested key is replaced. */
const LIMITER_SLOTS = 1 << 19

function freeLoopbackPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, host, () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

export async function startCluster(config: GatewayConfig, env: EnvSource, log: Logger): Promise<Cluster> {
  // The owner's own collaborators: never listening, but their stores are the ones every worker uses.
  const deps = createDeps(config, { log })
  await deps.restoreUsage()
  const useOwner = config.redis === undefined
  if (useOwner) deps.flusher.start()
  const owner = createOwner({ quota: deps.ledger, view: deps.usageView })
  const limiterBuffer = new SharedArrayBuffer(useOwner ? sharedLimiterBytes(LIMITER_SLOTS) : 8)
  // Workers must share one port: port 0 would give each its own, so one is chosen here.
  const port = config.port === 0 ? await freeLoopbackPort(config.host) : config.port
  const workerEnv = { ...env, PORT: String(port) }
  const workers: Worker[] = []
  const metricsJobs = new Map<number, { parts: unknown[][]; reply: Worker; id: number }>()
  let nextJob = 1

  const post = (worker: Worker, message: ToWorker) => worker.postMessage(message)
  const finishJob = (jobId: number) => {
    const job = metricsJobs.get(jobId)
    if (!job || job.parts.length < workers.length) return
    metricsJobs.delete(jobId)
    const aggregated = AggregatorRegistry.aggregate(
      job.parts as Parameters<typeof AggregatorRegistry.aggregate>[0],
    )
    void aggregated.metrics().then((text) => post(job.reply, { type: 'metrics-text', id: job.id, text }))
  }

  const started = Array.from({ length: config.workers }, () => {
    const worker = new Worker(WORKER_URL)
    workers.push(worker)
    return new Promise<string>((resolve, reject) => {
      worker.onmessage = (event: MessageEvent) => {
        const message: unknown = event.data
        if (isOwnerBatch(message)) {
          void owner.answer(message, worker)
          return
        }
        if (!isMessage<FromWorker>(message)) return
        if (message.type === 'ready') resolve(message.url)
        else if (message.type === 'failed') reject(new Error(message.error))
        else if (message.type === 'metrics-request') {
          const jobId = nextJob++
          metricsJobs.set(jobId, { parts: [], reply: worker, id: message.id })
          for (const each of workers) post(each, { type: 'metrics-collect', id: jobId })
        } else if (message.type === 'metrics-json') {
          metricsJobs.get(message.id)?.parts.push(message.json)
          finishJob(message.id)
        }
      }
      worker.onerror = (event) => reject(new Error(event.message))
      post(worker, {
        type: 'init',
        env: workerEnv,
        breakerBuffer: deps.breakers.buffer,
        limiterBuffer,
        limiterSlots: LIMITER_SLOTS,
        useOwner,
      })
    })
  })
  let url: string
  try {
    ;[url = ''] = await Promise.all(started)
  } catch (error) {
    for (const worker of workers) worker.terminate()
    await deps.close()
    throw error
  }
  log.info(
    { workers: workers.length, url, sharedState: useOwner ? 'main thread' : 'redis' },
    'gateway workers listening',
  )

  let stopping: Promise<{ drained: boolean }> | undefined
  return {
    url,
    workers: workers.length,
    deps,
    shutdown() {
      stopping ??= (async () => {
        const results = await Promise.all(
          workers.map(
            (worker) =>
              new Promise<boolean>((resolve) => {
                worker.addEventListener('message', (event: MessageEvent) => {
                  const message: unknown = event.data
                  if (isMessage<FromWorker>(message) && message.type === 'stopped') resolve(message.drained)
                })
                post(worker, { type: 'shutdown' })
              }),
          ),
        )
        for (const worker of workers) worker.terminate()
        // After every worker drained, so their last settlements are in the owner's ledger.
        if (useOwner) await deps.flusher.stop()
        await deps.close()
        return { drained: results.every(Boolean) }
      })()
      return stopping
    },
  }
}
