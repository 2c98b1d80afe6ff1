/** @module What differs between chat and completion responses, so one stream/body builder serves both. */
import type { ChoicePlan, TokenLogprob } from '../generation-plan.ts'
import type { Usage } from './usage.ts'

export interface Finish {
  reason: string
  stopReason: string | null
}

export interface ResponseShape {
  /** Chat sends a role chunk per choice before any text; completions do not. */
  roleChunk(index: number): string | undefined
  /** One streamed chunk for one choice: a token (and logprob), and the finish reason on the last one. */
  chunk(
    index: number,
    text: string,
    logprob: TokenLogprob | undefined,
    finish: Finish | undefined,
    usage?: Usage,
  ): string
  /** The chunk after the last choice chunk when usage is requested: `choices: []`. */
  usageChunk(usage: Usage): string
  /** The non-streaming body. `prefixes` (completions echo) are prepended to each choice's text. */
  body(choices: readonly ChoicePlan[], usage: Usage, prefixes?: readonly string[]): string
}

export interface ResponseIdentity {
  id: string
  created: number
  model: string
}
