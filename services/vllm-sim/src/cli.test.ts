import { describe, expect, test } from 'bun:test'
import { parseArgs, USAGE } from './cli.ts'

describe('parseArgs', () => {
  test('reads vllm serve style: positional model and vLLM flags', () => {
    const result = parseArgs([
      'serve',
      'meta-llama/Llama-3.1-8B',
      '--served-model-name',
      'llama',
      'fast',
      '--host=127.0.0.1',
      '--port',
      '8001',
      '--api-key',
      'k',
      '--max-num-seqs',
      '8',
      '--max-model-len',
      '2048',
    ])
    expect(result.problems).toEqual([])
    expect(result.options).toEqual({
      model: 'meta-llama/Llama-3.1-8B',
      servedModelNames: ['llama', 'fast'],
      host: '127.0.0.1',
      port: 8001,
      apiKey: 'k',
      maxNumSeqs: 8,
      maxModelLen: 2048,
    })
  })

  test('accepts --model without the positional and without the serve word', () => {
    expect(parseArgs(['--model', 'm']).options.model).toBe('m')
    expect(parseArgs(['m', '--port', '1']).options).toEqual({ model: 'm', port: 1 })
  })

  test('--runner pooling and the legacy --task embed select the embedding runner', () => {
    expect(parseArgs(['m', '--runner', 'pooling']).options.runner).toBe('pooling')
    expect(parseArgs(['m', '--task', 'embed']).options.runner).toBe('pooling')
    expect(parseArgs(['m', '--runner', 'generate']).options.runner).toBe('generate')
    expect(parseArgs(['m', '--runner', 'bogus']).problems[0]).toContain('--runner')
    expect(parseArgs(['m', '--task']).problems[0]).toContain('expected a value')
  })

  test('unknown vLLM flags are accepted and reported as ignored, with or without a value', () => {
    const result = parseArgs([
      'm',
      '--enforce-eager',
      '--tensor-parallel-size',
      '2',
      '--gpu-memory-utilization=0.8',
      '--trust-remote-code',
      '--some-new-flag',
      '--port',
      '9000',
    ])
    expect(result.problems).toEqual([])
    expect(result.ignored).toEqual([
      '--enforce-eager',
      '--tensor-parallel-size 2',
      '--gpu-memory-utilization 0.8',
      '--trust-remote-code',
      '--some-new-flag',
    ])
    expect(result.options.port).toBe(9000)
  })

  test('reads every --sim- flag with its type', () => {
    const result = parseArgs([
      'm',
      '--sim-ttft-ms',
      '50',
      '--sim-ttft-per-token-us=12.5',
      '--sim-itl-ms',
      '3',
      '--sim-jitter',
      '0.1',
      '--sim-mode',
      'echo',
      '--sim-embedding-dim',
      '16',
      '--sim-failure-rate',
      '0.25',
      '--sim-failure-status',
      '500,503',
      '--sim-startup-delay-ms',
      '100',
      '--sim-crash-after-ms',
      '1',
      '--sim-hang-after-ms',
      '2',
      '--sim-dead-after-ms',
      '3',
      '--enable-force-include-usage',
      '--sim-record-requests=false',
    ])
    expect(result.problems).toEqual([])
    expect(result.options).toMatchObject({
      ttftMs: 50,
      ttftPerTokenUs: 12.5,
      itlMs: 3,
      jitter: 0.1,
      mode: 'echo',
      embeddingDim: 16,
      failureRate: 0.25,
      failureStatus: [500, 503],
      startupDelayMs: 100,
      crashAfterMs: 1,
      hangAfterMs: 2,
      deadAfterMs: 3,
      forceIncludeUsage: true,
      recordRequests: false,
    })
  })

  test('reports every bad value', () => {
    const result = parseArgs([
      'm',
      '--port',
      'eighty',
      '--sim-mode',
      'loud',
      '--sim-jitter',
      'x',
      '--sim-failure-status',
      '5xx',
      '--served-model-name',
      '--max-num-seqs',
      '--sim-record-requests=maybe',
      'stray',
    ])
    expect(result.problems).toHaveLength(8)
  })

  test('--help is reported and the usage lists the simulator flags', () => {
    expect(parseArgs(['--help']).help).toBe(true)
    expect(USAGE).toContain('--sim-ttft-ms')
  })
})
