/**
 * @module Finds the `usage` object in a non-streaming response without parsing the whole body: an embeddings answer
 * can be megabytes of floats, while usage is a few bytes near its end.
 */
import { readUsage, type TokenUsage } from './sse.ts'

export function extractUsage(body: string): TokenUsage | undefined {
  const key = body.lastIndexOf('"usage"')
  if (key === -1) return undefined
  const open = body.indexOf('{', key)
  if (open === -1) return undefined
  // Only `null` or whitespace and a colon may stand between the key and its object.
  if (!/^\s*:\s*$/.test(body.slice(key + 7, open))) return undefined
  let depth = 0
  let inString = false
  for (let i = open; i < body.length; i++) {
    const char = body.charCodeAt(i)
    if (inString) {
      if (char === 92)
        i++ // backslash: skip the escaped character
      else if (char === 34) inString = false
      continue
    }
    if (char === 34) inString = true
    else if (char === 123) depth++
    else if (char === 125 && --depth === 0) {
      try {
        return readUsage(JSON.parse(body.slice(open, i + 1)))
      } catch {
        return undefined
      }
    }
  }
  return undefined
}
