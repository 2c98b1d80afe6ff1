/**
 * @module The launcher's configuration, read once from the environment: one or several vLLM instances (env groups
 * prefixed by instance name) and the watchdog policy. Every bad variable is reported in one ConfigError.
 */
import { ConfigError, type EnvSource, type Field, type FieldValue, field, parseEnv } from '@infergate/config'
import type { VllmVersion } from './command/vllm-version.ts'
import { fraction, instanceNames, optional, version, words } from './config-fields.ts'

/** Quantization methods vLLM accepts for `--quantization` (0.9 to 0.13); a typo fails here, not 2 minutes in. */
export const QUANTIZATIONS = [
  'aqlm',
  'awq',
  'awq_marlin',
  'bitblas',
  'bitsandbytes',
  'compressed-tensors',
  'deepspeedfp',
  'experts_int8',
  'fbgemm_fp8',
  'fp8',
  'gguf',
  'gptq',
  'gptq_bitblas',
  'gptq_marlin',
  'gptq_marlin_24',
  'hqq',
  'ipex',
  'marlin',
  'modelopt',
  'modelopt_fp4',
  'moe_wna16',
  'mxfp4',
  'quark',
  'torchao',
  'tpu_int8',
] as const

const positive = () => optional(field.int({ min: 1 }))

/** Per-instance variables. With INSTANCES set, `<NAME>_<VAR>` overrides `<VAR>` for that instance. */
const instanceSpec = {
  VLLM_BIN: words({ default: 'vllm', nonEmpty: true }),
  VLLM_VERSION: version(),
  MODEL_NAME: field.string(),
  SERVED_MODEL_NAME: field.optionalString(),
  VLLM_HOST: field.string({ default: '0.0.0.0' }),
  VLLM_PORT: field.int({ default: 8000, min: 1, max: 65535 }),
  TP_SIZE: field.int({ default: 1, min: 1 }),
  QUANTIZATION: optional(field.oneOf(QUANTIZATIONS)),
  GPU_MEMORY_UTILIZATION: optional(fraction()),
  MAX_MODEL_LEN: positive(),
  MAX_NUM_SEQS: positive(),
  SWAP_SPACE_GB: optional(field.float({ min: 0 })),
  VLLM_API_KEY: field.optionalString(),
  HF_TOKEN: field.optionalString(),
  MODEL_CACHE_DIR: field.optionalString(),
  COMPILE_CACHE_DIR: field.optionalString(),
  ENABLE_PREFIX_CACHING: optional(field.bool()),
  RUNNER: field.oneOf(['generate', 'pooling'] as const, { default: 'generate' }),
  CUDA_VISIBLE_DEVICES: field.optionalString(),
  VLLM_EXTRA_ARGS: words(),
}

const launcherSpec = {
  INSTANCES: instanceNames(),
  LAUNCHER_METRICS_PORT: field.int({ default: 9102, min: 0, max: 65535 }),
  LAUNCHER_METRICS_HOST: field.string({ default: '0.0.0.0' }),
  LOG_LEVEL: field.oneOf(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const, {
    default: 'info',
  }),
  RESTART_BACKOFF_INITIAL_MS: field.int({ default: 1000, min: 0 }),
  RESTART_BACKOFF_MAX_MS: field.int({ default: 60_000, min: 0 }),
  RESTART_BACKOFF_MULTIPLIER: field.float({ default: 2, min: 1 }),
  RESTART_BACKOFF_JITTER: field.float({ default: 0.2, min: 0, max: 1 }),
  RESTART_MAX: field.int({ default: 5, min: 1 }),
  RESTART_WINDOW_MS: field.int({ default: 600_000, min: 1 }),
  // Big models take 10 to 30 minutes to load (reference §7); a shorter grace would kill a healthy cold start.
  STARTUP_GRACE_MS: field.int({ default: 1_800_000, min: 1 }),
  HEALTH_INTERVAL_MS: field.int({ default: 5000, min: 1 }),
  HEALTH_TIMEOUT_MS: field.int({ default: 3000, min: 1 }),
  HEALTH_FAILURE_THRESHOLD: field.int({ default: 3, min: 1 }),
  KILL_GRACE_MS: field.int({ default: 30_000, min: 0 }),
  VERSION_PROBE_TIMEOUT_MS: field.int({ default: 60_000, min: 1 }),
}

export interface InstanceConfig {
  /** `vllm` for the single-instance form, else the name from INSTANCES. */
  readonly name: string
  readonly vllmBin: readonly string[]
  readonly vllmVersion: VllmVersion | undefined
  readonly model: string
  readonly servedModelName: string | undefined
  readonly host: string
  readonly port: number
  readonly tpSize: number
  readonly quantization: string | undefined
  readonly gpuMemoryUtilization: number | undefined
  readonly maxModelLen: number | undefined
  readonly maxNumSeqs: number | undefined
  readonly swapSpaceGb: number | undefined
  readonly apiKey: string | undefined
  readonly hfToken: string | undefined
  readonly modelCacheDir: string | undefined
  readonly compileCacheDir: string
  readonly enablePrefixCaching: boolean | undefined
  readonly runner: 'generate' | 'pooling'
  readonly cudaVisibleDevices: string | undefined
  readonly extraArgs: readonly string[]
}

export interface SupervisorPolicy {
  readonly backoff: { initialMs: number; maxMs: number; multiplier: number; jitter: number }
  readonly maxRestarts: number
  readonly restartWindowMs: number
  readonly startupGraceMs: number
  readonly healthIntervalMs: number
  readonly healthTimeoutMs: number
  readonly failureThreshold: number
  readonly killGraceMs: number
}

export interface LauncherConfig {
  readonly instances: readonly InstanceConfig[]
  readonly policy: SupervisorPolicy
  readonly metricsPort: number
  readonly metricsHost: string
  readonly logLevel: FieldValue<(typeof launcherSpec)['LOG_LEVEL']>
  /** How long `<VLLM_BIN> --version` may take when VLLM_VERSION is unset (it imports torch: seconds). */
  readonly versionProbeTimeoutMs: number
}

type Parsed<S> = { [K in keyof S]: FieldValue<S[K]> }

/** parseEnv where each variable is read as `<prefix><VAR>` when that is set, else `<VAR>`, so messages name it. */
function parseScoped<S extends Record<string, Field<unknown>>>(
  env: EnvSource,
  spec: S,
  prefix: string,
): Parsed<S> {
  const source: Record<string, string> = {}
  const scoped: Record<string, Field<unknown>> = {}
  for (const [key, fieldSpec] of Object.entries(spec)) {
    const prefixed = `${prefix}${key}`
    const name = prefix !== '' && (env[prefixed] ?? '') !== '' ? prefixed : key
    source[key] = name
    scoped[name] = fieldSpec
  }
  const parsed = parseEnv(env, scoped)
  return Object.fromEntries(Object.keys(spec).map((key) => [key, parsed[source[key] ?? key]])) as Parsed<S>
}

function toInstance(name: string, raw: Parsed<typeof instanceSpec>, home: string): InstanceConfig {
  return {
    name,
    vllmBin: raw.VLLM_BIN,
    vllmVersion: raw.VLLM_VERSION,
    model: raw.MODEL_NAME,
    servedModelName: raw.SERVED_MODEL_NAME,
    host: raw.VLLM_HOST,
    port: raw.VLLM_PORT,
    tpSize: raw.TP_SIZE,
    quantization: raw.QUANTIZATION,
    gpuMemoryUtilization: raw.GPU_MEMORY_UTILIZATION,
    maxModelLen: raw.MAX_MODEL_LEN,
    maxNumSeqs: raw.MAX_NUM_SEQS,
    swapSpaceGb: raw.SWAP_SPACE_GB,
    apiKey: raw.VLLM_API_KEY,
    hfToken: raw.HF_TOKEN,
    modelCacheDir: raw.MODEL_CACHE_DIR,
    compileCacheDir:
      raw.COMPILE_CACHE_DIR ??
      (raw.MODEL_CACHE_DIR ? `${raw.MODEL_CACHE_DIR}/compile-cache` : `${home}/.cache/infergate/compile`),
    enablePrefixCaching: raw.ENABLE_PREFIX_CACHING,
    runner: raw.RUNNER,
    cudaVisibleDevices: raw.CUDA_VISIBLE_DEVICES,
    extraArgs: raw.VLLM_EXTRA_ARGS,
  }
}

const problemsOf = (error: unknown): readonly string[] => {
  if (error instanceof ConfigError) return error.problems
  throw error
}

/**
 * Reads the whole launcher configuration.
 * @throws ConfigError listing every bad variable of every instance, plus clashes between instances (same port).
 * @example loadConfig({ MODEL_NAME: 'Qwen/Qwen2.5-0.5B-Instruct', VLLM_PORT: '8000' })
 */
export function loadConfig(env: EnvSource): LauncherConfig {
  const problems: string[] = []
  let launcher: Parsed<typeof launcherSpec> | undefined
  try {
    launcher = parseEnv(env, launcherSpec)
  } catch (error) {
    problems.push(...problemsOf(error))
  }
  const names = launcher?.INSTANCES.length ? launcher.INSTANCES : undefined
  const instances: InstanceConfig[] = []
  for (const name of names ?? ['vllm']) {
    try {
      const prefix = names ? `${name.toUpperCase()}_` : ''
      instances.push(toInstance(name, parseScoped(env, instanceSpec, prefix), env.HOME ?? '/tmp'))
    } catch (error) {
      // A bad shared variable fails every instance the same way: report it once.
      for (const problem of problemsOf(error)) if (!problems.includes(problem)) problems.push(problem)
    }
  }
  problems.push(...clashes(instances))
  if (launcher && launcher.RESTART_BACKOFF_MAX_MS < launcher.RESTART_BACKOFF_INITIAL_MS)
    problems.push('RESTART_BACKOFF_MAX_MS: must be at least RESTART_BACKOFF_INITIAL_MS')
  if (problems.length > 0 || !launcher) throw new ConfigError(problems, 'vllm-launcher configuration')
  return {
    instances,
    metricsPort: launcher.LAUNCHER_METRICS_PORT,
    metricsHost: launcher.LAUNCHER_METRICS_HOST,
    logLevel: launcher.LOG_LEVEL,
    versionProbeTimeoutMs: launcher.VERSION_PROBE_TIMEOUT_MS,
    policy: {
      backoff: {
        initialMs: launcher.RESTART_BACKOFF_INITIAL_MS,
        maxMs: launcher.RESTART_BACKOFF_MAX_MS,
        multiplier: launcher.RESTART_BACKOFF_MULTIPLIER,
        jitter: launcher.RESTART_BACKOFF_JITTER,
      },
      maxRestarts: launcher.RESTART_MAX,
      restartWindowMs: launcher.RESTART_WINDOW_MS,
      startupGraceMs: launcher.STARTUP_GRACE_MS,
      healthIntervalMs: launcher.HEALTH_INTERVAL_MS,
      healthTimeoutMs: launcher.HEALTH_TIMEOUT_MS,
      failureThreshold: launcher.HEALTH_FAILURE_THRESHOLD,
      killGraceMs: launcher.KILL_GRACE_MS,
    },
  }
}

function clashes(instances: readonly InstanceConfig[]): string[] {
  const byPort = new Map<number, string[]>()
  for (const instance of instances)
    byPort.set(instance.port, [...(byPort.get(instance.port) ?? []), instance.name])
  return [...byPort]
    .filter(([, users]) => users.length > 1)
    .map(
      ([port, users]) =>
        `VLLM_PORT: instances ${users.join(' and ')} all use port ${port}; give each its own`,
    )
}
