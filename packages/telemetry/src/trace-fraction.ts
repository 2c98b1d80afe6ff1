/**
 * @module The sampling decision's arithmetic, free of OpenTelemetry imports: the gateway decides per request whether a
 * trace is kept without loading the SDK (~20 MB of RSS) when tracing is off.
 */

/** The trace id's low 32 bits as a fraction, the same idea as TraceIdRatioBasedSampler. */
export const traceFraction = (traceId: string): number =>
  Number.parseInt(traceId.slice(-8), 16) / 0x1_0000_0000
