/**
 * @module Per-client-IP rate limit, checked as the request arrives: before its body is read or its key checked,
 * so a flood costs the gateway as little as possible. Probes and metrics are exempt.
 */
import { Elysia } from 'elysia'
import { ipLimitKey, resolveClientIp, type TrustedProxies } from '../core/client-ip.ts'
import type { Clock } from '../core/clock.ts'
import type { GcraLimit } from '../core/gcra.ts'
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

export const ipRateLimit = (options: IpRateLimitOptions) =>
  new Elysia({ name: 'gateway.ip-rate-limit' }).onRequest(async ({ request, server }) => {
    const path = pathOf(request.url)
    if (!LIMITED_PREFIXES.some((prefix) => path.startsWith(prefix))) return
    const ip = resolveClientIp(
      {
        socketAddress: server?.requestIP(request)?.address,
        forwardedFor: request.headers.get('x-forwarded-for'),
      },
      options.trustedProxies,
    )
    const decision = await options.limiter.take(
      `ip:${ipLimitKey(ip)}`,
      options.limit,
      options.clock.nowUs(),
      1,
    )
    if (decision.ok) return
    options.onRejected?.()
    throw new GatewayError('rate_limit_exceeded', 'Too many requests from your address; slow down.', {
      headers: rateLimitHeaders({ others: [decision] }),
    })
  })
