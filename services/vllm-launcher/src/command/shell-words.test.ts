import { describe, expect, test } from 'bun:test'
import { quoteShellWord, splitShellWords } from './shell-words.ts'

describe('splitShellWords', () => {
  test('splits on runs of whitespace and drops the ends', () => {
    expect(splitShellWords('  bun   /a/main.ts\tserve ')).toEqual(['bun', '/a/main.ts', 'serve'])
  })

  test('keeps quoted spaces and empty quoted words', () => {
    expect(splitShellWords(`"/opt/my bin/vllm" --x '' 'a b'`)).toEqual(['/opt/my bin/vllm', '--x', '', 'a b'])
  })

  test('honours backslash escapes outside and inside double quotes, not inside single quotes', () => {
    expect(splitShellWords(String.raw`a\ b "c\"d" 'e\f' "g\h"`)).toEqual([
      'a b',
      'c"d',
      String.raw`e\f`,
      String.raw`g\h`,
    ])
  })

  test('joins adjacent quoted and bare parts into one word', () => {
    expect(splitShellWords(`--json='{"a": 1}'x`)).toEqual(['--json={"a": 1}x'])
  })

  test('rejects unterminated quotes and a trailing backslash', () => {
    expect(() => splitShellWords(`"abc`)).toThrow('unterminated " quote')
    expect(() => splitShellWords(`'abc`)).toThrow("unterminated ' quote")
    expect(() => splitShellWords('abc\\')).toThrow('backslash')
  })
})

describe('quoteShellWord', () => {
  test('leaves safe words alone and quotes the rest so they split back the same', () => {
    expect(quoteShellWord('--port')).toBe('--port')
    const words = ['a b', "it's", '', '{"x":1}']
    expect(splitShellWords(words.map(quoteShellWord).join(' '))).toEqual(words)
  })
})
