/** @module Client API keys, held and compared only as SHA-256 digests. */
import { timingSafeEqual } from 'node:crypto'

/** Hex SHA-256 of a key: the only form in which a key is stored, logged (as a prefix) or persisted. */
export const digestKey = (key: string): string => Bun.SHA256.hash(key, 'hex')

/** The short, non-secret handle for logs and metrics-free diagnostics: a digest prefix, never the key. */
export const keyIdOf = (digest: string): string => digest.slice(0, 12)

/** Per-key limits and queue tier; absent fields fall back to the gateway-wide defaults. */
export interface KeyPolicy {
  rpm?: number
  tpm?: number
  quota?: number
  tier?: number
}

export interface KeyIdentity extends KeyPolicy {
  digest: string
  keyId: string
}

export type KeyEntry = string | ({ key: string } & KeyPolicy)

export interface KeyRing {
  /** The identity of a presented key, or undefined when it is not one of ours. */
  verify(presented: string): KeyIdentity | undefined
  readonly size: number
}

/**
 * Builds a ring from raw keys (with their policies), which are digested at once and never kept.
 * Lookup goes by digest (an attacker learns nothing from the timing of a hash-table probe on a SHA-256 output),
 * then the digests are compared with timingSafeEqual.
 */
export function createKeyRing(entries: readonly KeyEntry[]): KeyRing {
  const byDigest = new Map<string, { bytes: Buffer; identity: KeyIdentity }>()
  for (const entry of entries) {
    const { key, ...policy } = typeof entry === 'string' ? { key: entry } : entry
    const digest = digestKey(key)
    byDigest.set(digest, {
      bytes: Buffer.from(digest, 'hex'),
      identity: { ...policy, digest, keyId: keyIdOf(digest) },
    })
  }
  return {
    size: byDigest.size,
    verify(presented) {
      const bytes = Bun.SHA256.hash(presented)
      const stored = byDigest.get(
        Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex'),
      )
      if (stored === undefined) return undefined
      return timingSafeEqual(stored.bytes, bytes) ? stored.identity : undefined
    },
  }
}

/** Reads a key from `Authorization: Bearer <key>` or `X-API-Key`, the two places OpenAI clients put it. */
export function presentedKey(authorization: string | null, apiKeyHeader: string | null): string | undefined {
  if (authorization) {
    const match = /^Bearer\s+(.+)$/i.exec(authorization.trim())
    if (match?.[1]) return match[1].trim()
  }
  const direct = apiKeyHeader?.trim()
  return direct ? direct : undefined
}
