/** @module POST /v1/completions. */
import { handleGenerate } from '../generate-handler.ts'
import type { ObservedRequest } from '../request-log.ts'
import { parseCompletionRequest } from '../requests/completion-request.ts'
import { readJsonBody } from '../requests/request-fields.ts'
import type { SimContext } from '../sim-context.ts'

export function createCompletionsRoute(ctx: SimContext) {
  return async (req: Request, entry: ObservedRequest): Promise<Response> =>
    handleGenerate(ctx, req, entry, parseCompletionRequest(await readJsonBody(req, entry)))
}
