/**
 * @module vLLM's startup milestones, in order, with the share of the startup delay at which each is logged, then
 * the lines logged once listening. A launcher that follows vLLM's log follows the simulator's.
 */
import type { SimOptions } from './config.ts'
import type { LogLevel } from './vllm-log.ts'

export interface LogEntry {
  level: LogLevel
  source: string
  message: string
}

export interface Milestone extends LogEntry {
  /** Fraction of the startup delay elapsed when it is logged. */
  at: number
}

export const ROUTES: ReadonlyArray<readonly [string, string]> = [
  ['/health', 'GET'],
  ['/ping', 'GET, POST'],
  ['/load', 'GET'],
  ['/version', 'GET'],
  ['/metrics', 'GET'],
  ['/tokenize', 'POST'],
  ['/detokenize', 'POST'],
  ['/v1/models', 'GET'],
  ['/v1/chat/completions', 'POST'],
  ['/v1/completions', 'POST'],
  ['/v1/embeddings', 'POST'],
]

export function startupMilestones(
  options: SimOptions,
  kvTokens: number,
  ignored: readonly string[],
): Milestone[] {
  const seconds = (fraction: number) => ((options.startupDelayMs * fraction) / 1000).toFixed(2)
  const nonDefault = { model: options.model, served_model_name: options.servedModelNames, port: options.port }
  const task = options.runner === 'pooling' ? "['embed']" : "['generate']"
  return [
    {
      at: 0,
      level: 'INFO',
      source: 'api_server.py:1839',
      message: `vLLM API server version ${options.vllmVersion}`,
    },
    {
      at: 0,
      level: 'INFO',
      source: 'utils.py:233',
      message: `non-default args: ${JSON.stringify(nonDefault)}`,
    },
    ...ignored.map((flag) => ({
      at: 0,
      level: 'WARNING' as const,
      source: 'arg_utils.py:1',
      message: `vllm-sim ignores ${flag} (accepted for vLLM compatibility, not simulated)`,
    })),
    { at: 0.02, level: 'INFO', source: 'model.py:547', message: 'Resolved architecture: SimForCausalLM' },
    {
      at: 0.02,
      level: 'INFO',
      source: 'model.py:1510',
      message: `Using max model len ${options.maxModelLen}`,
    },
    {
      at: 0.1,
      level: 'INFO',
      source: 'gpu_model_runner.py:2338',
      message: 'Starting to load model (simulated weights)...',
    },
    {
      at: 0.5,
      level: 'INFO',
      source: 'default_loader.py:262',
      message: `Loading weights took ${seconds(0.4)} seconds`,
    },
    {
      at: 0.55,
      level: 'INFO',
      source: 'gpu_model_runner.py:2392',
      message: `Model loading took 0.0000 GiB and ${seconds(0.45)} seconds`,
    },
    { at: 0.7, level: 'INFO', source: 'gpu_worker.py:298', message: 'Available KV cache memory: 1.00 GiB' },
    {
      at: 0.7,
      level: 'INFO',
      source: 'kv_cache_utils.py:1087',
      message: `GPU KV cache size: ${kvTokens} tokens`,
    },
    {
      at: 0.7,
      level: 'INFO',
      source: 'kv_cache_utils.py:1091',
      message: `Maximum concurrency for ${options.maxModelLen} tokens per request: ${(kvTokens / options.maxModelLen).toFixed(2)}x`,
    },
    {
      at: 1,
      level: 'INFO',
      source: 'core.py:210',
      message: `init engine (profile, create kv cache, warmup model) took ${seconds(0.5)} seconds`,
    },
    { at: 1, level: 'INFO', source: 'api_server.py:1634', message: `Supported tasks: ${task}` },
  ]
}

/** Lines logged once the socket listens; the last is the one launchers wait for. */
export function listeningLines(host: string, port: number, pid: number): LogEntry[] {
  return [
    {
      level: 'INFO',
      source: 'api_server.py:1912',
      message: `Starting vLLM API server 0 on http://${host}:${port}`,
    },
    { level: 'INFO', source: 'launcher.py:34', message: 'Available routes are:' },
    ...ROUTES.map(([path, methods]) => ({
      level: 'INFO' as const,
      source: 'launcher.py:42',
      message: `Route: ${path}, Methods: ${methods}`,
    })),
    { level: 'INFO', source: 'uvicorn', message: `Started server process [${pid}]` },
    { level: 'INFO', source: 'uvicorn', message: 'Waiting for application startup.' },
    { level: 'INFO', source: 'uvicorn', message: 'Application startup complete.' },
  ]
}

/** vLLM's periodic stats line (logged only while the engine is busy). */
export function statsLine(
  promptPerSecond: number,
  generationPerSecond: number,
  running: number,
  waiting: number,
  kvUsage: number,
): string {
  return `Engine 000: Avg prompt throughput: ${promptPerSecond.toFixed(1)} tokens/s, Avg generation throughput: ${generationPerSecond.toFixed(1)} tokens/s, Running: ${running} reqs, Waiting: ${waiting} reqs, GPU KV cache usage: ${(kvUsage * 100).toFixed(1)}%, Prefix cache hit rate: 0.0%`
}
