export { createPresetIdGenerator, type PresetIdGenerator } from './preset-ids.ts'
export { createTailKeepProcessor, type TailKeepOptions, traceFraction } from './tail-keep-processor.ts'
export { startTracing, type Tracing, type TracingOptions } from './tracing.ts'
