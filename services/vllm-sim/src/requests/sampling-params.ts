/** @module The request fields chat and completions share: lengths, n, sampling ranges, stop, stream options. */
import { SimError } from '../errors.ts'
import {
  type Body,
  invalid,
  optionalBool,
  optionalInt,
  optionalNumber,
  optionalObject,
  stopStrings,
} from './request-fields.ts'

export interface SamplingParams {
  /** Explicit max_tokens / max_completion_tokens, if any. */
  maxTokens?: number
  minTokens: number
  n: number
  stop: string[]
  seed?: number
  ignoreEos: boolean
  stream: boolean
  includeUsage: boolean
  continuousUsage: boolean
}

/** vLLM's limit on requested logprobs (--max-logprobs default). */
export const MAX_LOGPROBS = 20

export function readSamplingParams(body: Body): SamplingParams {
  const maxTokens = optionalInt(body, 'max_completion_tokens') ?? optionalInt(body, 'max_tokens')
  if (maxTokens !== undefined && maxTokens < 1)
    throw new SimError(400, `max_tokens must be at least 1, got ${maxTokens}.`, 'max_tokens')
  const n = optionalInt(body, 'n') ?? 1
  if (n < 1) throw new SimError(400, `n must be at least 1, got ${n}.`, 'n')
  if (n > 128) throw new SimError(400, `n must be at most 128, got ${n}.`, 'n')
  const temperature = optionalNumber(body, 'temperature')
  if (temperature !== undefined && temperature < 0)
    throw new SimError(400, `temperature must be non-negative, got ${temperature}.`, 'temperature')
  const topP = optionalNumber(body, 'top_p')
  if (topP !== undefined && (topP <= 0 || topP > 1))
    throw new SimError(400, `top_p must be in (0, 1], got ${topP}.`, 'top_p')
  const minTokens = optionalInt(body, 'min_tokens', 0) ?? 0
  if (maxTokens !== undefined && minTokens > maxTokens)
    throw new SimError(
      400,
      `min_tokens must be less than or equal to max_tokens=${maxTokens}, got ${minTokens}.`,
      'min_tokens',
    )
  const stream = optionalBool(body, 'stream') ?? false
  const streamOptions = optionalObject(body, 'stream_options')
  if (streamOptions !== undefined && !stream)
    throw new SimError(400, 'Stream options can only be defined when `stream=True`.', 'stream_options')
  const includeUsage = streamOptions !== undefined && optionalBool(streamOptions, 'include_usage') === true
  const continuousUsage =
    includeUsage &&
    streamOptions !== undefined &&
    optionalBool(streamOptions, 'continuous_usage_stats') === true
  const seed = optionalInt(body, 'seed')
  return {
    ...(maxTokens === undefined ? {} : { maxTokens }),
    ...(seed === undefined ? {} : { seed }),
    minTokens,
    n,
    stop: stopStrings(body),
    ignoreEos: optionalBool(body, 'ignore_eos') ?? false,
    stream,
    includeUsage,
    continuousUsage,
  }
}

export function checkLogprobsCount(name: string, value: number | undefined): void {
  if (value !== undefined && value > MAX_LOGPROBS)
    throw invalid(
      name,
      `Requested sample logprobs of ${value}, which is greater than max allowed: ${MAX_LOGPROBS}`,
    )
}
