/** @module What chat and completion requests become once validated: prompts with token counts, plus sampling. */
import type { SamplingParams } from './sampling-params.ts'

export interface PromptInput {
  promptTokens: number
  /** What echo mode replays: the last user message (chat) or the prompt (completions), directives removed. */
  echoText: string
  /** The prompt as sent, for completions' `echo: true`. */
  text: string
}

export interface GenerateRequest {
  kind: 'chat' | 'completion'
  model?: string
  prompts: PromptInput[]
  /** Every prompt text that may carry `[[sim:...]]` directives. */
  directiveTexts: string[]
  sampling: SamplingParams
  /** Logprobs requested: the number of top alternatives (0 = only the sampled token); undefined = none. */
  logprobs?: number
  /** max_tokens when the request sets none and the context leaves more (completions: 16). */
  defaultMaxTokens?: number
  /** Completions only: prepend the prompt to the output. */
  echo: boolean
}
