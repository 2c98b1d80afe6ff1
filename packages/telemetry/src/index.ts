export { createPresetIdGenerator, type PresetIdGenerator } from './preset-ids.ts'
export { createTailKeepProcessor, type TailKeepOptions } from './tail-keep-processor.ts'
export { traceFraction } from './trace-fraction.ts'
export { type FinishedSpan, startTracing, type Tracing, type TracingOptions } from './tracing.ts'
