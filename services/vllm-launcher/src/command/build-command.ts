/** @module Turns one instance's configuration into the exact `vllm serve` argv and environment, version-aware. */
import { REDACTED } from '@infergate/logger'
import type { InstanceConfig } from '../config.ts'
import { quoteShellWord } from './shell-words.ts'
import { type VllmVersion, versionTraits } from './vllm-version.ts'

export interface LaunchCommand {
  readonly instance: string
  /** The executable and every argument, ready for spawn. */
  readonly argv: readonly string[]
  /** Variables the launcher sets on top of the inherited environment. */
  readonly env: Readonly<Record<string, string>>
  /** Where the watchdog polls; a wildcard bind address is probed on loopback. */
  readonly healthUrl: string
  /** Settings that were dropped or adjusted for this vLLM version, for the operator to see. */
  readonly warnings: readonly string[]
  readonly version: VllmVersion | undefined
}

const SECRET_ENV = new Set(['VLLM_API_KEY', 'HF_TOKEN'])
const SECRET_FLAGS = new Set(['--api-key', '--hf-token'])

const probeHost = (host: string): string =>
  host === '0.0.0.0' || host === ''
    ? '127.0.0.1'
    : host === '::'
      ? '[::1]'
      : host.includes(':')
        ? `[${host}]`
        : host

/** The flags vLLM gets for the optional settings: a table, so adding a setting is one line. */
const optionalFlags: readonly [string, (i: InstanceConfig) => string | number | undefined][] = [
  ['--served-model-name', (i) => i.servedModelName],
  ['--quantization', (i) => i.quantization],
  ['--gpu-memory-utilization', (i) => i.gpuMemoryUtilization],
  ['--max-model-len', (i) => i.maxModelLen],
  ['--max-num-seqs', (i) => i.maxNumSeqs],
]

/**
 * Builds the command for `instance`. `version` decides version-dependent flags (see versionTraits); the API key
 * and HF token travel in the environment, never in argv, where `ps` would show them to every local user.
 */
export function buildCommand(
  instance: InstanceConfig,
  version: VllmVersion | undefined,
  cliExtraArgs: readonly string[] = [],
): LaunchCommand {
  const traits = versionTraits(version)
  const warnings: string[] = []
  const args = ['serve', instance.model, '--host', instance.host, '--port', String(instance.port)]
  args.push('--tensor-parallel-size', String(instance.tpSize))
  for (const [flag, read] of optionalFlags) {
    const value = read(instance)
    if (value !== undefined) args.push(flag, String(value))
  }
  if (instance.swapSpaceGb !== undefined) {
    if (traits.swapSpace) args.push('--swap-space', String(instance.swapSpaceGb))
    else
      warnings.push(
        `SWAP_SPACE_GB ignored: vLLM ${version?.text ?? '(version unknown, assumed current)'} has no --swap-space (removed in 0.18)`,
      )
  }
  if (instance.runner === 'pooling') args.push(...traits.embeddingFlags)
  if (instance.enablePrefixCaching !== undefined)
    args.push(instance.enablePrefixCaching ? '--enable-prefix-caching' : '--no-enable-prefix-caching')
  args.push(...instance.extraArgs, ...cliExtraArgs)

  const cache = instance.compileCacheDir
  const env: Record<string, string> = {
    // NCCL errors then raise instead of hanging every rank forever, so the watchdog sees an exit, not a silent hang.
    TORCH_NCCL_BLOCKING_WAIT: '1',
    // A warm torch.compile/Triton cache turns minutes of compilation into seconds on every restart.
    VLLM_CACHE_ROOT: `${cache}/vllm`,
    TRITON_CACHE_DIR: `${cache}/triton`,
    TORCHINDUCTOR_CACHE_DIR: `${cache}/inductor`,
    // Python buffers piped stdout; progress lines would otherwise arrive in bursts, late.
    PYTHONUNBUFFERED: '1',
  }
  if (instance.modelCacheDir !== undefined) env.HF_HOME = instance.modelCacheDir
  if (instance.cudaVisibleDevices !== undefined) env.CUDA_VISIBLE_DEVICES = instance.cudaVisibleDevices
  if (instance.apiKey !== undefined) env.VLLM_API_KEY = instance.apiKey
  if (instance.hfToken !== undefined) env.HF_TOKEN = instance.hfToken

  return {
    instance: instance.name,
    argv: [...instance.vllmBin, ...args],
    env,
    healthUrl: `http://${probeHost(instance.host)}:${instance.port}/health`,
    warnings,
    version,
  }
}

/** argv with the value after a secret flag masked, for logs and dry runs. */
export function maskArgv(argv: readonly string[]): string[] {
  return argv.map((arg, index) => {
    const previous = argv[index - 1]
    if (previous !== undefined && SECRET_FLAGS.has(previous)) return REDACTED
    const [flag] = arg.split('=', 1)
    return flag !== undefined && arg.includes('=') && SECRET_FLAGS.has(flag) ? `${flag}=${REDACTED}` : arg
  })
}

/** The environment with secret values masked. */
export function maskEnv(env: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).map(([key, value]) => [key, SECRET_ENV.has(key) ? REDACTED : value]),
  )
}

/** What `--dry-run` prints: the environment the launcher adds and the exact command, pasteable, secrets masked. */
export function formatDryRun(command: LaunchCommand): string {
  const version = command.version
    ? `vLLM ${command.version.text}`
    : 'vLLM version unknown, assuming current flags'
  const lines = [`# instance ${command.instance} (${version}), health ${command.healthUrl}`]
  for (const warning of command.warnings) lines.push(`# warning: ${warning}`)
  const env = Object.entries(maskEnv(command.env)).map(([key, value]) => `${key}=${quoteShellWord(value)}`)
  lines.push(`env ${env.join(' ')} \\`)
  lines.push(`  ${maskArgv(command.argv).map(quoteShellWord).join(' ')}`)
  return lines.join('\n')
}
