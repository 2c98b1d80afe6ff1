/** @module Admin-only routes: the ADMIN_API_KEY, compared as a SHA-256 digest in constant time. */
import { timingSafeEqual } from 'node:crypto'
import { Elysia } from 'elysia'
import { digestKey, presentedKey } from '../core/api-key.ts'
import { GatewayError } from '../errors/gateway-error.ts'

/** Scoped and unnamed like `auth`: guards the routes of the plugin that uses it. */
export const adminAuth = (adminKeyDigest: string | undefined) =>
  new Elysia().onBeforeHandle({ as: 'scoped' }, ({ request }) => {
    if (adminKeyDigest === undefined) {
      throw new GatewayError('forbidden', 'The admin API is disabled: set ADMIN_API_KEY to enable it.')
    }
    const key = presentedKey(request.headers.get('authorization'), request.headers.get('x-api-key'))
    const expected = Buffer.from(adminKeyDigest, 'hex')
    if (key === undefined || !timingSafeEqual(Buffer.from(digestKey(key), 'hex'), expected)) {
      throw new GatewayError('invalid_api_key', 'An admin API key is required.')
    }
  })
