import { describe, expect, test } from 'bun:test'
import { ConfigError } from '@infergate/config'
import { parseFlags, readLoadtestConfig } from './loadtest-config.ts'

describe('readLoadtestConfig', () => {
  test('has operator-friendly defaults: closed loop, streaming, 30 s against the local gateway', () => {
    const config = readLoadtestConfig({})
    expect(config).toMatchObject({
      TARGET_URL: 'http://127.0.0.1:8080',
      CONCURRENCY: 8,
      DURATION: 30_000,
      RATE: undefined,
      STREAM: true,
      MAX_TOKENS: 64,
      MODEL: undefined,
      TIMEOUT: 60_000,
    })
    expect(config.PROMPT_MIX).toEqual([{ name: 'short', tokens: 64, weight: 1 }])
  })

  test('reads every setting', () => {
    const config = readLoadtestConfig({
      TARGET_URL: 'http://127.0.0.1:9/',
      CONCURRENCY: '4',
      DURATION: '2s',
      RATE: '2.5',
      STREAM: '0',
      PROMPT_MIX: 'short:70,long:30',
      MAX_TOKENS: '16',
      API_KEY: 'k',
      MODEL: 'm',
      TIMEOUT: '500ms',
    })
    expect(config).toMatchObject({
      TARGET_URL: 'http://127.0.0.1:9',
      CONCURRENCY: 4,
      DURATION: 2000,
      RATE: 2.5,
    })
    expect(config).toMatchObject({ STREAM: false, MAX_TOKENS: 16, API_KEY: 'k', MODEL: 'm', TIMEOUT: 500 })
    expect(config.PROMPT_MIX.map((item) => item.name)).toEqual(['short', 'long'])
  })

  test('lists every bad setting in one error', () => {
    let error: unknown
    try {
      readLoadtestConfig({
        CONCURRENCY: '0',
        DURATION: '10x',
        RATE: '-1',
        STREAM: 'maybe',
        PROMPT_MIX: 'huge:1',
      })
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(ConfigError)
    const problems = (error as ConfigError).problems.join('\n')
    for (const name of ['CONCURRENCY', 'DURATION', 'RATE', 'STREAM', 'PROMPT_MIX'])
      expect(problems).toContain(name)
  })
})

describe('parseFlags', () => {
  test('maps kebab-case flags to setting names, in both spellings', () => {
    const flags = parseFlags([
      '--concurrency',
      '4',
      '--duration=2s',
      '--max-tokens',
      '8',
      '--json',
      '--no-stream',
    ])
    expect(flags).toEqual({
      env: { CONCURRENCY: '4', DURATION: '2s', MAX_TOKENS: '8', STREAM: '0' },
      json: true,
      help: false,
    })
    expect(parseFlags(['--stream', '--help'])).toEqual({ env: { STREAM: '1' }, json: false, help: true })
    expect(parseFlags(['--stream=0']).env.STREAM).toBe('0')
  })

  test('rejects unknown flags, stray arguments and missing values together', () => {
    expect(() => parseFlags(['--concurency', '4', 'oops', '--rate'])).toThrow(
      'unknown flag --concurency; unexpected argument "4"; unexpected argument "oops"; --rate needs a value',
    )
    expect(() => parseFlags(['--rate', '--json'])).toThrow('--rate needs a value')
  })
})
