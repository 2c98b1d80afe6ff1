import { describe, expect, test } from 'bun:test'
import { ConfigError } from '@infergate/config'
import {
  CLI_DEFAULTS,
  DEFAULT_MODEL,
  loadEnv,
  resolveOptions,
  TEST_DEFAULTS,
  totalKvBlocks,
} from './config.ts'

describe('options', () => {
  test('defaults: sim-model served under its own name, vLLM port and seqs', () => {
    const options = resolveOptions({})
    expect(options.model).toBe(DEFAULT_MODEL)
    expect(options.servedModelNames).toEqual(['sim-model'])
    expect([options.port, options.maxNumSeqs, options.host]).toEqual([8000, 256, '0.0.0.0'])
  })

  test('test defaults have zero latency on a free loopback port', () => {
    const options = resolveOptions({ model: 'x' }, TEST_DEFAULTS)
    expect([options.ttftMs, options.itlMs, options.ttftPerTokenUs, options.port, options.host]).toEqual([
      0,
      0,
      0,
      0,
      '127.0.0.1',
    ])
    expect(options.servedModelNames).toEqual(['x'])
  })

  test('undefined overrides keep defaults', () => {
    expect(resolveOptions({ port: undefined }).port).toBe(CLI_DEFAULTS.port)
  })

  test('every out-of-range value is reported in one ConfigError', () => {
    let caught: unknown
    try {
      resolveOptions({ port: 70000, jitter: 2, maxNumSeqs: 0, failureStatus: [200], embeddingDim: 1.5 })
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(ConfigError)
    expect((caught as ConfigError).problems).toHaveLength(5)
    expect(() => resolveOptions({ failureRate: 0.5, failureStatus: [] })).toThrow('at least one status')
  })

  test('VLLM_API_KEY is read from the environment, empty means unset', () => {
    expect(loadEnv({ VLLM_API_KEY: 'k' })).toEqual({ apiKey: 'k' })
    expect(loadEnv({ VLLM_API_KEY: '' })).toEqual({})
  })

  test('KV blocks: the override wins, else room for max-num-seqs × 256 tokens', () => {
    expect(totalKvBlocks(resolveOptions({ numGpuBlocks: 7 }))).toBe(7)
    expect(totalKvBlocks(resolveOptions({ maxNumSeqs: 4, maxModelLen: 100 }))).toBe(64)
    expect(totalKvBlocks(resolveOptions({ maxNumSeqs: 1, maxModelLen: 8192 }))).toBe(512)
  })
})
