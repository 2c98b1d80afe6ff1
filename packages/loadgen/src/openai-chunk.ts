/** @module Reads one streamed OpenAI chunk (chat or completions) for what a load test counts: text, usage, errors. */

export type ChunkEvent =
  | { readonly kind: 'done' }
  | { readonly kind: 'error'; readonly message: string }
  | { readonly kind: 'chunk'; readonly content: boolean; readonly completionTokens?: number }
  | { readonly kind: 'invalid' }

interface ChunkShape {
  error?: { message?: unknown } | string
  choices?: Array<{
    delta?: { content?: unknown; reasoning_content?: unknown; tool_calls?: unknown }
    text?: unknown
  }>
  usage?: { completion_tokens?: unknown } | null
}

const nonEmpty = (value: unknown): boolean =>
  (typeof value === 'string' && value.length > 0) || (Array.isArray(value) && value.length > 0)

/**
 * Classifies an SSE `data` payload. `content` is true when the chunk carries generated output (text, reasoning or
 * tool-call fragments): the role chunk with `content: ""` and the usage chunk are not tokens, so they must not
 * start the time-to-first-token clock.
 */
export function readChunk(payload: string): ChunkEvent {
  if (payload.trim() === '[DONE]') return { kind: 'done' }
  let parsed: ChunkShape
  try {
    parsed = JSON.parse(payload) as ChunkShape
  } catch {
    return { kind: 'invalid' }
  }
  if (parsed === null || typeof parsed !== 'object') return { kind: 'invalid' }
  if (parsed.error !== undefined && parsed.error !== null) {
    const message = typeof parsed.error === 'string' ? parsed.error : String(parsed.error.message ?? 'error')
    return { kind: 'error', message }
  }
  const content = (parsed.choices ?? []).some(
    (choice) =>
      nonEmpty(choice.text) ||
      nonEmpty(choice.delta?.content) ||
      nonEmpty(choice.delta?.reasoning_content) ||
      nonEmpty(choice.delta?.tool_calls),
  )
  const tokens = parsed.usage?.completion_tokens
  return typeof tokens === 'number'
    ? { kind: 'chunk', content, completionTokens: tokens }
    : { kind: 'chunk', content }
}
