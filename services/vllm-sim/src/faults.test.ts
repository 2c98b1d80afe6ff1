import { describe, expect, test } from 'bun:test'
import {
  collectDirectives,
  injectedFailure,
  parseHeaderDirectives,
  parsePromptDirectives,
  stripDirectives,
} from './faults.ts'

describe('prompt directives', () => {
  test('parses every directive kind from anywhere in the text', () => {
    const into = {}
    const problem = parsePromptDirectives(
      'a [[sim:status=503]] b [[sim:die-after=3]][[sim:hang]] [[sim:hang-after=2]] [[sim:tokens=9]] [[sim:ttft-ms=100]] [[sim:itl-ms=5]] [[sim:finish=length]]',
      into,
    )
    expect(problem).toBeUndefined()
    expect(into).toEqual({
      status: 503,
      dieAfter: 3,
      hang: true,
      hangAfter: 2,
      tokens: 9,
      ttftMs: 100,
      itlMs: 5,
      finish: 'length',
    })
  })

  test('text without the marker is left alone', () => {
    const into = {}
    expect(parsePromptDirectives('plain [sim:status=500]', into)).toBeUndefined()
    expect(into).toEqual({})
  })

  test.each([
    ['[[sim:status=200]]', 'status must be from 400 to 599'],
    ['[[sim:tokens=-1]]', 'non-negative integer'],
    ['[[sim:tokens]]', 'non-negative integer'],
    ['[[sim:finish=eos]]', 'finish must be length or stop'],
    ['[[sim:hang=5]]', 'hang takes no value'],
    ['[[sim:boom]]', 'unknown sim directive'],
  ])('%s is rejected with a message', (text, message) => {
    expect(parsePromptDirectives(text)).toContain(message)
  })

  test('stripDirectives removes them for echo', () => {
    expect(stripDirectives('hi [[sim:tokens=3]]there')).toBe('hi there')
    expect(stripDirectives('untouched')).toBe('untouched')
  })
})

describe('header directives', () => {
  test('NAME=VALUE pairs separated by ; or , and bare names', () => {
    const into = {}
    expect(parseHeaderDirectives('status=429; tokens=3,hang', into)).toBeUndefined()
    expect(into).toEqual({ status: 429, tokens: 3, hang: true })
  })

  test('the header overrides the prompt and errors are reported', () => {
    expect(collectDirectives(['[[sim:tokens=5]]'], 'tokens=2')).toEqual({
      ok: true,
      directives: { tokens: 2 },
    })
    expect(collectDirectives(['x'], 'nope=1')).toMatchObject({ ok: false })
    expect(collectDirectives(['[[sim:nope]]'], null)).toMatchObject({ ok: false })
    expect(collectDirectives(['x'], '')).toEqual({ ok: true, directives: {} })
  })
})

describe('injected failures', () => {
  test('fires below the rate and picks a status by the second draw', () => {
    expect(injectedFailure(0.5, [500, 503], 0.49, 0)).toBe(500)
    expect(injectedFailure(0.5, [500, 503], 0.49, 0.99)).toBe(503)
    expect(injectedFailure(0.5, [500, 503], 0.5, 0)).toBeUndefined()
    expect(injectedFailure(0, [500], 0, 0)).toBeUndefined()
    expect(injectedFailure(1, [], 0, 0)).toBeUndefined()
  })
})
