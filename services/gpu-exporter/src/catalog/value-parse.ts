/** @module Turns one nvidia-smi cell ("27 C", "[N/A]", "Not Active", "0x1E") into a number, or says it is unavailable. */

/**
 * Spellings nvidia-smi uses for "no value", compared case-insensitively after trimming. XML prints a bare `N/A`,
 * CSV brackets it; deprecated fields print a sentence in brackets. Any bracketed text is treated the same way,
 * because every bracketed cell nvidia-smi prints is an explanation, never a value.
 */
const UNAVAILABLE = new Set([
  '',
  'n/a',
  'na',
  'none',
  'unknown error',
  'not supported',
  'insufficient permissions',
  'requested functionality has been deprecated',
])

export function isUnavailable(raw: string | undefined): boolean {
  if (raw === undefined) return true
  const text = raw.trim()
  if (text.startsWith('[') && text.endsWith(']')) return true
  return UNAVAILABLE.has(text.toLowerCase())
}

/** Conversions a catalog entry can ask for; each takes the raw cell and returns the exposed number. */
export type Conversion =
  | 'number'
  | 'mib_to_bytes'
  | 'percent_to_ratio'
  | 'mhz_to_hz'
  | 'us_to_seconds'
  | 'pstate'
  | 'enabled'
  | 'active'
  | 'yes'

const NUMBER_WITH_UNIT = /^([-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*([A-Za-z%/]*)$/

/** The leading number of "631.95 W", "16x", "0x1E" (hex), or undefined when the cell is not a single number. */
export function parseNumber(raw: string): number | undefined {
  const text = raw.trim()
  if (/^0x[0-9a-f]+$/i.test(text)) return Number.parseInt(text.slice(2), 16)
  const match = NUMBER_WITH_UNIT.exec(text)
  if (!match?.[1]) return undefined
  const value = Number(match[1])
  return Number.isFinite(value) ? value : undefined
}

const STATES: Record<'enabled' | 'active' | 'yes', Record<string, number>> = {
  enabled: { enabled: 1, disabled: 0 },
  active: { active: 1, 'not active': 0 },
  yes: { yes: 1, no: 0 },
}

function scaled(factor: number): (raw: string) => number | undefined {
  return (raw) => {
    const value = parseNumber(raw)
    return value === undefined ? undefined : value * factor
  }
}

const CONVERTERS: Record<Conversion, (raw: string) => number | undefined> = {
  number: parseNumber,
  mib_to_bytes: scaled(1024 * 1024),
  percent_to_ratio: scaled(0.01),
  mhz_to_hz: scaled(1e6),
  us_to_seconds: scaled(1e-6),
  pstate: (raw) => {
    const match = /^P(\d{1,2})$/i.exec(raw.trim())
    return match?.[1] === undefined ? undefined : Number(match[1])
  },
  enabled: (raw) => STATES.enabled[raw.trim().toLowerCase()],
  active: (raw) => STATES.active[raw.trim().toLowerCase()],
  yes: (raw) => STATES.yes[raw.trim().toLowerCase()],
}

export type Converted = { ok: true; value: number } | { ok: false; unavailable: boolean }

/**
 * Converts one cell. `unavailable: true` means nvidia-smi said there is no value (the sample is omitted quietly);
 * `unavailable: false` means the text could not be read (also omitted, but counted as a parse problem).
 */
export function convert(raw: string | undefined, conversion: Conversion): Converted {
  if (raw === undefined || isUnavailable(raw)) return { ok: false, unavailable: true }
  const value = CONVERTERS[conversion](raw)
  if (value === undefined || !Number.isFinite(value)) return { ok: false, unavailable: false }
  return { ok: true, value }
}
