/**
 * @module vLLM's V1 Prometheus series with its names, buckets and labels (`model_name` = first served name,
 * `engine` = "0"), on a registry of their own. Gauges read the scheduler at scrape time, so they cost nothing per
 * request.
 */
import { Gauge, Registry } from 'prom-client'
import { FastCounter, FastHistogram } from './fast-metrics.ts'

const TTFT_BUCKETS = [
  0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0,
  80.0, 160.0, 640.0, 2560.0,
]
const ITL_BUCKETS = [
  0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0,
]
const REQUEST_TIME_BUCKETS = [
  0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0,
  960.0, 1920.0, 7680.0,
]
const ITERATION_TOKEN_BUCKETS = [1, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384]
const N_BUCKETS = [1, 2, 5, 10, 20]

/** vLLM's build_1_2_5_buckets: 1, 2, 5, 10, 20, 50 … up to `max`. */
export function oneTwoFiveBuckets(max: number): number[] {
  const buckets: number[] = []
  for (let exponent = 0; ; exponent += 1) {
    for (const mantissa of [1, 2, 5]) {
      const value = mantissa * 10 ** exponent
      if (value > max) return buckets
      buckets.push(value)
    }
  }
}

export type FinishedReason = 'stop' | 'length' | 'abort' | 'error'

export interface EngineState {
  running: number
  waiting: number
  kvUsage: number
}

export interface MetricsOptions {
  modelName: string
  maxModelLen: number
  blockSize: number
  numGpuBlocks: number
  state: () => EngineState
}

export interface FinishedRequest {
  reason: FinishedReason
  promptTokens: number
  generationTokens: number
  maxTokens: number
  n: number
  queueSeconds: number
  prefillSeconds: number
  decodeSeconds: number
  e2eSeconds: number
}

export interface SimMetrics {
  registry: Registry
  /** A request entered the engine (admitted to run). */
  prompt(promptTokens: number): void
  firstToken(seconds: number): void
  interToken(seconds: number, count?: number): void
  finished(request: FinishedRequest): void
}

export function createSimMetrics(options: MetricsOptions): SimMetrics {
  const registry = new Registry()
  const labels = { model_name: options.modelName, engine: '0' }
  const labelNames = ['model_name', 'engine'] as const
  const gauge = (name: string, help: string, read: (state: EngineState) => number): void => {
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.set(labels, read(options.state()))
      },
    })
  }
  gauge('vllm:num_requests_running', 'Number of requests in model execution batches.', (s) => s.running)
  gauge('vllm:num_requests_waiting', 'Number of requests waiting to be processed.', (s) => s.waiting)
  gauge('vllm:kv_cache_usage_perc', 'KV-cache usage. 1 means 100 percent usage.', (s) => s.kvUsage)

  const cacheInfo = new Gauge({
    name: 'vllm:cache_config_info',
    help: 'Information of the LLMEngine CacheConfig',
    labelNames: ['engine', 'block_size', 'num_gpu_blocks', 'enable_prefix_caching', 'gpu_memory_utilization'],
    registers: [registry],
  })
  cacheInfo.set(
    {
      engine: '0',
      block_size: String(options.blockSize),
      num_gpu_blocks: String(options.numGpuBlocks),
      enable_prefix_caching: 'True',
      gpu_memory_utilization: '0.9',
    },
    1,
  )

  const counter = (name: string, help: string) => new FastCounter(registry, name, help).child(labels)
  const promptTokens = counter('vllm:prompt_tokens_total', 'Number of prefill tokens processed.')
  const generationTokens = counter('vllm:generation_tokens_total', 'Number of generation tokens processed.')
  const prefixQueries = counter(
    'vllm:prefix_cache_queries_total',
    'Prefix cache queries, in terms of tokens.',
  )
  counter('vllm:prefix_cache_hits_total', 'Prefix cache hits, in terms of tokens.')
  counter('vllm:num_preemptions_total', 'Cumulative number of preemption from the engine.')
  const success = new FastCounter(
    registry,
    'vllm:request_success_total',
    'Count of successfully processed requests.',
  )
  const successBy = {
    stop: success.child({ ...labels, finished_reason: 'stop' }),
    length: success.child({ ...labels, finished_reason: 'length' }),
    abort: success.child({ ...labels, finished_reason: 'abort' }),
    error: success.child({ ...labels, finished_reason: 'error' }),
  }

  const histogram = (name: string, help: string, buckets: number[]) =>
    new FastHistogram(registry, name, help, buckets, labels)
  const tokenBuckets = oneTwoFiveBuckets(options.maxModelLen)
  const ttft = histogram(
    'vllm:time_to_first_token_seconds',
    'Histogram of time to first token in seconds.',
    TTFT_BUCKETS,
  )
  const itl = histogram(
    'vllm:inter_token_latency_seconds',
    'Histogram of inter-token latency in seconds.',
    ITL_BUCKETS,
  )
  const tpot = histogram(
    'vllm:request_time_per_output_token_seconds',
    'Histogram of time_per_output_token_seconds per request.',
    ITL_BUCKETS,
  )
  const e2e = histogram(
    'vllm:e2e_request_latency_seconds',
    'Histogram of e2e request latency in seconds.',
    REQUEST_TIME_BUCKETS,
  )
  const queue = histogram(
    'vllm:request_queue_time_seconds',
    'Histogram of time spent in WAITING phase for request.',
    REQUEST_TIME_BUCKETS,
  )
  const inference = histogram(
    'vllm:request_inference_time_seconds',
    'Histogram of time spent in RUNNING phase for request.',
    REQUEST_TIME_BUCKETS,
  )
  const prefill = histogram(
    'vllm:request_prefill_time_seconds',
    'Histogram of time spent in PREFILL phase for request.',
    REQUEST_TIME_BUCKETS,
  )
  const decode = histogram(
    'vllm:request_decode_time_seconds',
    'Histogram of time spent in DECODE phase for request.',
    REQUEST_TIME_BUCKETS,
  )
  const promptHist = histogram(
    'vllm:request_prompt_tokens',
    'Number of prefill tokens processed.',
    tokenBuckets,
  )
  const generationHist = histogram(
    'vllm:request_generation_tokens',
    'Number of generation tokens processed.',
    tokenBuckets,
  )
  const maxTokensHist = histogram(
    'vllm:request_params_max_tokens',
    'Histogram of the max_tokens request parameter.',
    tokenBuckets,
  )
  const nHist = histogram('vllm:request_params_n', 'Histogram of the n request parameter.', N_BUCKETS)
  const iteration = histogram(
    'vllm:iteration_tokens_total',
    'Histogram of number of tokens per engine_step.',
    ITERATION_TOKEN_BUCKETS,
  )

  return {
    registry,
    prompt(tokens) {
      promptTokens.inc(tokens)
      prefixQueries.inc(tokens)
      iteration.observe(tokens)
    },
    firstToken(seconds) {
      ttft.observe(seconds)
    },
    interToken(seconds, count = 1) {
      itl.observe(seconds, count)
    },
    finished(request) {
      successBy[request.reason].inc()
      if (request.generationTokens > 0) generationTokens.inc(request.generationTokens)
      e2e.observe(request.e2eSeconds)
      queue.observe(request.queueSeconds)
      prefill.observe(request.prefillSeconds)
      decode.observe(request.decodeSeconds)
      inference.observe(request.prefillSeconds + request.decodeSeconds)
      promptHist.observe(request.promptTokens)
      generationHist.observe(request.generationTokens)
      maxTokensHist.observe(request.maxTokens)
      nHist.observe(request.n)
      if (request.generationTokens > 1) tpot.observe(request.decodeSeconds / (request.generationTokens - 1))
    },
  }
}
