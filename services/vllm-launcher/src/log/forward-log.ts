/**
 * @module Re-emits vLLM's stdout/stderr as JSON log lines tagged with the instance, and reports start-up progress
 * from the milestones it sees.
 */
import type { Logger } from '@infergate/logger'
import { detectFatal, detectMilestone, MILESTONE_NAMES, type Milestone } from './milestones.ts'
import { type LogLevel, parseVllmLine } from './vllm-line.ts'

/** A line longer than this is cut: one runaway print must not grow the launcher's memory without bound. */
const MAX_LINE = 16_384

/** Splits a text stream into lines on `\n` and on tqdm's `\r` redraws. */
export function createLineSplitter() {
  let rest = ''
  return {
    push(chunk: string): string[] {
      const parts = (rest + chunk).split(/\r\n|\r|\n/)
      rest = (parts.pop() ?? '').slice(0, MAX_LINE)
      return parts.map((part) => part.slice(0, MAX_LINE))
    },
    end(): string[] {
      const last = rest
      rest = ''
      return last === '' ? [] : [last]
    },
  }
}

export type LineSink = (raw: string, stream: 'stdout' | 'stderr') => void

/**
 * Logs each vLLM line as JSON (level mapped from vLLM's, source and process kept), adds a hint to known fatal
 * errors, and logs each new start-up milestone once as `startup: <label>` with its step.
 */
export function createLineSink(
  log: Logger,
  instance: string,
  onMilestone?: (milestone: Milestone) => void,
): LineSink {
  let lastStep = 0
  let lastDetail: string | undefined
  return (raw, stream) => {
    const line = parseVllmLine(raw, stream === 'stderr' ? 'warn' : 'info')
    if (line.text === '') return
    const hint = detectFatal(line.text)
    const fields = { instance, stream, source: line.source, process: line.process, pid: line.pid }
    if (hint) log.error({ ...fields, hint }, line.text)
    else log[line.level satisfies LogLevel](fields, line.text)
    const milestone = detectMilestone(line.text)
    if (!milestone) return
    // Several lines mark each step; report a step once, except the weight-loading percentage, which is progress.
    const progress =
      milestone.step === lastStep && milestone.name === 'weights-loading' && milestone.detail !== lastDetail
    if (milestone.step <= lastStep && !progress) return
    lastStep = milestone.step
    lastDetail = milestone.detail
    const { name, step, label, detail } = milestone
    log.info(
      { instance, milestone: name, step, steps: MILESTONE_NAMES.length, detail },
      `startup: ${label}${detail ? ` (${detail})` : ''}`,
    )
    onMilestone?.(milestone)
  }
}

/** Reads a child's output stream to its end, feeding complete lines to `sink`. */
export async function forwardOutput(
  output: ReadableStream<Uint8Array>,
  stream: 'stdout' | 'stderr',
  sink: LineSink,
): Promise<void> {
  const splitter = createLineSplitter()
  const decoder = new TextDecoder()
  for await (const chunk of output) {
    for (const line of splitter.push(decoder.decode(chunk, { stream: true }))) sink(line, stream)
  }
  for (const line of splitter.push(decoder.decode())) sink(line, stream)
  for (const line of splitter.end()) sink(line, stream)
}
