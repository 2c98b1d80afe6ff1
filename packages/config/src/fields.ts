/** @module Field readers for parseEnv: each checks one kind of value and names what it expected. */
import type { Field } from './parse-env.ts'

const missing = (): never => {
  throw new Error('is required')
}

interface NumberOptions {
  default?: number
  min?: number
  max?: number
}

const rangeText = ({ min, max }: NumberOptions): string =>
  min !== undefined && max !== undefined
    ? ` from ${min} to ${max}`
    : min !== undefined
      ? ` of at least ${min}`
      : max !== undefined
        ? ` of at most ${max}`
        : ''

function checkRange(value: number, options: NumberOptions): number {
  if (options.min !== undefined && value < options.min) throw new Error(`must be at least ${options.min}`)
  if (options.max !== undefined && value > options.max) throw new Error(`must be at most ${options.max}`)
  return value
}

/** A base-10 integer; rejects "1.5", "10ms", "1e3" so that a unit typo never passes silently. */
export const int = (options: NumberOptions = {}): Field<number> => ({
  expected: `an integer${rangeText(options)}`,
  parse(raw) {
    if (raw === undefined) return options.default ?? missing()
    if (!/^[+-]?\d+$/.test(raw.trim())) throw new Error('is not an integer')
    const value = Number(raw)
    if (!Number.isSafeInteger(value)) throw new Error('is out of range')
    return checkRange(value, options)
  },
})

export const float = (options: NumberOptions = {}): Field<number> => ({
  expected: `a number${rangeText(options)}`,
  parse(raw) {
    if (raw === undefined) return options.default ?? missing()
    const value = Number(raw.trim())
    if (raw.trim() === '' || !Number.isFinite(value)) throw new Error('is not a number')
    return checkRange(value, options)
  },
})

export const string = (options: { default?: string } = {}): Field<string> => ({
  expected: 'a string',
  parse: (raw) => raw ?? options.default ?? missing(),
})

/** An optional string: undefined when unset. */
export const optionalString = (): Field<string | undefined> => ({
  expected: 'a string',
  parse: (raw) => raw,
})

const TRUE = new Set(['1', 'true', 'yes', 'on'])
const FALSE = new Set(['0', 'false', 'no', 'off'])

export const bool = (options: { default?: boolean } = {}): Field<boolean> => ({
  expected: 'one of 1/0, true/false, yes/no, on/off',
  parse(raw) {
    if (raw === undefined) return options.default ?? missing()
    const value = raw.trim().toLowerCase()
    if (TRUE.has(value)) return true
    if (FALSE.has(value)) return false
    throw new Error('is not a boolean')
  },
})

export const oneOf = <const T extends string>(
  values: readonly T[],
  options: { default?: T } = {},
): Field<T> => ({
  expected: `one of ${values.join(', ')}`,
  parse(raw) {
    if (raw === undefined) return options.default ?? missing()
    const value = raw.trim()
    if ((values as readonly string[]).includes(value)) return value as T
    throw new Error('is not an allowed value')
  },
})

/** One of `values`, or undefined when unset (for a setting that falls back to another one). */
export const optionalOneOf = <const T extends string>(values: readonly T[]): Field<T | undefined> => {
  const required = oneOf(values, {})
  return {
    expected: required.expected,
    parse: (raw) => (raw === undefined ? undefined : required.parse(raw)),
  }
}

/** An absolute http(s) URL, without a trailing slash so that paths can be appended. */
export const httpUrl = (options: { default?: string } = {}): Field<string> => ({
  expected: 'an http(s) URL',
  parse(raw) {
    const value = raw ?? options.default ?? missing()
    return parseHttpUrl(value)
  },
})

function parseHttpUrl(value: string): string {
  let url: URL
  try {
    url = new URL(value.trim())
  } catch {
    throw new Error(`${JSON.stringify(value)} is not a URL`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`${value} is not http(s)`)
  return url.href.replace(/\/+$/, '')
}

/** Comma-separated values; blanks between commas are dropped. */
export const list = (options: { default?: readonly string[] } = {}): Field<string[]> => ({
  expected: 'a comma-separated list',
  parse(raw) {
    if (raw === undefined) return [...(options.default ?? [])]
    return raw
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item.length > 0)
  },
})

/** Comma-separated http(s) URLs, each checked. */
export const httpUrlList = (options: { default?: readonly string[] } = {}): Field<string[]> => ({
  expected: 'a comma-separated list of http(s) URLs',
  parse(raw) {
    const items = list(options).parse(raw)
    if (items.length === 0) throw new Error('is empty')
    return items.map(parseHttpUrl)
  },
})

/** `name=value` pairs separated by commas, e.g. MODEL_ALIASES=fast=a,quality=b. */
export const pairs = (
  options: { default?: Readonly<Record<string, string>> } = {},
): Field<Record<string, string>> => ({
  expected: 'comma-separated name=value pairs',
  parse(raw) {
    if (raw === undefined) return { ...(options.default ?? {}) }
    const out: Record<string, string> = {}
    for (const item of list().parse(raw)) {
      const at = item.indexOf('=')
      const key = item.slice(0, at).trim()
      const value = item.slice(at + 1).trim()
      if (at <= 0 || value === '') throw new Error(`${JSON.stringify(item)} is not name=value`)
      out[key] = value
    }
    return out
  },
})
