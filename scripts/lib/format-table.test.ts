import { describe, expect, test } from 'bun:test'
import { formatTable, formatUptime } from './format-table.ts'

describe('formatTable', () => {
  test('pads each column to its widest cell and trims line ends', () => {
    expect(
      formatTable(
        ['A', 'LONG'],
        [
          ['wide-cell', 'x'],
          ['b', ''],
        ],
      ),
    ).toBe(['A          LONG', 'wide-cell  x', 'b'].join('\n'))
  })
})

describe('formatUptime', () => {
  test('picks the unit by magnitude and never goes negative', () => {
    expect([0, 45_000, 723_000, 11_040_000, 183_600_000, -5].map(formatUptime)).toEqual([
      '0s',
      '45s',
      '12m03s',
      '3h04m',
      '2d03h',
      '0s',
    ])
  })
})
