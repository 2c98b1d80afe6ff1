import { describe, expect, test } from 'bun:test'
import { createKeyRing, digestKey, keyIdOf, presentedKey } from './api-key.ts'

describe('api keys', () => {
  test('a ring verifies its keys by digest and rejects others', () => {
    const ring = createKeyRing(['sk-one', 'sk-two', 'sk-one'])
    expect(ring.size).toBe(2)
    const identity = ring.verify('sk-two')
    expect(identity?.digest).toBe(digestKey('sk-two'))
    expect(identity?.keyId).toBe(keyIdOf(digestKey('sk-two')))
    expect(identity?.keyId).toHaveLength(12)
    expect(ring.verify('sk-three')).toBeUndefined()
    expect(ring.verify('')).toBeUndefined()
    expect(ring.verify('sk-one ')).toBeUndefined()
  })

  test('a key carries its policy into its identity', () => {
    const ring = createKeyRing([{ key: 'sk-gold', rpm: 600, tier: 2 }, 'sk-plain'])
    expect(ring.verify('sk-gold')).toMatchObject({ rpm: 600, tier: 2, keyId: keyIdOf(digestKey('sk-gold')) })
    expect(ring.verify('sk-plain')?.tier).toBeUndefined()
    expect(JSON.stringify(ring.verify('sk-gold'))).not.toContain('sk-gold')
  })

  test('the digest is SHA-256 hex and never contains the key', () => {
    expect(digestKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
  })

  test('reads Bearer tokens and X-API-Key, Bearer first', () => {
    expect(presentedKey('Bearer sk-1', null)).toBe('sk-1')
    expect(presentedKey('bearer   sk-1  ', null)).toBe('sk-1')
    expect(presentedKey(null, 'sk-2')).toBe('sk-2')
    expect(presentedKey('Bearer sk-1', 'sk-2')).toBe('sk-1')
    expect(presentedKey('Basic abc', 'sk-2')).toBe('sk-2')
    expect(presentedKey('Basic abc', null)).toBeUndefined()
    expect(presentedKey('Bearer ', '  ')).toBeUndefined()
  })
})
