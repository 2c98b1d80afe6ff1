/**
 * @module The simple endpoints older clients use: POST /v1/generate (prompt in, text out) and POST /v1/stream
 * (prompt in, SSE of text pieces out). Both are completions underneath, on the same path as every other request.
 */
import { Elysia } from 'elysia'
import type { KeyRing } from '../core/api-key.ts'
import { type ChunkInfo, eventData } from '../core/sse.ts'
import { GatewayError } from '../errors/gateway-error.ts'
import { auth } from '../plugins/auth.ts'
import { jsonBody } from '../plugins/json-body.ts'
import { requestContext } from '../plugins/request-context.ts'
import type { ProxyService } from '../proxy/proxy-service.ts'
import type { UpstreamRegistry } from '../upstream/registry.ts'
import { generateBody } from './openai-schemas.ts'

export interface GenerateRouteDeps {
  proxy: ProxyService
  registry: UpstreamRegistry
  keyRing: KeyRing
  authEnabled: boolean
  maxBodyBytes: number
}

interface CompletionChoice {
  text?: string
  finish_reason?: string | null
}

/** Turns one completions SSE event into `data: {"text": ...}`; [DONE] and errors pass as they are. */
export function toTextEvent(event: string, info: ChunkInfo): string | undefined {
  if (info.kind !== 'chunk') return event
  const data = eventData(event)
  if (data === undefined) return undefined
  let choice: CompletionChoice | undefined
  try {
    choice = (JSON.parse(data) as { choices?: CompletionChoice[] }).choices?.[0]
  } catch {
    return undefined
  }
  const text = choice?.text ?? ''
  const finishReason = choice?.finish_reason ?? undefined
  if (text === '' && finishReason === undefined) return undefined
  return `data: ${JSON.stringify(finishReason ? { text, finish_reason: finishReason } : { text })}\n\n`
}

export const generateRoutes = (deps: GenerateRouteDeps) => {
  const defaultModel = (requested: string | undefined): string => {
    const model = requested ?? deps.registry.models()[0]?.id
    if (!model)
      throw new GatewayError('no_healthy_upstream', 'no model is available yet', {
        headers: { 'retry-after': '1' },
      })
    return model
  }
  const parseJson = jsonBody(deps.maxBodyBytes)
  return new Elysia({ name: 'gateway.routes.generate' })
    .use(requestContext())
    .use(auth({ keyRing: deps.keyRing, enabled: deps.authEnabled }))
    .post(
      '/v1/generate',
      async ({ body, request, requestId, traceparent, incomingTraceparent, startedAt, identity }) => {
        const { prompt, model, ...rest } = body
        const response = await deps.proxy.handle(
          'completions',
          { ...rest, model: defaultModel(model), prompt, stream: false },
          {
            route: '/v1/generate',
            requestId,
            traceparent,
            incomingTraceparent,
            startedAt,
            identity,
            signal: request.signal,
          },
        )
        const completion = (await response.json()) as {
          id: string
          model: string
          choices: CompletionChoice[]
          usage?: unknown
        }
        const choice = completion.choices[0]
        return {
          id: completion.id,
          model: completion.model,
          text: choice?.text ?? '',
          finish_reason: choice?.finish_reason ?? null,
          usage: completion.usage ?? null,
        }
      },
      { body: generateBody, parse: parseJson, detail: { tags: ['Simple'], summary: 'Prompt in, text out' } },
    )
    .post(
      '/v1/stream',
      ({ body, request, requestId, traceparent, incomingTraceparent, startedAt, identity }) => {
        const { prompt, model, ...rest } = body
        return deps.proxy.handle(
          'completions',
          { ...rest, model: defaultModel(model), prompt, stream: true },
          {
            route: '/v1/stream',
            requestId,
            traceparent,
            incomingTraceparent,
            startedAt,
            identity,
            signal: request.signal,
          },
          toTextEvent,
        )
      },
      {
        body: generateBody,
        parse: parseJson,
        detail: { tags: ['Simple'], summary: 'Prompt in, SSE of text pieces out' },
      },
    )
}
