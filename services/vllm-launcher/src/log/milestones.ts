/** @module vLLM start-up milestones and fatal patterns (reference §7), recognised in log text. Pure. */

export const MILESTONE_NAMES = [
  'args-parsed',
  'model-resolved',
  'weights-loading',
  'weights-loaded',
  'compiling',
  'kv-cache',
  'graph-capture',
  'engine-initialized',
  'api-server-starting',
  'ready',
] as const
export type MilestoneName = (typeof MILESTONE_NAMES)[number]

export interface Milestone {
  readonly name: MilestoneName
  /** Position in the start-up sequence, 1-based, so progress reads "step 3/10". */
  readonly step: number
  readonly label: string
  /** The figure the line carries (version, percentage, seconds, tokens), when it has one. */
  readonly detail: string | undefined
}

/** In start-up order; each pattern's first non-empty capture group becomes `detail`. */
const MILESTONES: readonly [MilestoneName, string, RegExp][] = [
  ['args-parsed', 'arguments parsed', /vLLM API server version (\S+)|non-default args:/],
  ['model-resolved', 'model resolved', /Resolved architecture: (\S+)|Using max model len (\d+)/],
  ['weights-loading', 'loading weights', /Loading \w+ checkpoint shards:\s*(\d+%)/],
  [
    'weights-loaded',
    'weights loaded',
    /Model loading took .*?([\d.]+) seconds|Loading weights took ([\d.]+) seconds/,
  ],
  [
    'compiling',
    'torch.compile',
    /torch\.compile takes ([\d.]+ s) in total|Dynamo bytecode transform time|Compiling a graph for dynamic shape/,
  ],
  [
    'kv-cache',
    'KV cache sized',
    /GPU KV cache size: ([\d,]+ tokens)|Available KV cache memory: ([\d.]+ GiB)|Maximum concurrency for/,
  ],
  [
    'graph-capture',
    'capturing CUDA graphs',
    /Capturing CUDA graphs?|Graph capturing finished in ([\d.]+ secs)/,
  ],
  [
    'engine-initialized',
    'engine initialised',
    /init engine \(profile, create kv cache, warmup model\) took ([\d.]+)/,
  ],
  ['api-server-starting', 'API server starting', /Starting vLLM API server(?: \d+)? on (\S+)/],
  ['ready', 'ready', /Application startup complete\./],
]

/** The milestone a log line marks, if any. */
export function detectMilestone(text: string): Milestone | undefined {
  for (const [index, [name, label, pattern]] of MILESTONES.entries()) {
    const match = pattern.exec(text)
    if (match)
      return { name, step: index + 1, label, detail: match.slice(1).find((group) => group !== undefined) }
  }
  return undefined
}

/** Lines after which vLLM will not come up on its own, with what the operator should change. */
const FATAL: readonly [RegExp, string][] = [
  [
    /CUDA out of memory/i,
    'GPU out of memory: lower GPU_MEMORY_UTILIZATION, MAX_MODEL_LEN or MAX_NUM_SEQS, or raise TP_SIZE',
  ],
  [
    /No available memory for the cache blocks/,
    'no GPU memory left for the KV cache: raise GPU_MEMORY_UTILIZATION or use a smaller or quantized model',
  ],
  [
    /max_model_len.*larger than the maximum number of tokens that can be stored in KV cache/,
    'MAX_MODEL_LEN does not fit in the KV cache: lower it or raise GPU_MEMORY_UTILIZATION',
  ],
  [/Engine core initialization failed/, 'the engine failed to start: the lines before this one say why'],
  [
    /unrecognized arguments?:/,
    'this vLLM rejects a flag (removed in its version?): set VLLM_VERSION to the installed version or fix VLLM_EXTRA_ARGS',
  ],
]

/** A hint when the line is one of the known fatal start-up errors. */
export function detectFatal(text: string): string | undefined {
  return FATAL.find(([pattern]) => pattern.test(text))?.[1]
}
