/** @module Validates a /v1/completions body into a GenerateRequest; prompts may be text or token ids. */
import { SimError } from '../errors.ts'
import { stripDirectives } from '../faults.ts'
import { countTokens, decode } from '../tokenizer.ts'
import type { GenerateRequest, PromptInput } from './generate-request.ts'
import {
  type Body,
  invalid,
  isTokenIds,
  optionalBool,
  optionalInt,
  optionalString,
} from './request-fields.ts'
import { checkLogprobsCount, readSamplingParams } from './sampling-params.ts'

function fromText(text: string): PromptInput {
  return { promptTokens: countTokens(text), echoText: stripDirectives(text), text }
}

function fromIds(ids: number[]): PromptInput {
  let text: string
  try {
    text = decode(ids)
  } catch (error) {
    throw new SimError(400, error instanceof Error ? error.message : String(error), 'prompt')
  }
  return { promptTokens: ids.length, echoText: stripDirectives(text), text }
}

/** `prompt`: a string, a list of strings, a list of token ids, or a list of token-id lists. */
export function readPrompts(value: unknown): PromptInput[] {
  if (value === undefined || value === null) throw invalid('prompt', 'Field required')
  if (typeof value === 'string') {
    if (value === '') throw new SimError(400, 'Prompt cannot be empty', 'prompt')
    return [fromText(value)]
  }
  if (!Array.isArray(value) || value.length === 0) throw new SimError(400, 'Prompt cannot be empty', 'prompt')
  if (isTokenIds(value)) return [fromIds(value)]
  return value.map((item, index) => {
    if (typeof item === 'string') {
      if (item === '') throw new SimError(400, 'Prompt cannot be empty', 'prompt')
      return fromText(item)
    }
    if (isTokenIds(item)) return fromIds(item)
    throw invalid(`prompt.${index}`, 'Input should be a valid string or a list of token ids')
  })
}

export function parseCompletionRequest(body: Body): GenerateRequest {
  const model = optionalString(body, 'model')
  const prompts = readPrompts(body.prompt)
  const sampling = readSamplingParams(body)
  const logprobs = optionalInt(body, 'logprobs', 0)
  checkLogprobsCount('logprobs', logprobs)
  if (optionalString(body, 'suffix') !== undefined)
    throw new SimError(400, 'suffix is not currently supported', 'suffix')
  return {
    kind: 'completion',
    ...(model === undefined ? {} : { model }),
    prompts,
    directiveTexts: prompts.map((prompt) => prompt.text),
    sampling,
    ...(logprobs === undefined ? {} : { logprobs }),
    // OpenAI's and vLLM's completions default when max_tokens is omitted (not when it is null).
    ...(body.max_tokens === undefined ? { defaultMaxTokens: 16 } : {}),
    echo: optionalBool(body, 'echo') ?? false,
  }
}
