import { describe, expect, test } from 'bun:test'
import { ConfigError } from '@infergate/config'
import { loadConfig } from './config.ts'

function problemsFor(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env)
  } catch (error) {
    if (error instanceof ConfigError) return error.problems
    throw error
  }
  throw new Error('expected a ConfigError')
}

describe('loadConfig, single instance', () => {
  test('reads the issue env names as-is with defaults for the rest', () => {
    const config = loadConfig({
      MODEL_NAME: 'Qwen/Qwen2.5-7B-Instruct',
      TP_SIZE: '2',
      QUANTIZATION: 'awq',
      GPU_MEMORY_UTILIZATION: '0.85',
      MAX_MODEL_LEN: '8192',
      MAX_NUM_SEQS: '64',
      SWAP_SPACE_GB: '4',
      VLLM_API_KEY: 'k',
      VLLM_PORT: '8001',
      MODEL_CACHE_DIR: '/models',
      HF_TOKEN: 'hf',
      ENABLE_PREFIX_CACHING: 'false',
      VLLM_BIN: 'bun "/opt/sim dir/main.ts"',
      VLLM_EXTRA_ARGS: '--dtype half',
      HOME: '/home/u',
    })
    expect(config.instances).toHaveLength(1)
    expect(config.instances[0]).toMatchObject({
      name: 'vllm',
      model: 'Qwen/Qwen2.5-7B-Instruct',
      tpSize: 2,
      quantization: 'awq',
      gpuMemoryUtilization: 0.85,
      maxModelLen: 8192,
      maxNumSeqs: 64,
      swapSpaceGb: 4,
      apiKey: 'k',
      port: 8001,
      host: '0.0.0.0',
      modelCacheDir: '/models',
      compileCacheDir: '/models/compile-cache',
      enablePrefixCaching: false,
      vllmBin: ['bun', '/opt/sim dir/main.ts'],
      extraArgs: ['--dtype', 'half'],
      runner: 'generate',
    })
    expect(config.metricsPort).toBe(9102)
    expect(config.policy).toMatchObject({ maxRestarts: 5, failureThreshold: 3, startupGraceMs: 1_800_000 })
  })

  test('leaves optional vLLM settings unset and puts the compile cache under HOME', () => {
    const [instance] = loadConfig({ MODEL_NAME: 'm', HOME: '/home/u' }).instances
    expect(instance).toMatchObject({
      quantization: undefined,
      gpuMemoryUtilization: undefined,
      maxModelLen: undefined,
      enablePrefixCaching: undefined,
      vllmBin: ['vllm'],
      vllmVersion: undefined,
      compileCacheDir: '/home/u/.cache/infergate/compile',
    })
  })

  test('names every bad variable in one error', () => {
    const problems = problemsFor({
      GPU_MEMORY_UTILIZATION: '0',
      TP_SIZE: '0',
      MAX_MODEL_LEN: '4k',
      MAX_NUM_SEQS: '-1',
      QUANTIZATION: 'awq4',
      VLLM_PORT: '70000',
      VLLM_VERSION: 'latest',
      VLLM_BIN: '  ',
      ENABLE_PREFIX_CACHING: 'maybe',
      RESTART_BACKOFF_JITTER: '2',
    })
    const names = problems.map((problem) => problem.split('=')[0])
    expect(names).toEqual(
      expect.arrayContaining([
        'MODEL_NAME',
        'GPU_MEMORY_UTILIZATION',
        'TP_SIZE',
        'MAX_MODEL_LEN',
        'MAX_NUM_SEQS',
        'QUANTIZATION',
        'VLLM_PORT',
        'VLLM_VERSION',
        'VLLM_BIN',
        'ENABLE_PREFIX_CACHING',
        'RESTART_BACKOFF_JITTER',
      ]),
    )
    expect(problems).toHaveLength(11)
    expect(problems.find((p) => p.startsWith('GPU_MEMORY_UTILIZATION'))).toContain('outside (0, 1]')
    expect(problems.find((p) => p.startsWith('QUANTIZATION'))).toContain('awq_marlin')
  })

  test('rejects a fraction above 1 and non-numbers, accepts exactly 1', () => {
    expect(problemsFor({ MODEL_NAME: 'm', GPU_MEMORY_UTILIZATION: '1.01' })[0]).toContain('outside (0, 1]')
    expect(problemsFor({ MODEL_NAME: 'm', GPU_MEMORY_UTILIZATION: 'lots' })[0]).toContain('is not a number')
    expect(
      loadConfig({ MODEL_NAME: 'm', GPU_MEMORY_UTILIZATION: '1' }).instances[0]?.gpuMemoryUtilization,
    ).toBe(1)
  })

  test('rejects an unterminated quote in VLLM_BIN or VLLM_EXTRA_ARGS and a backoff cap below its start', () => {
    const problems = problemsFor({
      MODEL_NAME: 'm',
      VLLM_BIN: '"bun',
      VLLM_EXTRA_ARGS: "--x 'y",
      RESTART_BACKOFF_INITIAL_MS: '500',
      RESTART_BACKOFF_MAX_MS: '100',
    })
    expect(problems.map((p) => p.split(/[=:]/)[0])).toEqual([
      'VLLM_BIN',
      'VLLM_EXTRA_ARGS',
      'RESTART_BACKOFF_MAX_MS',
    ])
  })
})

describe('loadConfig, several instances', () => {
  const dual = {
    INSTANCES: 'gen,embed',
    VLLM_BIN: 'vllm',
    GPU_MEMORY_UTILIZATION: '0.9',
    GEN_MODEL_NAME: 'Qwen/Qwen2.5-7B-Instruct',
    GEN_VLLM_PORT: '8000',
    GEN_CUDA_VISIBLE_DEVICES: '0',
    EMBED_MODEL_NAME: 'BAAI/bge-m3',
    EMBED_VLLM_PORT: '8001',
    EMBED_RUNNER: 'pooling',
    EMBED_CUDA_VISIBLE_DEVICES: '1',
    EMBED_GPU_MEMORY_UTILIZATION: '0.3',
  }

  test('prefixed variables override shared ones per instance', () => {
    const config = loadConfig(dual)
    expect(config.instances.map((i) => [i.name, i.model, i.port, i.runner, i.cudaVisibleDevices])).toEqual([
      ['gen', 'Qwen/Qwen2.5-7B-Instruct', 8000, 'generate', '0'],
      ['embed', 'BAAI/bge-m3', 8001, 'pooling', '1'],
    ])
    expect(config.instances.map((i) => i.gpuMemoryUtilization)).toEqual([0.9, 0.3])
  })

  test('names the prefixed variable that is bad, reports a shared bad one once, and catches port clashes', () => {
    const problems = problemsFor({ ...dual, EMBED_MAX_NUM_SEQS: 'many', TP_SIZE: 'two' })
    expect(problems.map((p) => p.split('=')[0])).toEqual(['TP_SIZE', 'EMBED_MAX_NUM_SEQS'])
    const clash = problemsFor({ ...dual, EMBED_VLLM_PORT: '8000' })
    expect(clash).toEqual([expect.stringContaining('VLLM_PORT: instances gen and embed all use port 8000')])
  })

  test('rejects instance names that cannot be env prefixes or repeat', () => {
    expect(problemsFor({ ...dual, INSTANCES: 'gen,9x' })[0]).toContain('invalid names 9x')
    expect(problemsFor({ ...dual, INSTANCES: 'gen,GEN' })[0]).toContain('repeats a name')
  })
})
