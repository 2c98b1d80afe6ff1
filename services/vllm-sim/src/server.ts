/**
 * @module Builds the simulator (routes, engine, metrics, faults over time) without touching argv or the process:
 * `createSimServer(options).start()` logs vLLM's startup milestones, listens, and returns where.
 */
import type { Server } from 'bun'
import { type SimOptions, totalKvBlocks } from './config.ts'
import { Engine } from './engine/engine.ts'
import { methodNotAllowedResponse, notFoundResponse, renderError, unauthorizedResponse } from './errors.ts'
import { createSimMetrics } from './metrics.ts'
import { type ObservedRequest, RequestLog } from './request-log.ts'
import { createChatCompletionsRoute } from './routes/chat-completions.ts'
import { createCompletionsRoute } from './routes/completions.ts'
import { createEmbeddingsRoute } from './routes/embeddings.ts'
import { createHealthRoute, createLoadRoute, createVersionRoute } from './routes/health.ts'
import { createMetricsRoute } from './routes/metrics.ts'
import { createModelsRoute } from './routes/models.ts'
import { createDetokenizeRoute, createTokenizeRoute } from './routes/tokenize.ts'
import type { SimContext } from './sim-context.ts'
import { listeningLines, startupMilestones, statsLine } from './startup-log.ts'
import { silentLog, type VllmLog } from './vllm-log.ts'

export interface SimServerDeps {
  log?: VllmLog
  /** vLLM flags accepted and ignored, logged at startup. */
  ignoredFlags?: readonly string[]
  /** Called when --sim-crash-after-ms fires (main exits non-zero; the test helper drops every connection). */
  onCrash?: () => void
  random?: () => number
  pid?: number
}

export interface SimServer {
  readonly ctx: SimContext
  start(): Promise<{ port: number; url: string }>
  stop(): Promise<void>
}

type Handler = (req: Request, entry: ObservedRequest) => Response | Promise<Response>

interface RouteFlags {
  /** Behind --api-key (vLLM checks only /v1 paths). */
  auth: boolean
  /** Answers 500 once the engine is dead. */
  engine: boolean
}

export function createSimServer(options: SimOptions, deps: SimServerDeps = {}): SimServer {
  const log = deps.log ?? silentLog
  const totalBlocks = totalKvBlocks(options)
  const engine = new Engine({
    maxNumSeqs: options.maxNumSeqs,
    blockSize: options.blockSize,
    totalBlocks,
    maxWaiting: options.maxWaiting,
  })
  const metrics = createSimMetrics({
    modelName: options.servedModelNames[0] ?? options.model,
    maxModelLen: options.maxModelLen,
    blockSize: options.blockSize,
    numGpuBlocks: totalBlocks,
    state: () => ({
      running: engine.scheduler.running,
      waiting: engine.scheduler.waiting,
      kvUsage: engine.scheduler.kvUsage,
    }),
  })
  const ctx: SimContext = {
    options,
    latency: {
      ttftMs: options.ttftMs,
      ttftPerTokenUs: options.ttftPerTokenUs,
      itlMs: options.itlMs,
      jitter: options.jitter,
      loadFactor: options.loadFactor,
    },
    engine,
    metrics,
    requests: new RequestLog(options.recordRequests),
    log,
    random: deps.random ?? Math.random,
    now: () => performance.now(),
    epochSeconds: () => Math.floor(Date.now() / 1000),
  }
  const bearer = options.apiKey === undefined ? undefined : `Bearer ${options.apiKey}`

  const wrap =
    (path: string, handler: Handler, flags: RouteFlags) =>
    async (req: Request): Promise<Response> => {
      const entry = ctx.requests.observe(req, path)
      if (engine.health === 'hung') {
        await engine.park(req.signal, 'engine')
        if (req.signal.aborted) ctx.requests.aborted(entry)
        return new Response(null, { status: 499 })
      }
      if (flags.auth && bearer !== undefined && req.headers.get('authorization') !== bearer)
        return unauthorizedResponse()
      if (flags.engine && engine.health === 'dead')
        return renderError(new Error('Engine is dead (simulated).'))
      try {
        return await handler(req, entry)
      } catch (error) {
        return renderError(error)
      }
    }
  const open = { auth: false, engine: false }
  const inference = { auth: true, engine: true }
  const health = createHealthRoute(engine)
  const routes = {
    '/health': { GET: wrap('/health', health, open) },
    '/ping': { GET: wrap('/ping', health, open), POST: wrap('/ping', health, open) },
    '/load': { GET: wrap('/load', createLoadRoute(engine), open) },
    '/version': { GET: wrap('/version', createVersionRoute(options.vllmVersion), open) },
    '/metrics': { GET: wrap('/metrics', createMetricsRoute(metrics), open) },
    '/tokenize': { POST: wrap('/tokenize', createTokenizeRoute(ctx), open) },
    '/detokenize': { POST: wrap('/detokenize', createDetokenizeRoute(ctx), open) },
    '/v1/models': {
      GET: wrap('/v1/models', createModelsRoute(options, ctx.epochSeconds), { auth: true, engine: false }),
    },
    '/v1/chat/completions': {
      POST: wrap('/v1/chat/completions', createChatCompletionsRoute(ctx), inference),
    },
    '/v1/completions': { POST: wrap('/v1/completions', createCompletionsRoute(ctx), inference) },
    '/v1/embeddings': { POST: wrap('/v1/embeddings', createEmbeddingsRoute(ctx), inference) },
  }
  const knownPaths = new Set(Object.keys(routes))

  let server: Server<undefined> | undefined
  const timers: ReturnType<typeof setTimeout>[] = []
  const pid = deps.pid ?? process.pid

  const scheduleFaults = () => {
    const at = (ms: number | undefined, action: () => void) => {
      if (ms !== undefined) timers.push(setTimeout(action, ms))
    }
    at(options.deadAfterMs, () => {
      engine.health = 'dead'
      log(
        'ERROR',
        'core_client.py:564',
        'Engine core proc EngineCore_DP0 died unexpectedly, shutting down client. (simulated)',
      )
    })
    at(options.hangAfterMs, () => {
      engine.health = 'hung'
    })
    at(options.crashAfterMs, () => {
      log('ERROR', 'core.py:700', 'EngineCore encountered a fatal error. (simulated crash)')
      deps.onCrash?.()
    })
    if (options.statsIntervalMs > 0) {
      let last = { ...engine.totals }
      const interval = setInterval(() => {
        const { prompt, generation } = engine.totals
        const busy = engine.scheduler.running + engine.scheduler.waiting > 0 || prompt !== last.prompt
        const seconds = options.statsIntervalMs / 1000
        if (busy)
          log(
            'INFO',
            'loggers.py:123',
            statsLine(
              (prompt - last.prompt) / seconds,
              (generation - last.generation) / seconds,
              engine.scheduler.running,
              engine.scheduler.waiting,
              engine.scheduler.kvUsage,
            ),
          )
        last = { prompt, generation }
      }, options.statsIntervalMs)
      interval.unref?.()
      timers.push(interval)
    }
  }

  return {
    ctx,
    async start() {
      const milestones = startupMilestones(options, totalBlocks * options.blockSize, deps.ignoredFlags ?? [])
      let waited = 0
      for (const milestone of milestones) {
        const due = milestone.at * options.startupDelayMs
        if (due > waited) {
          await Bun.sleep(due - waited)
          waited = due
        }
        log(milestone.level, milestone.source, milestone.message)
      }
      server = Bun.serve({
        hostname: options.host,
        port: options.port,
        // Long TTFTs and hangs are the point: never let Bun close a quiet connection.
        idleTimeout: 0,
        routes,
        fetch(req) {
          const path = new URL(req.url).pathname
          return knownPaths.has(path) ? methodNotAllowedResponse() : notFoundResponse()
        },
        error(error) {
          return renderError(error)
        },
      })
      const port = server.port ?? options.port
      for (const line of listeningLines(options.host, port, pid)) log(line.level, line.source, line.message)
      scheduleFaults()
      const host = options.host === '0.0.0.0' ? '127.0.0.1' : options.host
      return { port, url: `http://${host}:${port}` }
    },
    async stop() {
      for (const timer of timers) clearTimeout(timer)
      engine.shutdown()
      await server?.stop(true)
      server = undefined
    },
  }
}
