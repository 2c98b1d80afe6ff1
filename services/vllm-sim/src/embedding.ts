/**
 * @module Deterministic embeddings: a unit vector seeded by the input's hash, so equal inputs embed equally and
 * different ones (almost surely) do not. `dimensions` keeps a prefix and renormalizes, as Matryoshka models do.
 */
import { createRng, hashString } from './rng.ts'

export function embedText(text: string, dimension: number, dimensions = dimension): Float32Array {
  const rng = createRng(hashString(text))
  const size = Math.min(dimension, dimensions)
  const vector = new Float32Array(size)
  let norm = 0
  for (let i = 0; i < size; i += 1) {
    const value = rng() * 2 - 1
    vector[i] = value
    norm += value * value
  }
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0
  for (let i = 0; i < size; i += 1) vector[i] = (vector[i] as number) * scale
  return vector
}

/** `encoding_format: "base64"`: the little-endian float32 bytes, base64-encoded. */
export function toBase64(vector: Float32Array): string {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64')
}
