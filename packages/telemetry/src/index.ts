export { traceFraction } from './trace-fraction.ts'
export { type FinishedSpan, startTracing, type Tracing, type TracingOptions } from './tracing.ts'
