import { describe, expect, test } from 'bun:test'
import { Registry } from 'prom-client'
import { FastCounter, FastHistogram } from './fast-metrics.ts'

describe('fast metrics', () => {
  test('render through a prom-client registry like prom-client metrics do', async () => {
    const registry = new Registry()
    const counter = new FastCounter(registry, 'x_total', 'A counter.')
    const a = counter.child({ kind: 'a' })
    counter.child({ kind: 'b' })
    a.inc()
    a.inc(2)
    const histogram = new FastHistogram(registry, 'h_seconds', 'A histogram.', [0.1, 1], { m: 'x' })
    histogram.observe(0.05)
    histogram.observe(0.1)
    histogram.observe(0.5, 3)
    histogram.observe(7)
    expect(await registry.metrics()).toBe(
      [
        '# HELP x_total A counter.',
        '# TYPE x_total counter',
        'x_total{kind="a"} 3',
        'x_total{kind="b"} 0',
        '',
        '# HELP h_seconds A histogram.',
        '# TYPE h_seconds histogram',
        'h_seconds_bucket{m="x",le="0.1"} 2',
        'h_seconds_bucket{m="x",le="1"} 5',
        'h_seconds_bucket{m="x",le="+Inf"} 6',
        'h_seconds_sum{m="x"} 8.65',
        'h_seconds_count{m="x"} 6',
        '',
      ].join('\n'),
    )
  })
})
