/** @module Durations as operators write them ("30s", "500ms", "2m"), so DURATION=30 is never silently 30 ms. */

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

/** Milliseconds for `"<number><ms|s|m|h>"`; a bare number means seconds. Throws on anything else or a value ≤ 0. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(text.trim())
  if (!match) throw new Error(`${JSON.stringify(text)} is not a duration such as 500ms, 30s or 2m`)
  const ms = Number(match[1]) * (UNITS[match[2] ?? 's'] ?? 1000)
  if (ms <= 0) throw new Error(`${JSON.stringify(text)} must be longer than zero`)
  return ms
}
