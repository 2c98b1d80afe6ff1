/** @module Public surface of @infergate/loadgen. */
export { type ChatRequestOptions, createChatRequests, type RequestSpec } from './chat-request.ts'
export { type ClosedLoopOptions, runClosedLoop } from './closed-loop.ts'
export { parseDuration } from './duration.ts'
export { BUN_DEFAULT_FETCH_LIMIT, FETCH_LIMIT_VARIABLE, fetchLimitEnv } from './fetch-limit.ts'
export { formatProgress, formatReport } from './format-report.ts'
export {
  LOADTEST_SPEC,
  type LoadtestConfig,
  type ParsedFlags,
  parseFlags,
  readLoadtestConfig,
} from './loadtest-config.ts'
export { type OpenLoopOptions, runOpenLoop } from './open-loop.ts'
export { readChunk } from './openai-chunk.ts'
export {
  PROMPT_CLASS_TOKENS,
  type PromptClass,
  parsePromptMix,
  pickPromptClass,
  promptText,
} from './prompt-mix.ts'
export {
  createRecorder,
  type ErrorBreakdown,
  type LoadReport,
  type Progress,
  type Recorder,
} from './recorder.ts'
export { ERROR_KINDS, type ErrorKind, type RequestResult } from './request-result.ts'
export type { RunOptions, Send } from './run-options.ts'
export { createSchedule, type Schedule } from './schedule.ts'
export { createSseParser, type SseParser } from './sse-parser.ts'
export { percentile, type Stats, summarize } from './stats.ts'
export { type SendOptions, sendTimed } from './timed-request.ts'
