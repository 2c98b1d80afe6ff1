/**
 * @module The JSON text sent upstream. The client's own bytes go as they are whenever the gateway changes nothing in
 * them (re-serializing a long prompt costs time proportional to its size); a stream that needs usage gets
 * `stream_options` spliced in textually when the client sent none; anything else is serialized from the object.
 */

export interface PayloadInput {
  /** The validated body, already carrying whatever the gateway changed (model, stream_options, max_tokens). */
  body: Record<string, unknown>
  /** The client's JSON text of `body` before any change; absent when unknown. */
  raw: string | undefined
  /** True when something other than stream_options was changed (an alias resolved, max_tokens capped). */
  rewritten: boolean
  /** The stream needs `stream_options.include_usage` added, which the client did not send. */
  addIncludeUsage: boolean
}

const INCLUDE_USAGE = '"stream_options":{"include_usage":true},'

export function upstreamPayload({ body, raw, rewritten, addIncludeUsage }: PayloadInput): string {
  if (raw === undefined || rewritten) return JSON.stringify(body)
  if (!addIncludeUsage) return raw
  // Spliced only where the client sent no stream_options at all: a duplicate key is read last-wins upstream, so the
  // text is searched for the quoted name, or any \u escape that could spell it, and either means serializing.
  const open = raw.indexOf('{')
  if (open === -1 || raw.includes('"stream_options"') || raw.includes('\\u')) return JSON.stringify(body)
  return `${raw.slice(0, open + 1)}${INCLUDE_USAGE}${raw.slice(open + 1)}`
}
