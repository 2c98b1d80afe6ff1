/** @module GET /metrics: Prometheus exposition of the gateway (no auth, as scrapers expect; no secret in any label). */
import { Elysia } from 'elysia'
import type { MetricsRecorder } from '../metrics/recorder.ts'

export const metricsRoutes = (recorder: MetricsRecorder) =>
  new Elysia({ name: 'gateway.routes.metrics' }).get(
    '/metrics',
    async () => new Response(await recorder.render(), { headers: { 'content-type': recorder.contentType } }),
    { detail: { tags: ['Ops'], summary: 'Prometheus metrics' } },
  )
