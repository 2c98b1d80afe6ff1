/**
 * @module Decides each choice's output before any of it is sent: its tokens, finish reason, stop reason and
 * logprobs. Knowing the length up front lets the scheduler reserve KV blocks and lets usage be exact. Pure.
 */
import type { Directives } from './faults.ts'
import { createRng, type Rng, randomInt } from './rng.ts'
import { echoTokens, type OutputMode, randomTokens } from './text-generator.ts'
import { splitTokens } from './tokenizer.ts'

export interface TokenLogprob {
  token: string
  logprob: number
  top: { token: string; logprob: number }[]
}

export interface ChoicePlan {
  tokens: string[]
  /** Tokens the engine generated, counted in usage (includes a token that completed a stop string). */
  generated: number
  finishReason: 'stop' | 'length'
  stopReason: string | null
  logprobs?: TokenLogprob[]
}

export interface PlanInput {
  mode: OutputMode
  echoText: string
  /** Effective max_tokens: the request's, or what the context leaves. */
  maxTokens: number
  minTokens: number
  ignoreEos: boolean
  stop: readonly string[]
  directives: Directives
  /** The `--sim-output-tokens` flag. */
  fixedTokens?: number
  randomMaxTokens: number
  seed: number
  logprobs?: number
}

const ALTERNATIVES = [' the', ' a', ' and', ' of', ' to', ' in', ',', '.', ' is', ' it', ' we', ' on']

/** Deterministic logprobs: the sampled token is always the most likely, alternatives trail it. */
function makeLogprobs(tokens: readonly string[], top: number, rng: Rng): TokenLogprob[] {
  return tokens.map((token) => {
    const logprob = -Math.round(rng() * 2000) / 1000
    const alternatives: { token: string; logprob: number }[] = []
    for (let i = 0; alternatives.length < top && i < ALTERNATIVES.length + top; i += 1) {
      const candidate = i === 0 ? token : (ALTERNATIVES[(i - 1) % ALTERNATIVES.length] as string)
      if (i > 0 && alternatives.some((alt) => alt.token === candidate)) continue
      alternatives.push({
        token: candidate,
        logprob: i === 0 ? logprob : logprob - i - Math.round(rng() * 1000) / 1000,
      })
    }
    return { token, logprob, top: alternatives }
  })
}

/** Cuts tokens at the first stop string; returns undefined when none occurs. */
function applyStop(
  tokens: readonly string[],
  stop: readonly string[],
): { tokens: string[]; generated: number; stopReason: string } | undefined {
  if (stop.length === 0) return undefined
  let text = ''
  const ends: number[] = []
  const longest = Math.max(...stop.map((item) => item.length))
  for (let k = 0; k < tokens.length; k += 1) {
    const from = Math.max(0, text.length - longest + 1)
    text += tokens[k]
    ends.push(text.length)
    let best: { at: number; stop: string } | undefined
    for (const candidate of stop) {
      const at = text.indexOf(candidate, from)
      if (at !== -1 && (best === undefined || at < best.at)) best = { at, stop: candidate }
    }
    if (best === undefined) continue
    const kept: string[] = []
    let start = 0
    for (let j = 0; j <= k; j += 1) {
      const end = ends[j] as number
      if (end <= best.at) kept.push(tokens[j] as string)
      else if (start < best.at) kept.push(text.slice(start, best.at))
      start = end
    }
    return { tokens: kept, generated: k + 1, stopReason: best.stop }
  }
  return undefined
}

export function planChoice(input: PlanInput): ChoicePlan {
  const rng = createRng(input.seed)
  const { directives, maxTokens } = input
  const fixed = directives.tokens ?? input.fixedTokens
  let wanted: number
  if (fixed !== undefined) wanted = fixed
  else if (input.ignoreEos) wanted = maxTokens
  else if (input.mode === 'echo') wanted = Math.max(1, splitTokens(input.echoText).length)
  else wanted = randomInt(rng, 1, Math.max(1, Math.min(maxTokens, input.randomMaxTokens)))
  wanted = Math.max(wanted, input.minTokens)
  const length = Math.min(wanted, maxTokens)
  // Random lengths that reach max_tokens were cut by it; fixed lengths are cut only when they exceed it.
  const cut =
    input.ignoreEos ||
    wanted > maxTokens ||
    (fixed === undefined && input.mode === 'random' && length === maxTokens)
  let finishReason: 'stop' | 'length' = cut ? 'length' : 'stop'
  let tokens = input.mode === 'echo' ? echoTokens(input.echoText, length) : randomTokens(length, rng)
  let generated = tokens.length
  let stopReason: string | null = null
  const stopped = applyStop(tokens, input.stop)
  if (stopped !== undefined) {
    tokens = stopped.tokens
    generated = stopped.generated
    stopReason = stopped.stopReason
    finishReason = 'stop'
  }
  if (directives.finish !== undefined) finishReason = directives.finish
  return {
    tokens,
    generated,
    finishReason,
    stopReason,
    ...(input.logprobs === undefined ? {} : { logprobs: makeLogprobs(tokens, input.logprobs, rng) }),
  }
}
