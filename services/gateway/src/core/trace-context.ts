/** @module W3C trace context: continue the client's trace when it sent one, start one otherwise. */

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/

// Random bytes are drawn 4 KiB at a time: one getRandomValues call serves about 170 requests' trace and span ids.
const randomPool = Buffer.alloc(4096)
let randomAt = randomPool.length

/** `bytes` random bytes as lowercase hex (trace ids 16, span ids 8). */
export function randomHex(bytes: number): string {
  if (randomAt + bytes > randomPool.length) {
    crypto.getRandomValues(randomPool)
    randomAt = 0
  }
  const hex = randomPool.toString('hex', randomAt, randomAt + bytes)
  randomAt += bytes
  return hex
}

export interface TraceContext {
  traceId: string
  /** The span id this hop sends upstream as the parent. */
  spanId: string
  sampled: boolean
}

/** Parses an incoming traceparent; an invalid or all-zero one is ignored, as the spec requires. */
export function parseTraceparent(header: string | null | undefined): TraceContext | undefined {
  const match = header ? TRACEPARENT.exec(header.trim().toLowerCase()) : null
  if (!match?.[1] || !match[2] || !match[3]) return undefined
  if (/^0+$/.test(match[1]) || /^0+$/.test(match[2])) return undefined
  return { traceId: match[1], spanId: match[2], sampled: (Number.parseInt(match[3], 16) & 1) === 1 }
}

/** A child context for the upstream call: same trace, new span id. */
export function childTraceContext(parent: TraceContext | undefined): TraceContext {
  return { traceId: parent?.traceId ?? randomHex(16), spanId: randomHex(8), sampled: parent?.sampled ?? true }
}

export const formatTraceparent = (context: TraceContext): string =>
  `00-${context.traceId}-${context.spanId}-${context.sampled ? '01' : '00'}`
