/**
 * @module How long things take: TTFT = base + per-prompt-token prefill cost, ITL per output token, both with
 * uniform jitter (±fraction) and an optional slowdown as the running batch fills up. Pure: uniform draws come in.
 */

export interface LatencyConfig {
  ttftMs: number
  ttftPerTokenUs: number
  itlMs: number
  /** Fraction of each delay that jitter may add or remove, 0 to 1. */
  jitter: number
  /** Delays are multiplied by up to this factor as running requests approach max-num-seqs (1 = no effect). */
  loadFactor: number
}

/** `base` moved by up to ±jitter·base; `u` is uniform in [0, 1). Never negative. */
export function jittered(base: number, jitter: number, u: number): number {
  if (base <= 0) return 0
  return Math.max(0, base * (1 + jitter * (2 * u - 1)))
}

/** 1 when idle, `loadFactor` when every slot is busy, linear in between. */
export function loadMultiplier(config: LatencyConfig, running: number, maxNumSeqs: number): number {
  if (config.loadFactor <= 1 || maxNumSeqs <= 0) return 1
  return 1 + (config.loadFactor - 1) * Math.min(1, running / maxNumSeqs)
}

/** Time to first token in ms; `overrideMs` (a directive) replaces the whole model, jitter included. */
export function timeToFirstTokenMs(
  config: LatencyConfig,
  promptTokens: number,
  u: number,
  multiplier = 1,
  overrideMs?: number,
): number {
  if (overrideMs !== undefined) return overrideMs
  const base = config.ttftMs + (config.ttftPerTokenUs * promptTokens) / 1000
  return jittered(base, config.jitter, u) * multiplier
}

/** Delay before one more output token, in ms. */
export function interTokenMs(config: LatencyConfig, u: number, multiplier = 1, overrideMs?: number): number {
  if (overrideMs !== undefined) return overrideMs
  return jittered(config.itlMs, config.jitter, u) * multiplier
}
