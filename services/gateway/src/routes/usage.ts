/** @module Usage reports: GET /v1/usage for the caller, GET /admin/usage and GET /admin/status for operators. */
import { Elysia, t } from 'elysia'
import type { KeyRing } from '../core/api-key.ts'
import { keyIdOf } from '../core/api-key.ts'
import type { Clock } from '../core/clock.ts'
import { type UsageRecord, utcDay } from '../core/quota.ts'
import type { UsageView } from '../core/usage-view.ts'
import type { GatewayDeps } from '../deps.ts'
import { adminAuth } from '../plugins/admin-auth.ts'
import { auth } from '../plugins/auth.ts'
import type { UsageStore } from '../store/usage-store.ts'

/** Totals over models plus the per-model rows, in OpenAI's snake_case. */
function summarize(rows: readonly UsageRecord[]) {
  const byModel = rows.map((row) => ({
    model: row.model,
    prompt_tokens: row.promptTokens,
    completion_tokens: row.completionTokens,
    total_tokens: row.promptTokens + row.completionTokens,
    requests: row.requests,
    cost: row.cost,
  }))
  const sum = (pick: (row: (typeof byModel)[number]) => number) =>
    byModel.reduce((total, row) => total + pick(row), 0)
  return {
    prompt_tokens: sum((row) => row.prompt_tokens),
    completion_tokens: sum((row) => row.completion_tokens),
    total_tokens: sum((row) => row.total_tokens),
    requests: sum((row) => row.requests),
    cost: sum((row) => row.cost),
    by_model: byModel,
  }
}

export interface UsageRouteDeps {
  keyRing: KeyRing
  authEnabled: boolean
  /** Reads where the quota lives, so any worker or replica answers with the key's whole usage. */
  usageView: UsageView
  clock: Clock
}

export const usageRoutes = (deps: UsageRouteDeps) =>
  new Elysia({ name: 'gateway.routes.usage' })
    .use(auth({ keyRing: deps.keyRing, enabled: deps.authEnabled }))
    .get(
      '/v1/usage',
      async ({ identity }) => {
        const nowMs = deps.clock.nowMs()
        const status = await deps.usageView.status(identity.digest, nowMs)
        const unlimited = !Number.isFinite(status.quota)
        return {
          object: 'usage',
          key_id: identity.keyId,
          day: status.day,
          quota: unlimited ? null : status.quota,
          used: status.used,
          reserved: status.reserved,
          remaining: unlimited ? null : status.remaining,
          ...summarize(await deps.usageView.usage(identity.digest, status.day)),
        }
      },
      { detail: { tags: ['Usage'], summary: "The caller's token usage today (UTC) and remaining quota" } },
    )

export interface AdminRouteDeps {
  adminKeyDigest: string | undefined
  usageStore: UsageStore
  flush: () => Promise<unknown>
  clock: Clock
  status: () => unknown
  debugBundle: () => unknown
}

const DAY = /^\d{4}-\d{2}-\d{2}$/

export const adminRoutes = (deps: AdminRouteDeps) =>
  new Elysia({ name: 'gateway.routes.admin', prefix: '/admin' })
    .use(adminAuth(deps.adminKeyDigest))
    .get(
      '/usage',
      async ({ query }) => {
        const day = query.day ?? utcDay(deps.clock.nowMs())
        // Write what is in memory first, so the report is complete to this moment.
        await deps.flush()
        const rows = await deps.usageStore.query({ day })
        const byKey = new Map<string, UsageRecord[]>()
        for (const row of rows) byKey.set(row.keyHash, [...(byKey.get(row.keyHash) ?? []), row])
        return {
          object: 'usage_report',
          day,
          keys: [...byKey].map(([keyHash, keyRows]) => ({
            key_id: keyIdOf(keyHash),
            key_hash: keyHash,
            ...summarize(keyRows),
          })),
        }
      },
      {
        // Open: a cache-busting or tracking parameter a client adds is no error.
        query: t.Object(
          { day: t.Optional(t.String({ pattern: DAY.source, error: "'day' must be YYYY-MM-DD" })) },
          { additionalProperties: true },
        ),
        detail: { tags: ['Admin'], summary: 'Every key’s usage on a UTC day (default today)' },
      },
    )
    .get('/debug/bundle', () => deps.debugBundle(), {
      detail: {
        tags: ['Admin'],
        summary: 'Versions, redacted config, state and recent errors for a bug report',
      },
    })
    .get('/status', () => deps.status(), {
      detail: { tags: ['Admin'], summary: 'Breakers, queue, limiter and quota state' },
    })

/** What /admin/status reports: the state an operator needs when something misbehaves. */
export async function adminStatus(deps: GatewayDeps) {
  const nowMs = deps.clock.nowMs()
  const quota = await deps.usageView.summary()
  return {
    draining: deps.lifecycle.draining,
    in_flight: deps.lifecycle.inFlight,
    open_streams: deps.proxy.openStreams,
    upstreams: deps.registry.upstreams.map((upstream) => ({
      url: upstream.url,
      healthy: upstream.healthy,
      in_flight: upstream.inFlight,
      models: [...upstream.models.keys()],
      last_error: upstream.lastError ?? null,
    })),
    breakers: deps.breakers.snapshot(nowMs),
    queue: deps.queue?.stats() ?? null,
    limiter: { entries: deps.limiter.size() },
    quota,
  }
}
