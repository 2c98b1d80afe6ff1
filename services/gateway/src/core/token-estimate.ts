/**
 * @module Prompt size before the upstream has tokenized it: what limits and quota reservations are sized on.
 * The real count settles the books afterwards; only the hard cap needs the estimate never to fall short.
 */

/** Tokens a chat template adds around each message (role markers, separators) in common templates. */
const PER_MESSAGE_OVERHEAD = 4

/**
 * `typical`: about 4 bytes of UTF-8 per token, as BPE vocabularies average on prose.
 * `upper`: one token per byte, a bound no byte-level BPE tokenizer exceeds (used under QUOTA_HARD_CAP).
 */
export type EstimateMode = 'typical' | 'upper'

const textBytes = (value: unknown): number => {
  if (typeof value === 'string') return Buffer.byteLength(value)
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + textBytes(item), 0)
  if (value && typeof value === 'object') {
    const part = value as Record<string, unknown>
    return textBytes(part.text ?? part.content ?? '')
  }
  return 0
}

const fromBytes = (bytes: number, mode: EstimateMode): number =>
  mode === 'upper' ? bytes : Math.ceil(bytes / 4)

/** Token-id prompts are counted exactly; text is estimated. */
function countPrompt(prompt: unknown, mode: EstimateMode): number {
  if (typeof prompt === 'string') return fromBytes(Buffer.byteLength(prompt), mode)
  if (!Array.isArray(prompt)) return 0
  if (prompt.every((item) => typeof item === 'number')) return prompt.length
  return prompt.reduce((sum: number, item) => sum + countPrompt(item, mode), 0)
}

export function estimatePromptTokens(body: Record<string, unknown>, mode: EstimateMode = 'typical'): number {
  if (Array.isArray(body.messages)) {
    let total = 0
    for (const message of body.messages as Record<string, unknown>[]) {
      total += PER_MESSAGE_OVERHEAD + fromBytes(textBytes(message?.content), mode)
    }
    return total
  }
  return countPrompt(body.prompt ?? body.input, mode)
}

/** The completion budget a request asks for, if any (chat's newer max_completion_tokens wins). */
export function requestedMaxTokens(body: Record<string, unknown>): number | undefined {
  const value = body.max_completion_tokens ?? body.max_tokens
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined
}
