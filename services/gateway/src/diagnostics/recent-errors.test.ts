import { describe, expect, test } from 'bun:test'
import { createRecentErrors } from './recent-errors.ts'

const error = (n: number) => ({
  at: `t${n}`,
  requestId: `r${n}`,
  route: '/v1/x',
  status: 500,
  code: 'c',
  message: `m${n}`,
})

describe('recent errors', () => {
  test('keeps the newest first, up to its capacity', () => {
    const recent = createRecentErrors(3)
    expect(recent.list()).toEqual([])
    for (let n = 1; n <= 5; n++) recent.record(error(n))
    expect(recent.list().map((item) => item.requestId)).toEqual(['r5', 'r4', 'r3'])
  })
})
