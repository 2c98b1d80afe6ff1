import { describe, expect, test } from 'bun:test'
import { embedText, toBase64 } from './embedding.ts'

describe('embeddings', () => {
  test('unit length, deterministic per text, different across texts', () => {
    const a = embedText('hello', 64)
    expect(a).toHaveLength(64)
    expect(Math.hypot(...a)).toBeCloseTo(1, 5)
    expect(embedText('hello', 64)).toEqual(a)
    expect(embedText('hellp', 64)).not.toEqual(a)
  })

  test('dimensions truncates and renormalizes', () => {
    const short = embedText('hello', 64, 8)
    expect(short).toHaveLength(8)
    expect(Math.hypot(...short)).toBeCloseTo(1, 5)
  })

  test('base64 is little-endian float32', () => {
    const vector = embedText('x', 4)
    const bytes = Buffer.from(toBase64(vector), 'base64')
    expect(bytes.length).toBe(16)
    expect(bytes.readFloatLE(4)).toBeCloseTo(vector[1] ?? Number.NaN, 6)
  })
})
