/**
 * @module GET /swagger and /swagger/json: the OpenAPI documentation of every route, rendered by @elysiajs/swagger.
 * The plugin (with the Scalar theme its page embeds) is imported on the first request to either path instead of at
 * start-up: ~2.5 MB of resident memory that a gateway nobody reads the docs of never pays.
 */
import type { ElysiaSwaggerConfig } from '@elysiajs/swagger'
import { Elysia } from 'elysia'

export type DocsConfig = Omit<ElysiaSwaggerConfig<'/swagger'>, 'path' | 'specPath'>

interface Handler {
  handle(request: Request): Promise<Response>
}

/**
 * The delegates through which a mounted plugin sees the whole app's routes and models: protected in Elysia's types,
 * yet use() assigns them on every plugin it mounts, and the swagger plugin reads its document from them.
 */
interface GlobalView {
  getGlobalRoutes(): unknown
  getGlobalDefinitions(): unknown
}
const globalView = (app: Elysia) => app as unknown as GlobalView

/** GET /swagger (the page) and /swagger/json (the document), the plugin loaded by the first request for either. */
export function docsRoutes(config: DocsConfig) {
  const routes = new Elysia({ name: 'gateway.routes.docs' })
  let docs: Promise<Handler> | undefined
  const load = async (): Promise<Handler> => {
    const { swagger } = await import('@elysiajs/swagger')
    const host = new Elysia()
    // The plugin documents what getGlobalRoutes() returns: the routes of the app `routes` is mounted in, exactly as
    // if the plugin itself had been mounted there (Elysia's use() assigns these same delegates).
    globalView(host).getGlobalRoutes = () => globalView(routes).getGlobalRoutes()
    globalView(host).getGlobalDefinitions = () => globalView(routes).getGlobalDefinitions()
    return host.use(swagger({ ...config, path: '/swagger' }))
  }
  const serve = async ({ request }: { request: Request }) => {
    docs ??= load()
    return (await docs).handle(request)
  }
  // Hidden as the plugin hides its own two routes, so the document is the same as with the plugin mounted eagerly.
  const hidden = { detail: { hide: true } }
  return routes.get('/swagger', serve, hidden).get('/swagger/json', serve, hidden)
}
