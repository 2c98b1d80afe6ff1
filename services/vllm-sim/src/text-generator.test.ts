import { describe, expect, test } from 'bun:test'
import { createRng, hashString, randomInt } from './rng.ts'
import { echoTokens, randomTokens } from './text-generator.ts'
import { countTokens, splitTokens } from './tokenizer.ts'

describe('random text', () => {
  test('is deterministic per seed and differs across seeds', () => {
    expect(randomTokens(30, createRng(7))).toEqual(randomTokens(30, createRng(7)))
    expect(randomTokens(30, createRng(7))).not.toEqual(randomTokens(30, createRng(8)))
  })

  test.each([1, 2, 17, 200])('%i generated tokens re-tokenize to exactly that many tokens', (count) => {
    const tokens = randomTokens(count, createRng(count))
    expect(tokens).toHaveLength(count)
    expect(countTokens(tokens.join(''))).toBe(count)
    expect(splitTokens(tokens.join(''))).toEqual(tokens)
  })

  test('reads as sentences: a capitalized first word without a leading space', () => {
    const text = randomTokens(40, createRng(3)).join('')
    expect(text).toMatch(/^[A-Z]/)
    expect(text).toMatch(/[.,!?]/)
  })
})

describe('echo text', () => {
  test('replays the source tokens, truncated or cycled to the count', () => {
    expect(echoTokens('aa bb cc', 2)).toEqual(['aa', ' bb'])
    expect(echoTokens('aa bb', 5)).toEqual(['aa', ' bb', 'aa', ' bb', 'aa'])
    expect(echoTokens('', 2)).toEqual([' ', ' '])
  })
})

describe('rng', () => {
  test('randomInt stays within bounds and hashString is stable', () => {
    const rng = createRng(1)
    for (let i = 0; i < 200; i += 1) {
      const value = randomInt(rng, 3, 5)
      expect(value).toBeGreaterThanOrEqual(3)
      expect(value).toBeLessThanOrEqual(5)
    }
    expect(hashString('abc')).toBe(hashString('abc'))
    expect(hashString('abc')).not.toBe(hashString('abd'))
  })
})
