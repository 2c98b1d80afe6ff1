/** @module POST /tokenize and /detokenize with the simulator's tokenizer; they round-trip exactly. */
import { type ChatMessage, encodeChat } from '../chat-template.ts'
import { SimError } from '../errors.ts'
import { resolveModel } from '../model-resolver.ts'
import type { ObservedRequest } from '../request-log.ts'
import { readChatMessages } from '../requests/chat-request.ts'
import { invalid, optionalBool, optionalString, readJsonBody } from '../requests/request-fields.ts'
import type { SimContext } from '../sim-context.ts'
import { decode, encode, tokenString } from '../tokenizer.ts'

const JSON_HEADERS = { 'content-type': 'application/json' }

export function createTokenizeRoute(ctx: SimContext) {
  return async (req: Request, entry: ObservedRequest): Promise<Response> => {
    const body = await readJsonBody(req, entry)
    resolveModel(ctx.options, optionalString(body, 'model'))
    let tokens: number[]
    if (body.messages !== undefined) {
      const messages: ChatMessage[] = readChatMessages(body.messages)
      tokens = encodeChat(messages, optionalBool(body, 'add_generation_prompt') ?? true)
    } else {
      const prompt = optionalString(body, 'prompt')
      if (prompt === undefined) throw invalid('prompt', 'Field required')
      tokens = encode(prompt)
    }
    const result: Record<string, unknown> = {
      count: tokens.length,
      max_model_len: ctx.options.maxModelLen,
      tokens,
    }
    if (optionalBool(body, 'return_token_strs') === true) result.token_strs = tokens.map(tokenString)
    return new Response(JSON.stringify(result), { headers: JSON_HEADERS })
  }
}

export function createDetokenizeRoute(ctx: SimContext) {
  return async (req: Request, entry: ObservedRequest): Promise<Response> => {
    const body = await readJsonBody(req, entry)
    resolveModel(ctx.options, optionalString(body, 'model'))
    const tokens = body.tokens
    if (!Array.isArray(tokens)) throw invalid('tokens', 'Input should be a valid list')
    let prompt: string
    try {
      prompt = decode(tokens as number[])
    } catch (error) {
      throw new SimError(400, error instanceof Error ? error.message : String(error), 'tokens')
    }
    return new Response(JSON.stringify({ prompt }), { headers: JSON_HEADERS })
  }
}
