/**
 * @module Per-request fault and shape directives: `[[sim:NAME=VALUE]]` / `[[sim:NAME]]` anywhere in the prompt
 * text, or the header `x-sim: NAME=VALUE;NAME2=VALUE2`. The header wins over the prompt for the same name. Pure:
 * parsing returns values or a message, never throws, and the failure-rate draw takes its random number as input.
 */

export interface Directives {
  /** Fail before any output with this HTTP status and vLLM's error body. */
  status?: number
  /** Stream this many content chunks, then drop the connection without [DONE]. */
  dieAfter?: number
  /** Never answer (the connection stays open until the client leaves). */
  hang?: boolean
  /** Stream this many content chunks, then go silent with the connection open. */
  hangAfter?: number
  /** Generate exactly this many completion tokens (max_tokens still caps it). */
  tokens?: number
  ttftMs?: number
  itlMs?: number
  finish?: 'length' | 'stop'
}

export type DirectiveResult = { ok: true; directives: Directives } | { ok: false; message: string }

export const DIRECTIVE_MARKER = '[[sim:'
const PROMPT_DIRECTIVE = /\[\[sim:([a-z-]+)(?:=([^\]]*))?\]\]/g

function nonNegativeInt(name: string, value: string | undefined): number | string {
  if (value === undefined || !/^\d+$/.test(value.trim()))
    return `sim directive ${name} needs a non-negative integer`
  return Number(value.trim())
}

/** Applies one NAME[=VALUE] to `into`; returns an error message or undefined. */
function applyDirective(into: Directives, rawName: string, value: string | undefined): string | undefined {
  const name = rawName.trim().toLowerCase()
  if (name === 'hang') {
    if (value !== undefined && value.trim() !== '' && value.trim() !== 'true')
      return 'sim directive hang takes no value'
    into.hang = true
    return undefined
  }
  if (name === 'finish') {
    const finish = value?.trim()
    if (finish !== 'length' && finish !== 'stop') return 'sim directive finish must be length or stop'
    into.finish = finish
    return undefined
  }
  const numberKeys: Readonly<Record<string, Exclude<keyof Directives, 'hang' | 'finish'>>> = {
    status: 'status',
    'die-after': 'dieAfter',
    'hang-after': 'hangAfter',
    tokens: 'tokens',
    'ttft-ms': 'ttftMs',
    'itl-ms': 'itlMs',
  }
  const key = numberKeys[name]
  if (key === undefined) return `unknown sim directive ${JSON.stringify(rawName)}`
  const parsed = nonNegativeInt(name, value)
  if (typeof parsed === 'string') return parsed
  if (key === 'status' && (parsed < 400 || parsed > 599))
    return 'sim directive status must be from 400 to 599'
  into[key] = parsed
  return undefined
}

/** Directives found in prompt text. Cheap when absent: one indexOf. */
export function parsePromptDirectives(text: string, into: Directives = {}): string | undefined {
  if (!text.includes(DIRECTIVE_MARKER)) return undefined
  for (const match of text.matchAll(PROMPT_DIRECTIVE)) {
    const problem = applyDirective(into, match[1] ?? '', match[2])
    if (problem !== undefined) return problem
  }
  return undefined
}

/** Directives of an `x-sim` header value: `NAME=VALUE;NAME2` (commas also separate). */
export function parseHeaderDirectives(header: string, into: Directives = {}): string | undefined {
  for (const item of header.split(/[;,]/)) {
    if (item.trim() === '') continue
    const eq = item.indexOf('=')
    const problem =
      eq === -1
        ? applyDirective(into, item, undefined)
        : applyDirective(into, item.slice(0, eq), item.slice(eq + 1))
    if (problem !== undefined) return problem
  }
  return undefined
}

/** Prompt directives first, then the header's, so the header overrides. */
export function collectDirectives(texts: readonly string[], header: string | null): DirectiveResult {
  const directives: Directives = {}
  for (const text of texts) {
    const problem = parsePromptDirectives(text, directives)
    if (problem !== undefined) return { ok: false, message: problem }
  }
  if (header !== null && header !== '') {
    const problem = parseHeaderDirectives(header, directives)
    if (problem !== undefined) return { ok: false, message: problem }
  }
  return { ok: true, directives }
}

/** The prompt text with every directive removed, as echo mode replays it. */
export function stripDirectives(text: string): string {
  return text.includes(DIRECTIVE_MARKER) ? text.replace(PROMPT_DIRECTIVE, '') : text
}

/**
 * Whether the configured failure rate hits this request and with which status. `draw` and `pick` are uniform
 * numbers in [0, 1) supplied by the caller.
 */
export function injectedFailure(
  rate: number,
  statuses: readonly number[],
  draw: number,
  pick: number,
): number | undefined {
  if (rate <= 0 || statuses.length === 0 || draw >= rate) return undefined
  return statuses[Math.min(statuses.length - 1, Math.floor(pick * statuses.length))]
}
