/**
 * @module The sampling decision's arithmetic, free of OpenTelemetry imports: importing it does not load the SDK
 * (~20 MB of RSS), which a gateway with tracing off never loads.
 */

/** The trace id's low 32 bits as a fraction, the same idea as TraceIdRatioBasedSampler. */
export const traceFraction = (traceId: string): number =>
  Number.parseInt(traceId.slice(-8), 16) / 0x1_0000_0000
