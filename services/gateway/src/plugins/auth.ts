/** @module API-key check for the OpenAI routes: Bearer or X-API-Key, verified against the key ring's digests. */
import { Elysia } from 'elysia'
import { digestKey, type KeyIdentity, type KeyRing, presentedKey } from '../core/api-key.ts'
import { GatewayError } from '../errors/gateway-error.ts'

export interface AuthOptions {
  keyRing: KeyRing
  enabled: boolean
}

/** The identity of an unauthenticated caller when auth is disabled: one shared bucket for limits and usage. */
// A digest like any key's, so usage and limits treat it alike; no client can present it (it is not a key).
export const ANONYMOUS: KeyIdentity = { digest: digestKey('infergate:anonymous'), keyId: 'anonymous' }

/** Scoped and unnamed: applies to the routes of the plugin that uses it, never to /health or /ready. */
export const auth = (options: AuthOptions) =>
  new Elysia().derive({ as: 'scoped' }, ({ request }): { identity: KeyIdentity } => {
    if (!options.enabled) return { identity: ANONYMOUS }
    const key = presentedKey(request.headers.get('authorization'), request.headers.get('x-api-key'))
    if (key === undefined) {
      throw new GatewayError(
        'invalid_api_key',
        'You did not provide an API key. Send it as "Authorization: Bearer <key>" or in the X-API-Key header.',
      )
    }
    const identity = options.keyRing.verify(key)
    if (!identity) throw new GatewayError('invalid_api_key', 'Incorrect API key provided.')
    return { identity }
  })
