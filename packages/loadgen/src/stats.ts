/** @module Percentile summaries computed exactly from sorted samples: a load test keeps every sample it takes. */

export interface Stats {
  readonly count: number
  readonly min: number
  readonly mean: number
  readonly p50: number
  readonly p90: number
  readonly p95: number
  readonly p99: number
  readonly max: number
}

/**
 * The nearest-rank percentile of an ascending array: the smallest sample with at least `q` of the samples at or
 * below it. Nearest-rank never invents a value that was not observed, so p99 of 10 samples is the maximum.
 */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN
  if (q <= 0) return sorted[0] ?? Number.NaN
  const rank = Math.ceil(q * sorted.length)
  return sorted[Math.min(rank, sorted.length) - 1] ?? Number.NaN
}

/** Summarises samples (any order); an empty set gives count 0 and NaN figures, which JSON prints as null. */
export function summarize(samples: readonly number[]): Stats {
  const sorted = Float64Array.from(samples).sort()
  const values = Array.from(sorted)
  let sum = 0
  for (const value of values) sum += value
  return {
    count: values.length,
    min: values[0] ?? Number.NaN,
    mean: values.length === 0 ? Number.NaN : sum / values.length,
    p50: percentile(values, 0.5),
    p90: percentile(values, 0.9),
    p95: percentile(values, 0.95),
    p99: percentile(values, 0.99),
    max: values[values.length - 1] ?? Number.NaN,
  }
}
