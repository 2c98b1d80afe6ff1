/** @module Byte helpers shared by the SSE splitter and the HTTP/1.1 parser, which both frame by blank lines. */

const LF = 10
const CR = 13

/**
 * Offset just past the first blank line at or after `from` (LF LF or LF CR LF, so CRLF and bare-LF line ends both
 * count), or -1. The LF search is native.
 */
export function blankLineEnd(bytes: Uint8Array, from: number): number {
  for (let i = bytes.indexOf(LF, from); i !== -1; i = bytes.indexOf(LF, i + 1)) {
    const next = bytes[i + 1]
    if (next === LF) return i + 2
    if (next === CR && bytes[i + 2] === LF) return i + 3
  }
  return -1
}

export function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length)
  out.set(a, 0)
  out.set(b, a.length)
  return out
}
