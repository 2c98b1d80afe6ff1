/** @module Assembles the Elysia app from its plugins and routes. Builds; never listens. */
import { Elysia } from 'elysia'
import packageJson from '../package.json' with { type: 'json' }
import { createTrustedProxies } from './core/client-ip.ts'
import { perSecond } from './core/gcra.ts'
import type { GatewayDeps } from './deps.ts'
import { debugBundle } from './diagnostics/debug-bundle.ts'
import { createRecentErrors } from './diagnostics/recent-errors.ts'
import { GatewayError } from './errors/gateway-error.ts'
import { errorHandler } from './plugins/error-handler.ts'
import { ipRateLimit } from './plugins/rate-limit.ts'
import { docsRoutes } from './routes/docs.ts'
import { generateRoutes } from './routes/generate.ts'
import { healthRoutes } from './routes/health.ts'
import { metricsRoutes } from './routes/metrics.ts'
import { modelRoutes } from './routes/models.ts'
import { OPENAI_PREFIXES, openaiRoutes } from './routes/openai.ts'
import { adminRoutes, adminStatus, usageRoutes } from './routes/usage.ts'

const KNOWN_PATHS = new Set([
  '/health',
  '/ready',
  '/metrics',
  '/v1/usage',
  '/admin/usage',
  '/admin/status',
  '/admin/debug/bundle',
  '/v1/generate',
  '/v1/stream',
  ...OPENAI_PREFIXES.flatMap((prefix) =>
    ['/chat/completions', '/completions', '/embeddings', '/models'].map((p) => prefix + p),
  ),
])

export function createApp(deps: GatewayDeps) {
  const { config } = deps
  const routeDeps = {
    proxy: deps.proxy,
    registry: deps.registry,
    keyRing: deps.keyRing,
    authEnabled: config.authEnabled,
    modelAliases: config.modelAliases,
    maxBodyBytes: config.maxBodyBytes,
  }
  const recentErrors = createRecentErrors()
  const startedAt = new Date()
  // Elysia's normalize step is a TypeBox Clean walk of every body (~2 µs a request). Off, schemas are checked as
  // written: request bodies and queries are declared open (unknown fields pass through to vLLM or are ignored), and
  // no route declares a response schema.
  const app = new Elysia({ name: 'gateway', normalize: false })
    .use(
      errorHandler({
        log: deps.log,
        knownPath: (path) => KNOWN_PATHS.has(path),
        onErrorResponse(route, model, error, requestId) {
          deps.metrics.recordError(route, model, error.status)
          recentErrors.record({
            at: new Date().toISOString(),
            requestId,
            route,
            status: error.status,
            code: error.code,
            message: error.message,
          })
        },
      }),
    )
    .onRequest(({ request }) => {
      // Refuse an oversized body from its declared length, before a byte of it is read.
      const length = Number(request.headers.get('content-length') ?? 0)
      if (length > config.maxBodyBytes) {
        throw new GatewayError(
          'payload_too_large',
          `Request body is ${length} bytes; the limit is ${config.maxBodyBytes}.`,
        )
      }
    })
  if (config.rateLimitRps > 0) {
    app.use(
      ipRateLimit({
        limiter: deps.limiter,
        limit: perSecond(config.rateLimitRps, config.rateLimitBurst),
        trustedProxies: createTrustedProxies(config.trustedProxies),
        clock: deps.clock,
        onRejected: () => deps.metrics.metrics.rateLimitRejections.inc({ reason: 'ip_rps' }),
      }),
    )
  }
  return app
    .use(
      docsRoutes({
        documentation: {
          info: {
            title: 'Infergate',
            version: '0.1.0',
            description: 'OpenAI-compatible gateway in front of vLLM',
          },
          components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
        },
      }),
    )
    .use(healthRoutes(deps))
    .use(metricsRoutes(deps.metrics))
    .use(modelRoutes(routeDeps))
    .use(openaiRoutes(routeDeps))
    .use(generateRoutes(routeDeps))
    .use(usageRoutes({ ...routeDeps, usageView: deps.usageView, clock: deps.clock }))
    .use(
      adminRoutes({
        adminKeyDigest: deps.adminKeyDigest,
        usageStore: deps.usageStore,
        flush: () => deps.flusher.flush(),
        clock: deps.clock,
        status: () => adminStatus(deps),
        debugBundle: async () =>
          debugBundle({
            config,
            status: await adminStatus(deps),
            recentErrors: recentErrors.list(),
            versions: { gateway: packageJson.version, bun: Bun.version, node: process.version },
            startedAt,
          }),
      }),
    )
}

export type GatewayApp = ReturnType<typeof createApp>
