/**
 * @module The in-process simulator for tests of other services: `startSim()` listens on 127.0.0.1, a free port,
 * with zero latency, and records what it receives so tests can assert on upstream headers, bodies and aborts.
 * Also re-exports the tokenizer so tests can predict usage, and the seeded generator behind its randomness.
 */
import { resolveOptions, type SimOptions, TEST_DEFAULTS } from './config.ts'
import type { ObservedRequest } from './request-log.ts'
import { createSimServer } from './server.ts'
import { createVllmLog } from './vllm-log.ts'

export { countChatTokens, GENERATION_PROMPT_TOKENS, MESSAGE_OVERHEAD_TOKENS } from './chat-template.ts'
export type { SimOptions } from './config.ts'
export type { ObservedRequest } from './request-log.ts'
export { createRng } from './rng.ts'
export { countTokens, decode, encode, splitTokens } from './tokenizer.ts'

export interface StartSimOptions extends Partial<SimOptions> {
  /** Receives the vLLM-format log lines (startup milestones, stats); silent when absent. */
  log?: (line: string) => void
  /** Uniform random source for jitter and failure injection (default Math.random). */
  random?: () => number
}

export interface Sim {
  /** `http://127.0.0.1:PORT`, without a trailing slash. */
  url: string
  port: number
  options: SimOptions
  /** Every request received, oldest first (path, method, lower-cased headers, parsed body, aborted). */
  readonly requests: readonly ObservedRequest[]
  /** Requests whose client closed the connection before the response completed. */
  readonly aborted: number
  /** The most recent request, optionally only among those to `path`. */
  lastRequest(path?: string): ObservedRequest | undefined
  /** Resolves once `count` client aborts were seen (default 1), rejects after `timeoutMs` (default 1000). */
  waitForAborts(count?: number, timeoutMs?: number): Promise<void>
  clearRequests(): void
  /** Dead engine: /health 503, inference requests 500; false restores it. */
  setEngineDead(dead: boolean): void
  /** Wedged engine: every request (and /health) hangs until the client leaves; false restores it. */
  setEngineHung(hung: boolean): void
  /** The /metrics text, without going through HTTP. */
  metricsText(): Promise<string>
  stop(): Promise<void>
}

/**
 * Starts a simulator in this process. Options mirror the CLI in camelCase (model, servedModelNames, apiKey,
 * maxNumSeqs, maxModelLen, runner, ttftMs, ttftPerTokenUs, itlMs, jitter, mode, embeddingDim, failureRate, ...).
 * @example const sim = await startSim({ mode: 'echo' }); ...; await sim.stop()
 */
export async function startSim(options: StartSimOptions = {}): Promise<Sim> {
  const { log, random, ...overrides } = options
  const resolved = resolveOptions(overrides, TEST_DEFAULTS)
  let stopped = false
  const server = createSimServer(resolved, {
    ...(log === undefined ? {} : { log: createVllmLog(log, process.pid) }),
    ...(random === undefined ? {} : { random }),
    onCrash: () => {
      // A crashed vLLM drops every connection and stops listening.
      void server.stop()
    },
  })
  const { port, url } = await server.start()
  const { requests, engine, metrics } = server.ctx
  return {
    url,
    port,
    options: resolved,
    get requests() {
      return requests.entries
    },
    get aborted() {
      return requests.abortedCount
    },
    lastRequest(path) {
      for (let i = requests.entries.length - 1; i >= 0; i -= 1) {
        const entry = requests.entries[i]
        if (entry !== undefined && (path === undefined || entry.path === path)) return entry
      }
      return undefined
    },
    waitForAborts: (count = 1, timeoutMs = 1000) => requests.waitForAborts(count, timeoutMs),
    clearRequests: () => requests.clear(),
    setEngineDead(dead) {
      engine.health = dead ? 'dead' : 'ok'
    },
    setEngineHung(hung) {
      if (hung) engine.health = 'hung'
      else engine.recover()
    },
    metricsText: () => metrics.registry.metrics(),
    async stop() {
      if (stopped) return
      stopped = true
      await server.stop()
    },
  }
}
