/** @module W3C trace context: continue the client's trace when it sent one, start one otherwise. */

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/

const randomHex = (bytes: number): string => {
  const buffer = new Uint8Array(bytes)
  crypto.getRandomValues(buffer)
  return Buffer.from(buffer).toString('hex')
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
