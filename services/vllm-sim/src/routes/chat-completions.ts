/** @module POST /v1/chat/completions. */
import { handleGenerate } from '../generate-handler.ts'
import type { ObservedRequest } from '../request-log.ts'
import { parseChatRequest } from '../requests/chat-request.ts'
import { readJsonBody } from '../requests/request-fields.ts'
import type { SimContext } from '../sim-context.ts'

export function createChatCompletionsRoute(ctx: SimContext) {
  return async (req: Request, entry: ObservedRequest): Promise<Response> =>
    handleGenerate(ctx, req, entry, parseChatRequest(await readJsonBody(req, entry)))
}
