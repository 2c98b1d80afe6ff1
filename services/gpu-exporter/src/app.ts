/** @module HTTP routes: /metrics from the cache, /health with collector status. Builds a handler, never listens. */
import type { CollectorRegistry } from './collectors/registry.ts'
import { CONTENT_TYPE } from './render.ts'

export type Handler = (request: Request) => Response

export function createApp(registry: CollectorRegistry): Handler {
  return (request) => {
    const { pathname } = new URL(request.url)
    if (request.method !== 'GET' && request.method !== 'HEAD')
      return new Response('method not allowed\n', { status: 405 })
    if (pathname === '/metrics')
      return new Response(registry.render(), { headers: { 'content-type': CONTENT_TYPE } })
    if (pathname === '/health') {
      // Always 200: the exporter itself is up; a failing collector is reported here and in the metrics, and
      // restarting the exporter would not fix a missing driver.
      const collectors = registry.states().map(({ name, success, polls, error, lastSuccessAt }) => ({
        name,
        success,
        polls,
        error,
        lastSuccessAt: lastSuccessAt === undefined ? undefined : new Date(lastSuccessAt).toISOString(),
      }))
      return Response.json({ status: 'ok', collectors })
    }
    return new Response('not found: try /metrics or /health\n', { status: 404 })
  }
}
