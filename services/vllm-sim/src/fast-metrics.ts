/**
 * @module Counters and histograms with fixed label sets, cheap enough for several observations per token at
 * 10k+ requests/s (prom-client hashes the label object on every call). They implement prom-client's metric
 * interface (`name`, `get()`), so one prom-client Registry still renders the exposition.
 */
import type { Registry } from 'prom-client'

type Labels = Readonly<Record<string, string>>

interface Sample {
  labels: Readonly<Record<string, string | number>>
  value: number
  metricName?: string
}

/** What prom-client's Registry reads from a metric when rendering it. */
export interface MetricSnapshot {
  name: string
  help: string
  type: 'counter' | 'histogram'
  aggregator: 'sum'
  values: Sample[]
}

/** prom-client's Registry only calls `name` and `get()`; its Metric type also lists methods it never uses here. */
function register(registry: Registry, metric: { name: string; get(): MetricSnapshot }): void {
  registry.registerMetric(metric as unknown as Parameters<Registry['registerMetric']>[0])
}

/** A counter family whose label sets are all known up front; `child(labels)` returns a bound incrementer. */
export class FastCounter {
  readonly name: string
  readonly help: string
  private readonly children: { labels: Labels; value: number }[] = []

  constructor(registry: Registry, name: string, help: string) {
    this.name = name
    this.help = help
    register(registry, this)
  }

  child(labels: Labels): { inc(by?: number): void } {
    const child = { labels, value: 0 }
    this.children.push(child)
    return {
      inc(by = 1) {
        child.value += by
      },
    }
  }

  get(): MetricSnapshot {
    return {
      name: this.name,
      help: this.help,
      type: 'counter',
      aggregator: 'sum',
      values: this.children.map(({ labels, value }) => ({ labels, value })),
    }
  }
}

/** A histogram with one fixed label set; buckets are counted individually and made cumulative at scrape time. */
export class FastHistogram {
  readonly name: string
  readonly help: string
  private readonly buckets: readonly number[]
  private readonly counts: Float64Array
  private readonly labels: Labels
  private sum = 0
  private count = 0

  constructor(registry: Registry, name: string, help: string, buckets: readonly number[], labels: Labels) {
    this.name = name
    this.help = help
    this.buckets = buckets
    this.labels = labels
    this.counts = new Float64Array(buckets.length + 1)
    register(registry, this)
  }

  /** Records `value` `times` times (one call for many equal inter-token latencies). */
  observe(value: number, times = 1): void {
    let index = 0
    while (index < this.buckets.length && value > (this.buckets[index] as number)) index += 1
    this.counts[index] = (this.counts[index] as number) + times
    this.sum += value * times
    this.count += times
  }

  get(): MetricSnapshot {
    const values: Sample[] = []
    let cumulative = 0
    this.buckets.forEach((bound, index) => {
      cumulative += this.counts[index] as number
      values.push({
        labels: { ...this.labels, le: bound },
        value: cumulative,
        metricName: `${this.name}_bucket`,
      })
    })
    values.push({
      labels: { ...this.labels, le: '+Inf' },
      value: this.count,
      metricName: `${this.name}_bucket`,
    })
    values.push({ labels: this.labels, value: this.sum, metricName: `${this.name}_sum` })
    values.push({ labels: this.labels, value: this.count, metricName: `${this.name}_count` })
    return { name: this.name, help: this.help, type: 'histogram', aggregator: 'sum', values }
  }
}
