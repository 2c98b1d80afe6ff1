/** @module GET /metrics in Prometheus text format. */
import type { SimMetrics } from '../metrics.ts'

export function createMetricsRoute(metrics: SimMetrics) {
  return async (): Promise<Response> =>
    new Response(await metrics.registry.metrics(), {
      headers: { 'content-type': metrics.registry.contentType },
    })
}
