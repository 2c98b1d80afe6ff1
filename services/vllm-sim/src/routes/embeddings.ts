/** @module POST /v1/embeddings: deterministic unit vectors for strings or token ids, timed like a prefill. */
import { sleepUnlessAborted } from '../abortable.ts'
import { embedText, toBase64 } from '../embedding.ts'
import { SimError } from '../errors.ts'
import { stripDirectives } from '../faults.ts'
import { requestDirectives } from '../generate-handler.ts'
import { timeToFirstTokenMs } from '../latency-model.ts'
import { checkRunner, resolveModel } from '../model-resolver.ts'
import type { ObservedRequest } from '../request-log.ts'
import {
  type Body,
  invalid,
  isTokenIds,
  optionalInt,
  optionalString,
  readJsonBody,
} from '../requests/request-fields.ts'
import type { SimContext } from '../sim-context.ts'
import { countTokens, decode } from '../tokenizer.ts'

interface EmbeddingInput {
  /** What the vector is derived from: the text, or the token ids joined. */
  key: string
  text: string
  tokens: number
}

function fromIds(ids: number[]): EmbeddingInput {
  let text: string
  try {
    text = decode(ids)
  } catch (error) {
    throw new SimError(400, error instanceof Error ? error.message : String(error), 'input')
  }
  return { key: ids.join(','), text, tokens: ids.length }
}

export function readEmbeddingInputs(body: Body): EmbeddingInput[] {
  const input = body.input
  if (input === undefined || input === null) throw invalid('input', 'Field required')
  if (typeof input === 'string') return [{ key: input, text: input, tokens: countTokens(input) }]
  if (!Array.isArray(input) || input.length === 0) throw new SimError(400, 'Input cannot be empty', 'input')
  if (isTokenIds(input)) return [fromIds(input)]
  return input.map((item, index) => {
    if (typeof item === 'string') return { key: item, text: item, tokens: countTokens(item) }
    if (isTokenIds(item)) return fromIds(item)
    throw invalid(`input.${index}`, 'Input should be a valid string or a list of token ids')
  })
}

export function createEmbeddingsRoute(ctx: SimContext) {
  return async (req: Request, entry: ObservedRequest): Promise<Response> => {
    const body = await readJsonBody(req, entry)
    const model = resolveModel(ctx.options, optionalString(body, 'model'))
    checkRunner(ctx.options, 'embedding')
    const inputs = readEmbeddingInputs(body)
    const format = optionalString(body, 'encoding_format') ?? 'float'
    if (format !== 'float' && format !== 'base64')
      throw invalid('encoding_format', "Input should be 'float' or 'base64'")
    const dimensions = optionalInt(body, 'dimensions', 1)
    if (dimensions !== undefined && dimensions > ctx.options.embeddingDim)
      throw new SimError(
        400,
        `dimensions must be at most ${ctx.options.embeddingDim} for this model, got ${dimensions}.`,
        'dimensions',
      )
    const directives = requestDirectives(
      ctx,
      req,
      inputs.map((input) => input.text),
    )
    const { maxModelLen } = ctx.options
    for (const input of inputs)
      if (input.tokens > maxModelLen)
        throw new SimError(
          400,
          `This model's maximum context length is ${maxModelLen} tokens. However, your request has ${input.tokens} input tokens. Please reduce the length of the input.`,
        )
    if (directives.hang) {
      await ctx.engine.park(req.signal)
      if (req.signal.aborted) ctx.requests.aborted(entry)
      return new Response(null, { status: 499 })
    }
    const promptTokens = inputs.reduce((sum, input) => sum + input.tokens, 0)
    const delay = timeToFirstTokenMs(ctx.latency, promptTokens, ctx.random(), 1, directives.ttftMs)
    const started = ctx.now()
    if (await sleepUnlessAborted(delay, req.signal)) {
      ctx.requests.aborted(entry)
      return new Response(null, { status: 499 })
    }
    ctx.metrics.prompt(promptTokens)
    ctx.metrics.finished({
      reason: 'stop',
      promptTokens,
      generationTokens: 0,
      maxTokens: 0,
      n: 1,
      queueSeconds: 0,
      prefillSeconds: (ctx.now() - started) / 1000,
      decodeSeconds: 0,
      e2eSeconds: (ctx.now() - started) / 1000,
    })
    ctx.engine.totals.prompt += promptTokens
    const data = inputs.map((input, index) => {
      const vector = embedText(stripDirectives(input.key), ctx.options.embeddingDim, dimensions)
      return {
        index,
        object: 'embedding',
        embedding: format === 'base64' ? toBase64(vector) : Array.from(vector),
      }
    })
    return Response.json({
      id: `embd-${crypto.randomUUID().replaceAll('-', '')}`,
      object: 'list',
      created: ctx.epochSeconds(),
      model,
      data,
      usage: { prompt_tokens: promptTokens, total_tokens: promptTokens, completion_tokens: 0 },
    })
  }
}
