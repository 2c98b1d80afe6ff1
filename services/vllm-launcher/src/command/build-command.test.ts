import { describe, expect, test } from 'bun:test'
import { loadConfig } from '../config.ts'
import { buildCommand, formatDryRun, maskArgv } from './build-command.ts'
import { parseVllmVersion } from './vllm-version.ts'

const instanceFrom = (env: Record<string, string>) => {
  const [instance] = loadConfig({ HOME: '/h', MODEL_NAME: 'org/model', ...env }).instances
  if (!instance) throw new Error('no instance')
  return instance
}
const v = (text: string) => parseVllmVersion(text)
const argsOf = (env: Record<string, string>, version = '0.11.0') =>
  buildCommand(instanceFrom(env), v(version)).argv.join(' ')

describe('buildCommand', () => {
  test('minimal config: serve, model, bind address, port and TP only', () => {
    expect(argsOf({})).toBe('vllm serve org/model --host 0.0.0.0 --port 8000 --tensor-parallel-size 1')
  })

  test('every setting maps to its flag, in a stable order, with extra args last', () => {
    const env = {
      VLLM_BIN: 'bun /sim/main.ts',
      SERVED_MODEL_NAME: 'chat',
      VLLM_HOST: '127.0.0.1',
      VLLM_PORT: '9000',
      TP_SIZE: '4',
      QUANTIZATION: 'fp8',
      GPU_MEMORY_UTILIZATION: '0.5',
      MAX_MODEL_LEN: '4096',
      MAX_NUM_SEQS: '32',
      ENABLE_PREFIX_CACHING: 'true',
      VLLM_EXTRA_ARGS: '--enforce-eager --dtype half',
    }
    const command = buildCommand(instanceFrom(env), v('0.11.0'), ['--seed', '1'])
    expect(command.argv).toEqual([
      'bun',
      '/sim/main.ts',
      'serve',
      'org/model',
      '--host',
      '127.0.0.1',
      '--port',
      '9000',
      '--tensor-parallel-size',
      '4',
      '--served-model-name',
      'chat',
      '--quantization',
      'fp8',
      '--gpu-memory-utilization',
      '0.5',
      '--max-model-len',
      '4096',
      '--max-num-seqs',
      '32',
      '--enable-prefix-caching',
      '--enforce-eager',
      '--dtype',
      'half',
      '--seed',
      '1',
    ])
    expect(command.healthUrl).toBe('http://127.0.0.1:9000/health')
  })

  test('prefix caching off is passed explicitly, since V1 turns it on by default', () => {
    expect(argsOf({ ENABLE_PREFIX_CACHING: '0' })).toEndWith('--no-enable-prefix-caching')
  })

  test('--swap-space only below 0.18, with a warning when dropped', () => {
    expect(argsOf({ SWAP_SPACE_GB: '8' }, '0.17.1')).toEndWith('--swap-space 8')
    const modern = buildCommand(instanceFrom({ SWAP_SPACE_GB: '8' }), v('0.18.0'))
    expect(modern.argv).not.toContain('--swap-space')
    expect(modern.warnings[0]).toContain('SWAP_SPACE_GB ignored: vLLM 0.18.0')
    const unknown = buildCommand(instanceFrom({ SWAP_SPACE_GB: '8' }), undefined)
    expect(unknown.argv).not.toContain('--swap-space')
    expect(unknown.warnings[0]).toContain('version unknown')
  })

  test('embedding runner: --runner pooling from 0.10, --task embed before', () => {
    expect(argsOf({ RUNNER: 'pooling' }, '0.12.0')).toEndWith('--runner pooling')
    expect(argsOf({ RUNNER: 'pooling' }, '0.9.2')).toEndWith('--task embed')
    expect(argsOf({ RUNNER: 'generate' }, '0.9.2')).not.toContain('--task')
  })

  test('environment: NCCL blocking wait, compile caches, model cache, GPUs and secrets never in argv', () => {
    const command = buildCommand(
      instanceFrom({
        MODEL_CACHE_DIR: '/m',
        CUDA_VISIBLE_DEVICES: '1,2',
        VLLM_API_KEY: 'sk-1',
        HF_TOKEN: 'hf-2',
      }),
      v('0.11.0'),
    )
    expect(command.env).toEqual({
      TORCH_NCCL_BLOCKING_WAIT: '1',
      VLLM_CACHE_ROOT: '/m/compile-cache/vllm',
      TRITON_CACHE_DIR: '/m/compile-cache/triton',
      TORCHINDUCTOR_CACHE_DIR: '/m/compile-cache/inductor',
      PYTHONUNBUFFERED: '1',
      HF_HOME: '/m',
      CUDA_VISIBLE_DEVICES: '1,2',
      VLLM_API_KEY: 'sk-1',
      HF_TOKEN: 'hf-2',
    })
    expect(command.argv.join(' ')).not.toContain('sk-1')
  })

  test('probes loopback when bound to a wildcard address, brackets IPv6', () => {
    expect(buildCommand(instanceFrom({}), undefined).healthUrl).toBe('http://127.0.0.1:8000/health')
    expect(buildCommand(instanceFrom({ VLLM_HOST: '::' }), undefined).healthUrl).toBe(
      'http://[::1]:8000/health',
    )
    expect(buildCommand(instanceFrom({ VLLM_HOST: '::1' }), undefined).healthUrl).toBe(
      'http://[::1]:8000/health',
    )
  })
})

describe('dry run output', () => {
  test('shows the exact command and environment with secrets masked, including secret flags in extra args', () => {
    const command = buildCommand(
      instanceFrom({
        VLLM_API_KEY: 'sk-live-1',
        HF_TOKEN: 'hf_abc',
        VLLM_EXTRA_ARGS: '--api-key sk-extra --hf-token=hf_x',
        SWAP_SPACE_GB: '2',
      }),
      v('0.18.1'),
    )
    const text = formatDryRun(command)
    for (const secret of ['sk-live-1', 'hf_abc', 'sk-extra', 'hf_x']) expect(text).not.toContain(secret)
    expect(text).toContain("VLLM_API_KEY='[REDACTED]'")
    expect(text).toContain("--api-key '[REDACTED]' '--hf-token=[REDACTED]'")
    expect(text).toContain('TORCH_NCCL_BLOCKING_WAIT=1')
    expect(text).toContain('vllm serve org/model --host 0.0.0.0 --port 8000')
    expect(text).toContain('# instance vllm (vLLM 0.18.1)')
    expect(text).toContain('# warning: SWAP_SPACE_GB ignored')
  })

  test('maskArgv leaves ordinary arguments alone', () => {
    expect(maskArgv(['--port', '1', '--api-key'])).toEqual(['--port', '1', '--api-key'])
  })
})
