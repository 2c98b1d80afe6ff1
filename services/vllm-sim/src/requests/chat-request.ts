/** @module Validates a /v1/chat/completions body into a GenerateRequest. */
import { CHAT_ROLES, type ChatMessage, countChatTokens } from '../chat-template.ts'
import { SimError } from '../errors.ts'
import { stripDirectives } from '../faults.ts'
import type { GenerateRequest } from './generate-request.ts'
import { type Body, invalid, optionalBool, optionalInt, optionalString } from './request-fields.ts'
import { checkLogprobsCount, readSamplingParams } from './sampling-params.ts'

/** Text of a message's content: a string, or the text parts of a list joined by "\n" (other parts carry none). */
function contentText(content: unknown, index: number): string {
  if (content === undefined || content === null) return ''
  if (typeof content === 'string') return content
  if (!Array.isArray(content))
    throw invalid(`messages.${index}.content`, 'Input should be a valid string or a list of content parts')
  const texts: string[] = []
  for (const part of content) {
    if (part === null || typeof part !== 'object')
      throw invalid(`messages.${index}.content`, 'Content parts should be objects with a type')
    const { type, text } = part as { type?: unknown; text?: unknown }
    if (type === 'text') {
      if (typeof text !== 'string')
        throw invalid(`messages.${index}.content`, 'A text part needs a string text')
      texts.push(text)
    }
  }
  return texts.join('\n')
}

export function readChatMessages(value: unknown): ChatMessage[] {
  if (value === undefined || value === null) throw invalid('messages', 'Field required')
  if (!Array.isArray(value)) throw invalid('messages', 'Input should be a valid list')
  if (value.length === 0) throw new SimError(400, 'messages: at least one message is required', 'messages')
  return value.map((message, index) => {
    if (message === null || typeof message !== 'object' || Array.isArray(message))
      throw invalid(`messages.${index}`, 'Input should be a valid dictionary')
    const { role, content } = message as { role?: unknown; content?: unknown }
    if (typeof role !== 'string' || !CHAT_ROLES.includes(role))
      throw invalid(`messages.${index}.role`, `Input should be one of ${CHAT_ROLES.join(', ')}`)
    return { role, text: contentText(content, index) }
  })
}

export function parseChatRequest(body: Body): GenerateRequest {
  const model = optionalString(body, 'model')
  const messages = readChatMessages(body.messages)
  const sampling = readSamplingParams(body)
  const logprobs = optionalBool(body, 'logprobs') ?? false
  const topLogprobs = optionalInt(body, 'top_logprobs', 0)
  checkLogprobsCount('top_logprobs', topLogprobs)
  if (topLogprobs !== undefined && topLogprobs > 0 && !logprobs)
    throw new SimError(400, 'when using `top_logprobs`, `logprobs` must be set to true.', 'top_logprobs')
  const addGenerationPrompt = optionalBool(body, 'add_generation_prompt') ?? true
  let lastUser = ''
  for (const message of messages) if (message.role === 'user') lastUser = message.text
  const text = messages.map((message) => message.text).join('\n')
  return {
    kind: 'chat',
    ...(model === undefined ? {} : { model }),
    prompts: [
      {
        promptTokens: countChatTokens(messages, addGenerationPrompt),
        echoText: stripDirectives(lastUser),
        text,
      },
    ],
    directiveTexts: messages.map((message) => message.text),
    sampling,
    ...(logprobs ? { logprobs: topLogprobs ?? 0 } : {}),
    echo: false,
  }
}
