import { describe, expect, test } from 'bun:test'
import { parsePromptMix, pickPromptClass, promptText } from './prompt-mix.ts'

describe('parsePromptMix', () => {
  test('reads named classes with weights', () => {
    expect(parsePromptMix('short:70,long:30')).toEqual([
      { name: 'short', tokens: 64, weight: 70 },
      { name: 'long', tokens: 2048, weight: 30 },
    ])
  })

  test('reads explicit token lengths, numeric names and a default weight of 1', () => {
    expect(parsePromptMix('short=100:3, 256 ,x=9')).toEqual([
      { name: 'short', tokens: 100, weight: 3 },
      { name: '256', tokens: 256, weight: 1 },
      { name: 'x', tokens: 9, weight: 1 },
    ])
  })

  test('names every bad item in one error', () => {
    expect(() => parsePromptMix('huge:10,short:0,%%')).toThrow(/huge.*unknown class.*short:0.*weight.*%%/)
    expect(() => parsePromptMix(' , ')).toThrow('empty')
    expect(() => parsePromptMix('0:5')).toThrow('unknown class')
  })
})

describe('pickPromptClass', () => {
  test('follows the weights over a run', () => {
    const classes = parsePromptMix('short:70,long:30')
    const counts = { short: 0, long: 0 } as Record<string, number>
    for (let i = 0; i < 1000; i++) {
      const name = pickPromptClass(classes, i).name
      counts[name] = (counts[name] ?? 0) + 1
    }
    expect(counts.short).toBeGreaterThan(680)
    expect(counts.short).toBeLessThan(720)
    expect(counts.long).toBe(1000 - (counts.short ?? 0))
  })

  test('is deterministic and always picks the only class', () => {
    const classes = parsePromptMix('a=1:1,b=2:1')
    expect(pickPromptClass(classes, 5)).toEqual(pickPromptClass(classes, 5))
    expect(pickPromptClass(parsePromptMix('medium'), 3).tokens).toBe(512)
    expect(() => pickPromptClass([], 0)).toThrow('empty')
  })
})

describe('promptText', () => {
  test('has one word per token and names the request', () => {
    const text = promptText(10, 42)
    expect(text.startsWith('request 42:')).toBe(true)
    expect(text.split(' ').length).toBe(11)
    expect(promptText(1, 0)).toBe('request 0:')
  })
})
