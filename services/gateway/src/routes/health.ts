/** @module Liveness and readiness probes; no auth, and nothing about the upstreams that a stranger should learn. */
import { Elysia } from 'elysia'
import type { Lifecycle } from '../lifecycle.ts'
import type { UpstreamRegistry } from '../upstream/registry.ts'

export interface HealthRouteDeps {
  registry: UpstreamRegistry
  lifecycle: Lifecycle
}

export const healthRoutes = (deps: HealthRouteDeps) =>
  new Elysia({ name: 'gateway.routes.health' })
    .get('/health', () => ({ status: 'ok' }), { detail: { tags: ['Ops'], summary: 'Liveness' } })
    .get(
      '/ready',
      ({ set }) => {
        const healthy = deps.registry.upstreams.filter((upstream) => upstream.healthy).length
        if (deps.lifecycle.draining) {
          set.status = 503
          return { status: 'draining', healthy_upstreams: healthy }
        }
        if (healthy === 0) {
          set.status = 503
          return { status: 'no_healthy_upstream', healthy_upstreams: 0 }
        }
        return { status: 'ready', healthy_upstreams: healthy }
      },
      {
        detail: { tags: ['Ops'], summary: 'Readiness: 200 when an upstream is healthy, 503 while draining' },
      },
    )
