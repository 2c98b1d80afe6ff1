/**
 * @module The simulator's chat template. Each message renders as `<|role|>content<|end|>` (2 special tokens of
 * overhead per message) and the generation prompt as `<|assistant|>` (1 token), so a chat prompt has
 * `sum(countTokens(content) + 2) + 1` tokens. Content segments are tokenized on their own, so the count never
 * depends on what surrounds a message.
 */
import { countTokens, encode, tokenId } from './tokenizer.ts'

export interface ChatMessage {
  role: string
  /** Text of the message: string content, or its text parts joined by "\n". */
  text: string
}

export const MESSAGE_OVERHEAD_TOKENS = 2
export const GENERATION_PROMPT_TOKENS = 1

const ROLE_TOKEN: Readonly<Record<string, string>> = {
  system: '<|system|>',
  developer: '<|developer|>',
  user: '<|user|>',
  assistant: '<|assistant|>',
  tool: '<|tool|>',
  function: '<|tool|>',
}

export const CHAT_ROLES: readonly string[] = Object.keys(ROLE_TOKEN)

function roleToken(role: string): string {
  return ROLE_TOKEN[role] ?? '<|user|>'
}

/** Prompt tokens of a chat request, as usage reports them. */
export function countChatTokens(messages: readonly ChatMessage[], addGenerationPrompt = true): number {
  let count = addGenerationPrompt ? GENERATION_PROMPT_TOKENS : 0
  for (const message of messages) count += countTokens(message.text) + MESSAGE_OVERHEAD_TOKENS
  return count
}

/** Token ids of the rendered chat prompt; its length equals countChatTokens. */
export function encodeChat(messages: readonly ChatMessage[], addGenerationPrompt = true): number[] {
  const ids: number[] = []
  for (const message of messages) {
    ids.push(tokenId(roleToken(message.role)), ...encode(message.text), tokenId('<|end|>'))
  }
  if (addGenerationPrompt) ids.push(tokenId('<|assistant|>'))
  return ids
}
