import { describe, expect, test } from 'bun:test'
import { type PlanInput, planChoice } from './generation-plan.ts'
import { countTokens } from './tokenizer.ts'

const base: PlanInput = {
  mode: 'random',
  echoText: 'aa bb cc dd',
  maxTokens: 50,
  minTokens: 0,
  ignoreEos: false,
  stop: [],
  directives: {},
  randomMaxTokens: 20,
  seed: 42,
}

describe('planChoice', () => {
  test('random lengths stay within max_tokens and the random cap, deterministic per seed', () => {
    const plan = planChoice(base)
    expect(plan).toEqual(planChoice(base))
    expect(plan.tokens.length).toBeGreaterThanOrEqual(1)
    expect(plan.tokens.length).toBeLessThanOrEqual(20)
    expect(plan.generated).toBe(plan.tokens.length)
    expect(countTokens(plan.tokens.join(''))).toBe(plan.generated)
  })

  test('a random length that reaches max_tokens finishes with length', () => {
    for (let seed = 0; seed < 20; seed += 1) {
      const plan = planChoice({ ...base, maxTokens: 2, seed })
      expect(plan.finishReason).toBe(plan.tokens.length === 2 ? 'length' : 'stop')
    }
  })

  test('echo replays the prompt and stops; max_tokens below it gives length', () => {
    expect(planChoice({ ...base, mode: 'echo' })).toMatchObject({
      tokens: ['aa', ' bb', ' cc', ' dd'],
      finishReason: 'stop',
    })
    expect(planChoice({ ...base, mode: 'echo', maxTokens: 2 })).toMatchObject({
      tokens: ['aa', ' bb'],
      finishReason: 'length',
    })
  })

  test('tokens directive and the fixed-length flag give exact lengths; finish directive wins', () => {
    expect(planChoice({ ...base, directives: { tokens: 7 } }).tokens).toHaveLength(7)
    expect(planChoice({ ...base, directives: { tokens: 7 } }).finishReason).toBe('stop')
    expect(planChoice({ ...base, fixedTokens: 60 })).toMatchObject({ finishReason: 'length' })
    expect(planChoice({ ...base, fixedTokens: 60 }).tokens).toHaveLength(50)
    expect(planChoice({ ...base, directives: { tokens: 0 } }).tokens).toEqual([])
    expect(planChoice({ ...base, directives: { tokens: 3, finish: 'length' } }).finishReason).toBe('length')
  })

  test('ignore_eos runs to max_tokens and min_tokens raises short outputs', () => {
    expect(planChoice({ ...base, ignoreEos: true, maxTokens: 9 })).toMatchObject({ finishReason: 'length' })
    expect(planChoice({ ...base, ignoreEos: true, maxTokens: 9 }).tokens).toHaveLength(9)
    expect(planChoice({ ...base, mode: 'echo', minTokens: 6 }).tokens).toHaveLength(6)
  })

  test('a stop string cuts the text, even inside a token, and is the stop_reason', () => {
    const plan = planChoice({ ...base, mode: 'echo', echoText: 'one two three', stop: ['wo t', 'zzz'] })
    expect(plan.tokens.join('')).toBe('one t')
    expect(plan.finishReason).toBe('stop')
    expect(plan.stopReason).toBe('wo t')
    expect(plan.generated).toBe(3)
  })

  test('the earliest of several stop strings wins', () => {
    const plan = planChoice({ ...base, mode: 'echo', echoText: 'abc def', stop: ['def', 'c d'] })
    expect(plan.tokens.join('')).toBe('ab')
    expect(plan.stopReason).toBe('c d')
  })

  test('logprobs list each token with the requested number of alternatives', () => {
    const plan = planChoice({ ...base, mode: 'echo', logprobs: 3 })
    expect(plan.logprobs?.map((entry) => entry.token)).toEqual(plan.tokens)
    for (const entry of plan.logprobs ?? []) {
      expect(entry.top).toHaveLength(3)
      expect(entry.top[0]?.token).toBe(entry.token)
      expect(entry.top[1]?.logprob).toBeLessThan(entry.logprob)
    }
    expect(planChoice({ ...base, mode: 'echo', logprobs: 0 }).logprobs?.[0]?.top).toEqual([])
  })
})
