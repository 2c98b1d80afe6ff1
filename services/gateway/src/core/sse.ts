/**
 * @module Server-sent-event framing and the little the relay must learn from vLLM's chunks: first content, finish
 * reasons, usage, in-band errors. Works on bytes so events pass through unchanged; parses JSON only when it must.
 */
import { blankLineEnd, concatBytes } from './bytes.ts'

const LF = 10
const CR = 13

/**
 * Splits a byte stream into whole SSE events (each including its blank-line terminator). Feed a chunk, then take
 * events with `next()` until it returns undefined: no array per chunk, and a chunk that is exactly one event (vLLM
 * writes one per engine step) comes back as itself rather than as a view.
 */
export class SseEventSplitter {
  private buffer: Uint8Array = EMPTY
  private offset = 0

  feed(chunk: Uint8Array): void {
    this.buffer =
      this.offset < this.buffer.length ? concatBytes(this.buffer.subarray(this.offset), chunk) : chunk
    this.offset = 0
  }

  next(): Uint8Array | undefined {
    const bytes = this.buffer
    const start = this.offset
    const end = blankLineEnd(bytes, start)
    if (end === -1) {
      // Fully consumed: let the chunk go rather than hold it until the next read.
      if (start === bytes.length) this.buffer = EMPTY
      return undefined
    }
    this.offset = end
    return start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end)
  }

  /** Whatever arrived after the last complete event: a truncated event when the upstream died mid-write. */
  rest(): Uint8Array | undefined {
    return this.offset < this.buffer.length ? this.buffer.subarray(this.offset) : undefined
  }
}

const EMPTY = new Uint8Array(0)

/** The `data:` payload of one event (multi-line data joined with \n, per the SSE spec), or undefined. */
export function eventData(event: string): string | undefined {
  // vLLM's events are one `data:` line and a blank line: take the payload without a regex split into lines.
  const lineEnd = event.indexOf('\n')
  if (lineEnd !== -1 && event.startsWith('data:') && onlyLineBreaksFrom(event, lineEnd + 1)) {
    const end = event.charCodeAt(lineEnd - 1) === CR ? lineEnd - 1 : lineEnd
    return event.slice(event.charCodeAt(5) === 32 ? 6 : 5, end)
  }
  let data: string | undefined
  for (const line of event.split(/\r?\n/)) {
    if (!line.startsWith('data:')) continue
    const value = line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5)
    data = data === undefined ? value : `${data}\n${value}`
  }
  return data
}

/** True when nothing but CR and LF follows `from`: the rest of the event holds no further field. */
function onlyLineBreaksFrom(text: string, from: number): boolean {
  for (let i = from; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code !== LF && code !== CR) return false
  }
  return true
}

export interface TokenUsage {
  prompt_tokens: number
  completion_tokens: number
  total_tokens: number
}

export type ChunkInfo =
  | { kind: 'done' }
  | { kind: 'other' }
  | { kind: 'error'; message: string }
  | {
      kind: 'chunk'
      /** True when the chunk carries generated content (text, reasoning or tool-call fragments). */
      hasContent: boolean
      finishReasons: string[]
      usage: TokenUsage | undefined
      /** A usage-only chunk (`choices: []`), the one the client sees only when it asked for include_usage. */
      usageOnly: boolean
    }

/**
 * Classifies one event. With `contentSeen` the caller already has its first token, so plain content chunks (no usage,
 * no finish reason, no error) are recognised by substring and never parsed.
 */
export function inspectEvent(event: string, contentSeen: boolean): ChunkInfo {
  const data = eventData(event)
  if (data === undefined) return { kind: 'other' }
  if (data === '[DONE]') return { kind: 'done' }
  const mayMatter =
    !contentSeen ||
    data.includes('"usage":{') ||
    data.includes('"finish_reason":"') ||
    data.includes('"error"')
  if (!mayMatter)
    return { kind: 'chunk', hasContent: true, finishReasons: [], usage: undefined, usageOnly: false }
  let parsed: unknown
  try {
    parsed = JSON.parse(data)
  } catch {
    return { kind: 'other' }
  }
  if (!parsed || typeof parsed !== 'object') return { kind: 'other' }
  const record = parsed as Record<string, unknown>
  if (record.error !== undefined && record.error !== null) {
    const error = record.error as { message?: unknown }
    return {
      kind: 'error',
      message: typeof error.message === 'string' ? error.message : String(record.error),
    }
  }
  const choices = Array.isArray(record.choices) ? (record.choices as Record<string, unknown>[]) : []
  const finishReasons: string[] = []
  let hasContent = false
  for (const choice of choices) {
    if (typeof choice.finish_reason === 'string') finishReasons.push(choice.finish_reason)
    if (!hasContent) hasContent = choiceHasContent(choice)
  }
  return {
    kind: 'chunk',
    hasContent,
    finishReasons,
    usage: readUsage(record.usage),
    usageOnly: choices.length === 0 && record.usage !== undefined && record.usage !== null,
  }
}

function choiceHasContent(choice: Record<string, unknown>): boolean {
  if (typeof choice.text === 'string' && choice.text !== '') return true
  const delta = choice.delta as Record<string, unknown> | undefined
  if (!delta) return false
  return (
    (typeof delta.content === 'string' && delta.content !== '') ||
    (typeof delta.reasoning_content === 'string' && delta.reasoning_content !== '') ||
    (typeof delta.reasoning === 'string' && delta.reasoning !== '') ||
    (Array.isArray(delta.tool_calls) && delta.tool_calls.length > 0)
  )
}

/** Reads an OpenAI usage object, tolerating missing totals. */
export function readUsage(value: unknown): TokenUsage | undefined {
  if (!value || typeof value !== 'object') return undefined
  const usage = value as Record<string, unknown>
  const prompt = typeof usage.prompt_tokens === 'number' ? usage.prompt_tokens : 0
  const completion = typeof usage.completion_tokens === 'number' ? usage.completion_tokens : 0
  const total = typeof usage.total_tokens === 'number' ? usage.total_tokens : prompt + completion
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: total }
}

/**
 * Byte patterns that make an event matter beyond "more content": usage, a finish reason, an error. The end,
 * `data: [DONE]`, is told by its first payload byte instead.
 */
const MARKERS = ['"usage":{', '"finish_reason":"', '"error"'].map((marker) => Buffer.from(marker))
const OPEN_BRACKET = 91
const SPACE = 32
/** Buffer's native search works on any Uint8Array: no Buffer view is allocated per event. */
const indexOfBytes = Buffer.prototype.indexOf as (this: Uint8Array, value: Uint8Array) => number

/**
 * True for a `data:` event that carries none of the markers: once the first token is known, such an event is
 * plain content and passes on without being decoded or parsed (no string is allocated per chunk). A payload that
 * starts with `[` (`[DONE]`, or anything odd) is never plain.
 */
export function isPlainContentEvent(event: Uint8Array): boolean {
  // 'data:'
  if (event[0] !== 100 || event[1] !== 97 || event[2] !== 116 || event[3] !== 97 || event[4] !== 58)
    return false
  if (event[event[5] === SPACE ? 6 : 5] === OPEN_BRACKET) return false
  for (let i = 0; i < MARKERS.length; i++)
    if (indexOfBytes.call(event, MARKERS[i] as Uint8Array) !== -1) return false
  return true
}
