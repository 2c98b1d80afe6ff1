import { describe, expect, test } from 'bun:test'
import { detectFatal, detectMilestone, MILESTONE_NAMES } from './milestones.ts'

describe('detectMilestone', () => {
  const lines: [string, string, string | undefined][] = [
    ['vLLM API server version 0.11.0', 'args-parsed', '0.11.0'],
    ["non-default args: {'model': 'x'}", 'args-parsed', undefined],
    ['Resolved architecture: Qwen2ForCausalLM', 'model-resolved', 'Qwen2ForCausalLM'],
    ['Using max model len 32768', 'model-resolved', '32768'],
    ['Loading safetensors checkpoint shards:  50% Completed | 2/4 [00:01<00:01]', 'weights-loading', '50%'],
    ['Loading weights took 3.21 seconds', 'weights-loaded', '3.21'],
    ['Model loading took 14.2 GiB memory and 5.8 seconds', 'weights-loaded', '5.8'],
    ['Model loading took 14.2 GiB and 5.8 seconds', 'weights-loaded', '5.8'],
    ['torch.compile takes 28.4 s in total', 'compiling', '28.4 s'],
    ['Available KV cache memory: 52.1 GiB', 'kv-cache', '52.1 GiB'],
    ['GPU KV cache size: 975,712 tokens', 'kv-cache', '975,712 tokens'],
    ['Capturing CUDA graphs (mixed prefill-decode, PIECEWISE): 100%', 'graph-capture', undefined],
    ['Graph capturing finished in 7 secs, took 0.5 GiB', 'graph-capture', '7 secs'],
    ['init engine (profile, create kv cache, warmup model) took 52.3 seconds', 'engine-initialized', '52.3'],
    ['Starting vLLM API server 0 on http://0.0.0.0:8000', 'api-server-starting', 'http://0.0.0.0:8000'],
    ['Starting vLLM API server on http://0.0.0.0:8000', 'api-server-starting', 'http://0.0.0.0:8000'],
    ['Application startup complete.', 'ready', undefined],
  ]

  test.each(lines)('%p → %p', (line, name, detail) => {
    const milestone = detectMilestone(line)
    expect(milestone?.name).toBe(name as never)
    expect(milestone?.detail).toBe(detail as never)
    expect(milestone?.step).toBe(MILESTONE_NAMES.indexOf(name as never) + 1)
  })

  test('ordinary lines are not milestones', () => {
    expect(detectMilestone('Received request chatcmpl-1')).toBeUndefined()
    expect(detectMilestone('Route: /health, Methods: GET')).toBeUndefined()
  })
})

describe('detectFatal', () => {
  test('recognises each fatal start-up pattern with an actionable hint', () => {
    expect(detectFatal('torch.OutOfMemoryError: CUDA out of memory. Tried to allocate')).toContain(
      'GPU_MEMORY',
    )
    expect(detectFatal('ValueError: No available memory for the cache blocks.')).toContain('KV cache')
    expect(
      detectFatal(
        'The model max_model_len (32768) is larger than the maximum number of tokens that can be stored in KV cache (20000)',
      ),
    ).toContain('MAX_MODEL_LEN')
    expect(detectFatal('RuntimeError: Engine core initialization failed.')).toContain('engine failed')
    expect(detectFatal('vllm: error: unrecognized arguments: --swap-space 4')).toContain('VLLM_VERSION')
  })

  test('ordinary errors are not fatal patterns', () => {
    expect(detectFatal('ERROR request failed: client disconnected')).toBeUndefined()
  })
})
