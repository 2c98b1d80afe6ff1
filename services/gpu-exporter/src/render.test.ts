import { describe, expect, test } from 'bun:test'
import { FamilyBuilder, renderFamilies } from './render.ts'

describe('renderFamilies', () => {
  test('writes HELP, TYPE and one line per sample, labels in the given order', () => {
    const text = renderFamilies([
      {
        name: 'x_total_things',
        help: 'Things.',
        type: 'gauge',
        samples: [
          {
            labels: [
              ['b', '1'],
              ['a', '2'],
            ],
            value: 3,
          },
          { labels: [], value: 0.5 },
        ],
      },
    ])
    expect(text).toBe(
      '# HELP x_total_things Things.\n# TYPE x_total_things gauge\nx_total_things{b="1",a="2"} 3\nx_total_things 0.5\n',
    )
  })

  test('escapes backslashes, quotes and newlines in label values and help', () => {
    const text = renderFamilies([
      { name: 'm', help: 'a\\b\nc', type: 'gauge', samples: [{ labels: [['p', 'C:\\x "y"\nz']], value: 1 }] },
    ])
    expect(text).toContain('# HELP m a\\\\b\\nc\n')
    expect(text).toContain('m{p="C:\\\\x \\"y\\"\\nz"} 1\n')
  })

  test('leaves out families without samples and spells special values the Prometheus way', () => {
    const text = renderFamilies([
      { name: 'empty', help: 'h', type: 'gauge', samples: [] },
      {
        name: 'special',
        help: 'h',
        type: 'gauge',
        samples: [
          { labels: [['v', 'nan']], value: Number.NaN },
          { labels: [['v', 'inf']], value: Number.POSITIVE_INFINITY },
          { labels: [['v', '-inf']], value: Number.NEGATIVE_INFINITY },
        ],
      },
    ])
    expect(text).not.toContain('empty')
    expect(text).toContain('special{v="nan"} NaN\nspecial{v="inf"} +Inf\nspecial{v="-inf"} -Inf\n')
  })
})

describe('FamilyBuilder', () => {
  test('groups samples by family in first-seen order and sums duplicate series', () => {
    const builder = new FamilyBuilder()
    builder.add('a', 'A', [['k', '1']], 1)
    builder.add('b', 'B', [], 5)
    builder.add('a', 'A', [['k', '2']], 2)
    builder.add('a', 'A', [['k', '1']], 10)
    const families = builder.build()
    expect(families.map((family) => family.name)).toEqual(['a', 'b'])
    expect(families[0]?.samples).toEqual([
      { labels: [['k', '1']], value: 11 },
      { labels: [['k', '2']], value: 2 },
    ])
  })
})
