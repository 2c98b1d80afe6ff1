/**
 * @module Streams a planned response as vLLM does: role chunk(s), one chunk per token (the last carrying the
 * finish reason), a usage chunk with `choices: []` when asked, `data: [DONE]`. Each engine step waits its latency
 * (nothing waits in zero-latency mode, where the whole body is one string). Faults: die-after drops the
 * connection, hang-after goes silent, a dead engine ends the stream with an in-band error frame.
 */
import { errorBody } from './errors.ts'
import type { ChoicePlan } from './generation-plan.ts'
import type { ResponseShape } from './responses/response-shape.ts'
import type { Usage } from './responses/usage.ts'
import { DONE_FRAME, frame } from './sse.ts'

export interface Frame {
  text: string
  /** Engine step the frame belongs to (its latency is waited before it); -1 after the last step. */
  step: number
  /** Counts towards die-after / hang-after. */
  content: boolean
}

export interface StreamPlan {
  shape: ResponseShape
  choices: readonly ChoicePlan[]
  promptTokens: number
  includeUsage: boolean
  continuousUsage: boolean
  /** Completions `echo`: prompt text streamed first, per choice. */
  echoPrefixes?: readonly string[]
}

/** Every frame of the stream, in order. */
export function buildFrames(plan: StreamPlan): Frame[] {
  const { shape, choices } = plan
  const frames: Frame[] = []
  choices.forEach((_, index) => {
    const role = shape.roleChunk(index)
    if (role !== undefined) frames.push({ text: frame(role), step: 0, content: false })
  })
  plan.echoPrefixes?.forEach((prefix, index) => {
    frames.push({ text: frame(shape.chunk(index, prefix, undefined, undefined)), step: 0, content: false })
  })
  const steps = Math.max(1, ...choices.map((choice) => choice.tokens.length))
  let completionSoFar = 0
  for (let step = 0; step < steps; step += 1) {
    choices.forEach((choice, index) => {
      const count = choice.tokens.length
      if (step >= Math.max(1, count)) return
      const last = step === Math.max(1, count) - 1
      completionSoFar += last ? choice.generated - Math.max(0, count - 1) : 1
      const usage: Usage | undefined = plan.continuousUsage
        ? { promptTokens: plan.promptTokens, completionTokens: Math.max(0, completionSoFar) }
        : undefined
      const finish = last ? { reason: choice.finishReason, stopReason: choice.stopReason } : undefined
      const text = shape.chunk(index, choice.tokens[step] ?? '', choice.logprobs?.[step], finish, usage)
      frames.push({ text: frame(text), step, content: true })
    })
  }
  if (plan.includeUsage) {
    const completionTokens = choices.reduce((sum, choice) => sum + choice.generated, 0)
    frames.push({
      text: frame(shape.usageChunk({ promptTokens: plan.promptTokens, completionTokens })),
      step: -1,
      content: false,
    })
  }
  frames.push({ text: DONE_FRAME, step: -1, content: false })
  return frames
}

/** How a stream ended: every frame written, the client left, the simulator dropped it (die-after), the engine died. */
export type EndReason = 'complete' | 'abort' | 'dropped' | 'error'

export interface StreamControl {
  /** Delay before each step, ms (index = step). */
  stepDelays: readonly number[]
  dieAfter?: number
  hangAfter?: number
  /** Wait for the engine slot; resolves false when the client left first. */
  admitted: () => Promise<boolean>
  /** Resolves after `ms`; true when the client left meanwhile. */
  sleep: (ms: number) => Promise<boolean>
  /** Never resolves until the client leaves or the server stops. */
  park: () => Promise<void>
  health: () => 'ok' | 'dead' | 'hung'
  onStep: (step: number, delayMs: number) => void
  onEnd: (reason: EndReason) => void
}

const encoder = new TextEncoder()
const NON_ASCII = /[^\p{ASCII}]/u

/**
 * The frames encoded once into one buffer, with each frame's byte end: writing a subarray per step costs far
 * less than a TextEncoder call per chunk.
 */
function encodeFrames(frames: readonly Frame[]): { bytes: Uint8Array; ends: number[] } {
  const text = frames.map((item) => item.text).join('')
  const bytes = encoder.encode(text)
  const ascii = !NON_ASCII.test(text)
  const ends: number[] = []
  let end = 0
  for (const item of frames) {
    end += ascii ? item.text.length : Buffer.byteLength(item.text)
    ends.push(end)
  }
  return { bytes, ends }
}

/** Runs the frames into `controller` honouring delays and faults. */
export async function writeFrames(
  frames: readonly Frame[],
  control: StreamControl,
  controller: ReadableStreamDefaultController<Uint8Array>,
  isCancelled: () => boolean,
): Promise<void> {
  if (!(await control.admitted())) return control.onEnd('abort')
  const { bytes, ends } = encodeFrames(frames)
  let step = -2
  let content = 0
  // Bytes [flushedTo, pendingTo) are written but not yet handed to the stream.
  let flushedTo = 0
  let pendingTo = 0
  const flush = () => {
    if (pendingTo > flushedTo) controller.enqueue(bytes.subarray(flushedTo, pendingTo))
    flushedTo = pendingTo
  }
  let index = -1
  for (const item of frames) {
    index += 1
    if (item.step !== step) {
      flush()
      if (item.step >= 0) {
        const delay = control.stepDelays[item.step] ?? 0
        if (delay > 0 && (await control.sleep(delay))) return control.onEnd('abort')
        if (isCancelled()) return control.onEnd('abort')
        control.onStep(item.step, delay)
      }
      step = item.step
      const health = control.health()
      if (health === 'dead') {
        controller.enqueue(
          encoder.encode(frame(JSON.stringify(errorBody(500, 'Engine is dead (simulated).'))) + DONE_FRAME),
        )
        controller.close()
        return control.onEnd('error')
      }
      if (health === 'hung') {
        await control.park()
        return control.onEnd('abort')
      }
    }
    // Fewer content chunks than asked still never complete: the fault fires before the tail.
    const tail = item.step === -1
    if (control.dieAfter !== undefined && (tail || (item.content && content >= control.dieAfter))) {
      flush()
      // Let the chunks already queued reach the socket first, or Bun resets before even sending the headers.
      await control.sleep(5)
      // Erroring with no reason makes Bun reset the connection without printing a stack trace.
      controller.error(undefined)
      return control.onEnd('dropped')
    }
    if (control.hangAfter !== undefined && (tail || (item.content && content >= control.hangAfter))) {
      flush()
      await control.park()
      return control.onEnd('abort')
    }
    pendingTo = ends[index] as number
    if (item.content) content += 1
  }
  flush()
  controller.close()
  control.onEnd('complete')
}
