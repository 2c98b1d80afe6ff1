/**
 * @module The path every chat and completion request takes after validation: model and runner checks,
 * directives and injected failures, context-length limits, the output plan, a scheduler slot, then a JSON body or
 * an SSE stream timed by the latency model. Metrics and the scheduler are settled exactly once per request.
 */
import { createSleeper, untilAborted } from './abortable.ts'
import { defaultErrorMessage, errorResponse, SimError } from './errors.ts'
import { collectDirectives, type Directives, injectedFailure } from './faults.ts'
import { type ChoicePlan, planChoice } from './generation-plan.ts'
import { interTokenMs, loadMultiplier, timeToFirstTokenMs } from './latency-model.ts'
import type { FinishedReason } from './metrics.ts'
import { checkRunner, resolveModel } from './model-resolver.ts'
import type { ObservedRequest } from './request-log.ts'
import type { GenerateRequest } from './requests/generate-request.ts'
import { chatResponseShape } from './responses/chat-response.ts'
import { completionResponseShape } from './responses/completion-response.ts'
import { hashString } from './rng.ts'
import type { SimContext } from './sim-context.ts'
import { SSE_HEADERS } from './sse.ts'
import { buildFrames, type EndReason, writeFrames } from './stream-response.ts'

const JSON_HEADERS = { 'content-type': 'application/json' }

/** Directives of the request, then an injected failure if any; throws the SimError to send. */
export function requestDirectives(ctx: SimContext, request: Request, texts: readonly string[]): Directives {
  const result = collectDirectives(texts, request.headers.get('x-sim'))
  if (!result.ok) throw new SimError(400, result.message)
  const { directives } = result
  if (directives.status !== undefined)
    throw new SimError(directives.status, defaultErrorMessage(directives.status))
  const { failureRate, failureStatus } = ctx.options
  const injected =
    failureRate > 0 ? injectedFailure(failureRate, failureStatus, ctx.random(), ctx.random()) : undefined
  if (injected !== undefined) throw new SimError(injected, defaultErrorMessage(injected))
  return directives
}

/** max_tokens each prompt may use, or the 400 vLLM sends when the context cannot hold the request. */
function effectiveMaxTokens(ctx: SimContext, request: GenerateRequest): number {
  const { maxModelLen } = ctx.options
  const explicit = request.sampling.maxTokens
  let limit = Number.POSITIVE_INFINITY
  for (const { promptTokens } of request.prompts) {
    if (promptTokens >= maxModelLen)
      throw new SimError(
        400,
        `This model's maximum context length is ${maxModelLen} tokens. However, your request has ${promptTokens} input tokens. Please reduce the length of the input messages.`,
      )
    if (explicit !== undefined && promptTokens + explicit > maxModelLen)
      throw new SimError(
        400,
        `'max_tokens' or 'max_completion_tokens' is too large: ${explicit}. This model's maximum context length is ${maxModelLen} tokens and your request has ${promptTokens} input tokens (${explicit} > ${maxModelLen} - ${promptTokens}).`,
      )
    limit = Math.min(
      limit,
      explicit ?? Math.min(request.defaultMaxTokens ?? limit, maxModelLen - promptTokens),
    )
  }
  return limit
}

function planChoices(
  ctx: SimContext,
  request: GenerateRequest,
  directives: Directives,
  maxTokens: number,
): ChoicePlan[] {
  const { options } = ctx
  const { sampling } = request
  const choices: ChoicePlan[] = []
  request.prompts.forEach((prompt, promptIndex) => {
    const base = sampling.seed ?? hashString(prompt.text)
    for (let i = 0; i < sampling.n; i += 1) {
      choices.push(
        planChoice({
          mode: options.mode,
          echoText: prompt.echoText,
          maxTokens,
          minTokens: sampling.minTokens,
          ignoreEos: sampling.ignoreEos,
          stop: sampling.stop,
          directives,
          ...(options.outputTokens === undefined ? {} : { fixedTokens: options.outputTokens }),
          randomMaxTokens: options.randomMaxTokens,
          seed: (base + promptIndex * 1_000_003 + i * 7919) >>> 0,
          ...(request.logprobs === undefined ? {} : { logprobs: request.logprobs }),
        }),
      )
    }
  })
  return choices
}

export async function handleGenerate(
  ctx: SimContext,
  req: Request,
  entry: ObservedRequest,
  request: GenerateRequest,
): Promise<Response> {
  const { options, engine, metrics } = ctx
  const model = resolveModel(options, request.model)
  checkRunner(options, request.kind)
  const directives = requestDirectives(ctx, req, request.directiveTexts)
  const maxTokens = effectiveMaxTokens(ctx, request)
  if (directives.hang) {
    await engine.park(req.signal)
    // Released by a server stop rather than by the client: not an abort.
    if (req.signal.aborted) ctx.requests.aborted(entry)
    return new Response(null, { status: 499 })
  }
  const choices = planChoices(ctx, request, directives, maxTokens)
  const promptTokens = request.prompts.reduce((sum, prompt) => sum + prompt.promptTokens, 0)
  const completionTokens = choices.reduce((sum, choice) => sum + choice.generated, 0)
  const receivedAt = ctx.now()
  const admission = engine.admit(promptTokens, completionTokens)
  if (admission.status === 'rejected') {
    engine.release(admission.id)
    return errorResponse(503, defaultErrorMessage(503))
  }

  const steps = Math.max(1, ...choices.map((choice) => choice.tokens.length))
  const multiplier = loadMultiplier(ctx.latency, engine.scheduler.running, options.maxNumSeqs)
  const stepDelays = new Array<number>(steps)
  stepDelays[0] = timeToFirstTokenMs(ctx.latency, promptTokens, ctx.random(), multiplier, directives.ttftMs)
  for (let step = 1; step < steps; step += 1)
    stepDelays[step] = interTokenMs(ctx.latency, ctx.random(), multiplier, directives.itlMs)

  let admittedAt = receivedAt
  let firstTokenAt = receivedAt
  let settled = false
  const settle = (reason: EndReason) => {
    if (settled) return
    settled = true
    engine.release(admission.id)
    const end = ctx.now()
    const finishedReason: FinishedReason =
      reason === 'complete' ? (choices[0]?.finishReason ?? 'stop') : reason === 'error' ? 'error' : 'abort'
    if (reason === 'abort') ctx.requests.aborted(entry)
    engine.totals.prompt += promptTokens
    if (reason === 'complete') engine.totals.generation += completionTokens
    metrics.finished({
      reason: finishedReason,
      promptTokens,
      generationTokens: reason === 'complete' ? completionTokens : 0,
      maxTokens,
      n: request.sampling.n,
      queueSeconds: (admittedAt - receivedAt) / 1000,
      prefillSeconds: (firstTokenAt - admittedAt) / 1000,
      decodeSeconds: (end - firstTokenAt) / 1000,
      e2eSeconds: (end - receivedAt) / 1000,
    })
  }
  const onStep = (step: number, delayMs: number) => {
    if (step === 0) {
      firstTokenAt = ctx.now()
      metrics.firstToken((firstTokenAt - receivedAt) / 1000)
    } else metrics.interToken(delayMs / 1000)
  }
  const admitted = async (): Promise<boolean> => {
    if (admission.status === 'waiting' && !(await untilAborted(admission.ready, req.signal))) return false
    admittedAt = ctx.now()
    metrics.prompt(promptTokens)
    return true
  }

  const identity = {
    id:
      request.kind === 'chat'
        ? `chatcmpl-${crypto.randomUUID().replaceAll('-', '')}`
        : `cmpl-${crypto.randomUUID().replaceAll('-', '')}`,
    created: ctx.epochSeconds(),
    model,
  }
  const shape = request.kind === 'chat' ? chatResponseShape(identity) : completionResponseShape(identity)
  const echoPrefixes = request.echo
    ? choices.map((_, index) => request.prompts[Math.floor(index / request.sampling.n)]?.text ?? '')
    : undefined
  const zeroLatency = admission.status === 'running' && stepDelays.every((delay) => delay <= 0)

  if (!request.sampling.stream) {
    const usage = { promptTokens, completionTokens }
    if (!zeroLatency) {
      if (!(await admitted())) {
        settle('abort')
        return new Response(null, { status: 499 })
      }
      // Nobody sees the steps of a JSON response: wait for the first token, then for all the rest at once.
      const sleeper = createSleeper(req.signal)
      const decodeMs = stepDelays.reduce((sum, delay) => sum + delay, 0) - (stepDelays[0] ?? 0)
      let aborted = await sleeper.sleep(stepDelays[0] ?? 0)
      if (!aborted) {
        onStep(0, 0)
        aborted = await sleeper.sleep(decodeMs)
      }
      sleeper.dispose()
      if (aborted) {
        settle('abort')
        return new Response(null, { status: 499 })
      }
      for (let step = 1; step < steps; step += 1) onStep(step, stepDelays[step] ?? 0)
      engine.progress(admission.id, steps)
      if (engine.health === 'dead') {
        settle('error')
        return errorResponse(500, 'Engine is dead (simulated).')
      }
    } else {
      metrics.prompt(promptTokens)
      onStep(0, 0)
      if (steps > 1) metrics.interToken(0, steps - 1)
    }
    settle('complete')
    return new Response(shape.body(choices, usage, echoPrefixes), { headers: JSON_HEADERS })
  }

  const frames = buildFrames({
    shape,
    choices,
    promptTokens,
    includeUsage: request.sampling.includeUsage || options.forceIncludeUsage,
    continuousUsage: request.sampling.continuousUsage,
    ...(echoPrefixes === undefined ? {} : { echoPrefixes }),
  })
  if (zeroLatency && directives.dieAfter === undefined && directives.hangAfter === undefined) {
    metrics.prompt(promptTokens)
    onStep(0, 0)
    if (steps > 1) metrics.interToken(0, steps - 1)
    settle('complete')
    return new Response(frames.map((item) => item.text).join(''), { headers: SSE_HEADERS })
  }

  let cancelled = false
  const sleeper = createSleeper(req.signal)
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      writeFrames(
        frames,
        {
          stepDelays,
          ...(directives.dieAfter === undefined ? {} : { dieAfter: directives.dieAfter }),
          ...(directives.hangAfter === undefined ? {} : { hangAfter: directives.hangAfter }),
          admitted,
          sleep: (ms) => sleeper.sleep(ms),
          park: () => engine.park(req.signal, engine.health === 'hung' ? 'engine' : 'request'),
          health: () => engine.health,
          onStep: (step, delay) => {
            onStep(step, delay)
            engine.progress(admission.id, step + 1)
          },
          onEnd: (reason) => {
            sleeper.dispose()
            settle(reason)
          },
        },
        controller,
        () => cancelled || req.signal.aborted,
      ).catch(() => settle('abort'))
    },
    cancel() {
      cancelled = true
      ctx.requests.aborted(entry)
    },
  })
  return new Response(stream, { headers: SSE_HEADERS })
}
