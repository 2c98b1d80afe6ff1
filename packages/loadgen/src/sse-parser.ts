/** @module Incremental Server-Sent Events parser: text arrives in arbitrary network pieces, events leave whole. */

export interface SseParser {
  /** Feeds the next piece of decoded text; returns the `data` of every event it completed, in order. */
  push(text: string): string[]
  /** Ends the stream: an event with data but no closing blank line is returned, as browsers do not but we must count it. */
  end(): string[]
  /** Whether text is buffered that has not yet formed a whole event (a stream cut in the middle of one). */
  readonly pending: boolean
}

/**
 * Follows the WHATWG event-stream rules that OpenAI-style servers use: lines end in LF, CRLF or CR; `data:` lines
 * (one optional space after the colon) accumulate and join with LF; a blank line dispatches; `:` lines are comments;
 * other fields (`event`, `id`, `retry`) are ignored because chat and completions streams never rely on them.
 */
export function createSseParser(): SseParser {
  let line = ''
  let data: string[] = []
  let skipLf = false

  const takeLine = (out: string[]): void => {
    if (line === '') {
      if (data.length > 0) out.push(data.join('\n'))
      data = []
    } else if (line.startsWith('data')) {
      const rest = line.slice(4)
      if (rest === '') data.push('')
      else if (rest.startsWith(':')) data.push(rest.startsWith(': ') ? rest.slice(2) : rest.slice(1))
    }
    line = ''
  }

  return {
    push(text) {
      const out: string[] = []
      let start = 0
      for (let i = 0; i < text.length; i++) {
        const code = text.charCodeAt(i)
        if (code === 10 && skipLf) {
          skipLf = false
          start = i + 1
          continue
        }
        skipLf = false
        if (code !== 10 && code !== 13) continue
        line += text.slice(start, i)
        takeLine(out)
        skipLf = code === 13
        start = i + 1
      }
      line += text.slice(start)
      return out
    },
    end() {
      const out: string[] = []
      if (line !== '') takeLine(out)
      if (data.length > 0) out.push(data.join('\n'))
      data = []
      return out
    },
    get pending() {
      return line !== '' || data.length > 0
    },
  }
}
