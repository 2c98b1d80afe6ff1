import { describe, expect, test } from 'bun:test'
import { parseCliArgs } from './cli-args.ts'

describe('parseCliArgs', () => {
  test('takes its own flags and passes everything else to vLLM in order', () => {
    expect(parseCliArgs(['--enforce-eager', '--dry-run', '--dtype', 'half'])).toEqual({
      dryRun: true,
      help: false,
      extraArgs: ['--enforce-eager', '--dtype', 'half'],
    })
  })

  test('after -- even launcher flags go to vLLM', () => {
    expect(parseCliArgs(['-h', '--', '--dry-run'])).toEqual({
      dryRun: false,
      help: true,
      extraArgs: ['--dry-run'],
    })
  })

  test('no arguments means a normal launch', () => {
    expect(parseCliArgs([])).toEqual({ dryRun: false, help: false, extraArgs: [] })
  })
})
