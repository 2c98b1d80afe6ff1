export { createTailKeepProcessor, type TailKeepOptions } from './tail-keep-processor.ts'
export { startTracing, type Tracing, type TracingOptions } from './tracing.ts'
