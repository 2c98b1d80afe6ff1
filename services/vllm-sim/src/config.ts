/**
 * @module The simulator's options: defaults for the CLI (a plausible vLLM) and for tests (zero latency), range
 * checks that report every bad value at once, and the only environment read (VLLM_API_KEY, as vLLM reads it).
 */
import { ConfigError, type EnvSource, field, parseEnv } from '@infergate/config'
import type { OutputMode } from './text-generator.ts'

export type Runner = 'generate' | 'pooling'

export interface SimOptions {
  /** Model path or HF id (`root` in /v1/models). */
  model: string
  /** Names clients use; the first one labels metrics. Defaults to [model]. */
  servedModelNames: string[]
  host: string
  port: number
  apiKey?: string
  maxNumSeqs: number
  maxModelLen: number
  runner: Runner
  /** KV cache block size in tokens (vLLM --block-size). */
  blockSize: number
  /** KV cache size in blocks (vLLM --num-gpu-blocks-override); derived from max-num-seqs when absent. */
  numGpuBlocks?: number
  /** Waiting requests beyond this get 503; 0 = unbounded as in vLLM. */
  maxWaiting: number
  ttftMs: number
  ttftPerTokenUs: number
  itlMs: number
  jitter: number
  /** Latency multiplier reached when every max-num-seqs slot is busy (1 = none). */
  loadFactor: number
  mode: OutputMode
  /** Fixed completion length for every request (as the tokens directive); random lengths when absent. */
  outputTokens?: number
  /** Upper bound of random-mode lengths when neither max_tokens nor a directive fixes them. */
  randomMaxTokens: number
  embeddingDim: number
  /** Fraction 0..1 of inference requests failed on purpose. */
  failureRate: number
  failureStatus: number[]
  /** Not listening until this much time has passed, logging vLLM's startup milestones meanwhile. */
  startupDelayMs: number
  crashAfterMs?: number
  hangAfterMs?: number
  deadAfterMs?: number
  /** As `--enable-force-include-usage`: streams always end with a usage chunk. */
  forceIncludeUsage: boolean
  /** What /version reports. */
  vllmVersion: string
  /** Keep a log of received requests (headers, body) for assertions; the test helper turns it on. */
  recordRequests: boolean
  /** Period of vLLM's "Avg prompt throughput" stats line while busy; 0 disables it. */
  statsIntervalMs: number
}

export const DEFAULT_MODEL = 'sim-model'

/** What `vllm serve` would look like: a little latency so that streams are visible. */
export const CLI_DEFAULTS: Readonly<SimOptions> = {
  model: DEFAULT_MODEL,
  servedModelNames: [],
  host: '0.0.0.0',
  port: 8000,
  maxNumSeqs: 256,
  maxModelLen: 8192,
  runner: 'generate',
  blockSize: 16,
  maxWaiting: 0,
  ttftMs: 20,
  ttftPerTokenUs: 20,
  itlMs: 5,
  jitter: 0.1,
  loadFactor: 1,
  mode: 'random',
  randomMaxTokens: 100,
  embeddingDim: 384,
  failureRate: 0,
  failureStatus: [500],
  startupDelayMs: 0,
  forceIncludeUsage: false,
  vllmVersion: '0.11.0',
  recordRequests: false,
  statsIntervalMs: 5000,
}

/** The in-process test helper: loopback, any free port, no latency, requests recorded. */
export const TEST_DEFAULTS: Readonly<SimOptions> = {
  ...CLI_DEFAULTS,
  host: '127.0.0.1',
  port: 0,
  ttftMs: 0,
  ttftPerTokenUs: 0,
  itlMs: 0,
  jitter: 0,
  recordRequests: true,
  statsIntervalMs: 0,
}

/** The environment vLLM itself reads that matters here. */
export function loadEnv(env: EnvSource): { apiKey?: string } {
  const parsed = parseEnv(env, { VLLM_API_KEY: field.optionalString() }, 'vllm-sim environment')
  return parsed.VLLM_API_KEY === undefined ? {} : { apiKey: parsed.VLLM_API_KEY }
}

type NumericKey = {
  [K in keyof SimOptions]-?: SimOptions[K] extends number | undefined ? K : never
}[keyof SimOptions]

/** [key, min, max, integer?] rows: one loop checks them all. */
const RANGES: ReadonlyArray<readonly [NumericKey, number, number, boolean]> = [
  ['port', 0, 65_535, true],
  ['maxNumSeqs', 1, 1_000_000, true],
  ['maxModelLen', 1, 100_000_000, true],
  ['blockSize', 1, 4096, true],
  ['numGpuBlocks', 1, 1e12, true],
  ['maxWaiting', 0, 1e9, true],
  ['ttftMs', 0, 3_600_000, false],
  ['ttftPerTokenUs', 0, 1e9, false],
  ['itlMs', 0, 3_600_000, false],
  ['jitter', 0, 1, false],
  ['loadFactor', 1, 1000, false],
  ['outputTokens', 0, 1e9, true],
  ['randomMaxTokens', 1, 1e9, true],
  ['embeddingDim', 1, 65_536, true],
  ['failureRate', 0, 1, false],
  ['startupDelayMs', 0, 86_400_000, false],
  ['crashAfterMs', 0, 1e12, false],
  ['hangAfterMs', 0, 1e12, false],
  ['deadAfterMs', 0, 1e12, false],
  ['statsIntervalMs', 0, 1e9, false],
]

/**
 * Merges `overrides` over `base` and checks every value.
 * @throws ConfigError naming every out-of-range option.
 */
export function resolveOptions(
  overrides: Partial<SimOptions>,
  base: Readonly<SimOptions> = CLI_DEFAULTS,
): SimOptions {
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined))
  const options: SimOptions = { ...base, ...defined }
  if (options.servedModelNames.length === 0) options.servedModelNames = [options.model]
  const problems: string[] = []
  for (const [key, min, max, integer] of RANGES) {
    const value = options[key]
    if (value === undefined) continue
    if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value)))
      problems.push(`${key}=${value}: expected ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`)
  }
  for (const status of options.failureStatus)
    if (!Number.isInteger(status) || status < 400 || status > 599)
      problems.push(`failureStatus=${status}: expected HTTP statuses from 400 to 599`)
  if (options.failureRate > 0 && options.failureStatus.length === 0)
    problems.push('failureStatus: at least one status is needed when failureRate > 0')
  if (problems.length > 0) throw new ConfigError(problems, 'vllm-sim options')
  return options
}

/** KV blocks when not given: room for max-num-seqs requests of 256 tokens, and at least one full context. */
export function totalKvBlocks(options: SimOptions): number {
  if (options.numGpuBlocks !== undefined) return options.numGpuBlocks
  return Math.ceil(Math.max(options.maxModelLen, options.maxNumSeqs * 256) / options.blockSize)
}
