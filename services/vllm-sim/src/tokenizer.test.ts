import { describe, expect, test } from 'bun:test'
import {
  countTokens,
  decode,
  encode,
  isValidTokenId,
  SPECIAL_TOKENS,
  splitTokens,
  tokenId,
  tokenString,
} from './tokenizer.ts'

const SAMPLES = [
  'Hello, world!',
  '  leading and trailing  ',
  'numbers 1234567 and 3.14159',
  'ünïcödé — emoji 🎉🎉 and 漢字テキスト',
  'tabs\tand\nnewlines\r\n',
  '<|user|>Hi<|end|><|assistant|>',
  'a<|b',
  '',
]

describe('tokenizer', () => {
  test('words keep one leading space and split into runs of at most 4 bytes', () => {
    expect(splitTokens('Hello world')).toEqual(['Hell', 'o', ' wor', 'ld'])
    expect(splitTokens('The cat sat.')).toEqual(['The', ' cat', ' sat', '.'])
    expect(splitTokens('12345')).toEqual(['123', '45'])
  })

  test('never splits a character, even when it is longer than the run budget allows', () => {
    for (const token of splitTokens('ünïcödé 🎉🎉 漢字テキスト')) {
      expect(new TextEncoder().encode(token).length).toBeLessThanOrEqual(4)
      expect(token).not.toContain('\uFFFD')
    }
  })

  test('special tokens are single tokens', () => {
    expect(splitTokens('<|user|>Hi<|end|>')).toEqual(['<|user|>', 'Hi', '<|end|>'])
    expect(encode('<|user|>')).toEqual([SPECIAL_TOKENS.indexOf('<|user|>')])
  })

  test.each(SAMPLES)('encode/decode round-trips %p and countTokens agrees with encode', (text) => {
    const ids = encode(text)
    expect(decode(ids)).toBe(text)
    expect(countTokens(text)).toBe(ids.length)
    expect(splitTokens(text).join('')).toBe(text)
  })

  test('ids are stable across calls and distinct tokens get distinct ids', () => {
    expect(encode('stable text')).toEqual(encode('stable text'))
    expect(tokenId(' cat')).not.toBe(tokenId(' dog'))
    expect(tokenString(tokenId(' cat'))).toBe(' cat')
  })

  test('decode rejects ids no token has', () => {
    expect(() => decode([-1])).toThrow(RangeError)
    expect(() => decode([1.5])).toThrow('out of vocabulary')
    expect(() => decode([10])).toThrow('out of vocabulary')
    expect(() => decode([2 ** 40])).toThrow('out of vocabulary')
    expect(isValidTokenId('3')).toBe(false)
  })

  test('the ASCII fast count agrees with the regex split on random text', () => {
    const alphabet = [
      'a',
      'Z',
      'q',
      '1',
      '9',
      ' ',
      ' ',
      '  ',
      '\t',
      '\n',
      '.',
      ',',
      '!',
      '<',
      '|',
      '>',
      '<|',
      '<|user|>',
      '<|end|>',
      '_',
    ]
    let seed = 1
    const next = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
      return seed / 2_147_483_648
    }
    for (let round = 0; round < 2000; round += 1) {
      let text = ''
      const length = Math.floor(next() * 30)
      for (let i = 0; i < length; i += 1) text += alphabet[Math.floor(next() * alphabet.length)]
      expect([text, countTokens(text)]).toEqual([text, splitTokens(text).length])
    }
  })

  test('a long ASCII word counts ceil(bytes / 4) tokens', () => {
    expect(countTokens('abcdefghij')).toBe(3)
    expect(countTokens(' abcdefghij')).toBe(3)
  })
})
