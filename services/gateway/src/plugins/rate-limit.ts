/**
 * @module Per-client-IP rate limit, checked as the request arrives: before its body is read or its key checked,
 * so a flood costs the gateway as little as possible. Probes and metrics are exempt.
 */
import { Elysia } from 'elysia'
import { ipLimitKey, resolveClientIp, type TrustedProxies } from '../core/client-ip.ts'
import type { Clock } from '../core/clock.ts'
import type { GcraDecision, GcraLimit } from '../core/gcra.ts'
import type { LimiterStore } from '../core/limiter-store.ts'
import { rateLimitHeaders } from '../core/rate-limit-headers.ts'
import { GatewayError } from '../errors/gateway-error.ts'

export interface IpRateLimitOptions {
  limiter: LimiterStore
  limit: GcraLimit
  trustedProxies: TrustedProxies
  clock: Clock
  onRejected?: () => void
}

const LIMITED_PREFIXES = ['/v1/', '/api/v1/', '/admin/']

/** The path part of a URL without allocating a URL object on the hot path. */
function pathOf(url: string): string {
  const start = url.indexOf('/', url.indexOf('//') + 2)
  const query = url.indexOf('?', start)
  return start === -1 ? '/' : url.slice(start, query === -1 ? undefined : query)
}

export const ipRateLimit = (options: IpRateLimitOptions) => {
  const decide = (decision: GcraDecision): void => {
    if (decision.ok) return
    options.onRejected?.()
    throw new GatewayError('rate_limit_exceeded', 'Too many requests from your address; slow down.', {
      headers: rateLimitHeaders({ others: [decision] }),
    })
  }
  return new Elysia({ name: 'gateway.ip-rate-limit' }).onRequest(({ request, server }) => {
    const path = pathOf(request.url)
    if (!LIMITED_PREFIXES.some((prefix) => path.startsWith(prefix))) return
    const ip = resolveClientIp(
      {
        socketAddress: server?.requestIP(request)?.address,
        forwardedFor: request.headers.get('x-forwarded-for'),
      },
      options.trustedProxies,
    )
    // Not an async hook: a synchronous store decides without a microtask turn (see proxy/admission.ts), and only a
    // store that answers with a promise (Redis) makes Elysia wait.
    const taken = options.limiter.take(`ip:${ipLimitKey(ip)}`, options.limit, options.clock.nowUs(), 1)
    if (taken instanceof Promise) return taken.then(decide)
    decide(taken)
  })
}
