import { describe, expect, test } from 'bun:test'
import { ConfigError, field, parseEnv } from './index.ts'

const spec = {
  PORT: field.int({ default: 8080, min: 1, max: 65535 }),
  RATIO: field.float({ default: 0.9, min: 0, max: 1 }),
  NAME: field.string({ default: 'x' }),
  URLS: field.httpUrlList({ default: ['http://127.0.0.1:8000'] }),
  MODE: field.oneOf(['open', 'closed'] as const, { default: 'open' }),
  DEBUG: field.bool({ default: false }),
  ALIASES: field.pairs(),
  KEYS: field.list(),
  TOKEN: field.optionalString(),
  ENCODING: field.optionalOneOf(['json', 'protobuf'] as const),
}

describe('parseEnv', () => {
  test('applies defaults when variables are unset or empty', () => {
    const config = parseEnv({ PORT: '' }, spec)
    expect(config).toEqual({
      PORT: 8080,
      RATIO: 0.9,
      NAME: 'x',
      URLS: ['http://127.0.0.1:8000'],
      MODE: 'open',
      DEBUG: false,
      ALIASES: {},
      KEYS: [],
      TOKEN: undefined,
      ENCODING: undefined,
    })
  })

  test('parses every kind of value', () => {
    const config = parseEnv(
      {
        PORT: '9000',
        RATIO: '0.5',
        NAME: 'gw',
        URLS: 'http://a:1/, https://b/v1/',
        MODE: 'closed',
        DEBUG: 'yes',
        ALIASES: 'fast=small, quality=big',
        KEYS: 'k1,,k2 ',
        TOKEN: 's3cret',
        ENCODING: 'protobuf',
      },
      spec,
    )
    expect(config.PORT).toBe(9000)
    expect(config.RATIO).toBe(0.5)
    expect(config.URLS).toEqual(['http://a:1', 'https://b/v1'])
    expect(config.MODE).toBe('closed')
    expect(config.DEBUG).toBe(true)
    expect(config.ALIASES).toEqual({ fast: 'small', quality: 'big' })
    expect(config.KEYS).toEqual(['k1', 'k2'])
    expect(config.TOKEN).toBe('s3cret')
    expect(config.ENCODING).toBe('protobuf')
  })

  test('lists every bad variable in one error', () => {
    const env = {
      PORT: '80ms',
      RATIO: '1.5',
      URLS: 'ftp://x',
      MODE: 'half',
      DEBUG: 'maybe',
      ALIASES: 'novalue',
      ENCODING: 'xml',
    }
    let caught: unknown
    try {
      parseEnv(env, spec)
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(ConfigError)
    const problems = (caught as ConfigError).problems
    expect(problems.map((p) => p.split('=')[0])).toEqual([
      'PORT',
      'RATIO',
      'URLS',
      'MODE',
      'DEBUG',
      'ALIASES',
      'ENCODING',
    ])
    expect((caught as ConfigError).message).toContain(
      'PORT="80ms": is not an integer (expected an integer from 1 to 65535)',
    )
  })

  test('rejects integers out of range and required values that are missing', () => {
    expect(() => parseEnv({ N: '0' }, { N: field.int({ min: 1 }) })).toThrow('must be at least 1')
    expect(() => parseEnv({ N: '70000' }, { N: field.int({ max: 65535 }) })).toThrow('must be at most 65535')
    expect(() => parseEnv({}, { N: field.string() })).toThrow('N="": is required')
    expect(() => parseEnv({ U: 'not a url' }, { U: field.httpUrl() })).toThrow('is not a URL')
    expect(() => parseEnv({ U: ' , ' }, { U: field.httpUrlList() })).toThrow('is empty')
    expect(() => parseEnv({ F: 'abc' }, { F: field.float() })).toThrow('is not a number')
  })
})
