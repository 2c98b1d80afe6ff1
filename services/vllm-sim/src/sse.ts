/** @module Server-sent events framing as vLLM writes it: `data: <json>\n\n`, no `event:` lines, then `data: [DONE]`. */

export const DONE_FRAME = 'data: [DONE]\n\n'

export function frame(json: string): string {
  return `data: ${json}\n\n`
}

export const SSE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
}
