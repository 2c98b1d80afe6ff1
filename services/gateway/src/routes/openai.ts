/** @module The OpenAI-compatible routes, under /v1 and OpenRouter's /api/v1: thin handlers over the proxy service. */
import { Elysia } from 'elysia'
import type { KeyIdentity, KeyRing } from '../core/api-key.ts'
import { auth } from '../plugins/auth.ts'
import { jsonBody, rawBodyOf } from '../plugins/json-body.ts'
import { requestContext } from '../plugins/request-context.ts'
import type { Endpoint } from '../proxy/forward.ts'
import type { ProxyService } from '../proxy/proxy-service.ts'
import { chatCompletionBody, completionBody, embeddingBody } from './openai-schemas.ts'

export interface OpenAIRouteDeps {
  proxy: ProxyService
  keyRing: KeyRing
  authEnabled: boolean
  maxBodyBytes: number
}

export const OPENAI_PREFIXES = ['/v1', '/api/v1'] as const

interface HandlerContext {
  body: unknown
  request: Request
  set: { headers: Record<string, unknown> }
  requestId: string
  traceparent: string
  incomingTraceparent: string | undefined
  startedAt: number
  identity: KeyIdentity
}

const forwardTo =
  (proxy: ProxyService, endpoint: Endpoint, route: string) =>
  async ({
    body,
    request,
    set,
    requestId,
    traceparent,
    incomingTraceparent,
    startedAt,
    identity,
  }: HandlerContext) => {
    const response = await proxy.handle(endpoint, body as Record<string, unknown>, {
      route,
      requestId,
      traceparent,
      incomingTraceparent,
      startedAt,
      identity,
      signal: request.signal,
      rawBody: rawBodyOf(request),
    })
    // The response already carries x-request-id; with Elysia's own headers left empty it is passed on as it is,
    // where any pending header makes Elysia build a second Response around it. Errors still get the header from set.
    delete set.headers['x-request-id']
    return response
  }

const docs = (summary: string) => ({ tags: ['OpenAI'], summary })

const mount = (prefix: string, deps: OpenAIRouteDeps) => {
  const parseJson = jsonBody(deps.maxBodyBytes)
  return new Elysia({ prefix })
    .use(requestContext())
    .use(auth({ keyRing: deps.keyRing, enabled: deps.authEnabled }))
    .post('/chat/completions', forwardTo(deps.proxy, 'chat', '/v1/chat/completions'), {
      body: chatCompletionBody,
      parse: parseJson,
      detail: docs('Chat completion, streaming (SSE) or not'),
    })
    .post('/completions', forwardTo(deps.proxy, 'completions', '/v1/completions'), {
      body: completionBody,
      parse: parseJson,
      detail: docs('Text completion, streaming (SSE) or not'),
    })
    .post('/embeddings', forwardTo(deps.proxy, 'embeddings', '/v1/embeddings'), {
      body: embeddingBody,
      parse: parseJson,
      detail: docs('Embeddings'),
    })
}

export const openaiRoutes = (deps: OpenAIRouteDeps) =>
  new Elysia({ name: 'gateway.routes.openai' }).use(mount('/v1', deps)).use(mount('/api/v1', deps))
