/**
 * @module Counters and histograms for the per-request hot path. prom-client hashes the label object on every update
 * (sorts the keys, builds a string), even through a `labels()` child; here a child is bound to its series once, so
 * an update is a number add or an array index increment. The registry reads the totals at scrape time through the
 * same `get()` / `getForPromString()` shapes prom-client 15's Counter and Histogram produce, so the text exposition,
 * `getMetricsAsJSON()` and the cluster's AggregatorRegistry see exactly what they would from prom-client.
 */

type LabelSet<L extends string> = Readonly<Record<L, string>>

interface Config<L extends string> {
  name: string
  help: string
  labelNames: readonly L[]
}

export interface CounterChild {
  inc(value?: number): void
}

export interface HistogramChild {
  observe(value: number): void
}

/** A value pair as prom-client's exposition reads it; `exemplar` is present (null or undefined) as in prom-client. */
interface ExportedValue {
  value: number
  labels: Record<string, string | number>
  metricName?: string
  exemplar?: null
  sharedLabels?: Record<string, string>
}

export interface ExportedMetric {
  name: string
  help: string
  type: 'counter' | 'histogram'
  values: ExportedValue[]
  aggregator: 'sum'
}

/** Joins label values into a map key; \u0000 cannot occur in a label value Prometheus would accept in practice. */
const seriesKey = (labelNames: readonly string[], labels: Record<string, string>): string =>
  labelNames.map((name) => labels[name]).join('\u0000')

/**
 * Copies the label set in `labelNames` order: prom-client keeps the caller's object, and every call site passes the
 * labels in declaration order, so this reproduces its key order without holding on to a caller's object.
 */
function ownLabels<L extends string>(labelNames: readonly L[], labels: LabelSet<L>): Record<L, string> {
  const out = {} as Record<L, string>
  for (const name of labelNames) {
    const value = labels[name]
    if (value === undefined) throw new Error(`Missing label "${name}"`)
    out[name] = value
  }
  return out
}

class CounterSeries implements CounterChild {
  value = 0
  constructor(readonly labels: Record<string, string>) {}

  inc(value = 1): void {
    // The same guards as prom-client's Counter.inc, so a bad value fails the same way.
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`)
    if (value < 0) throw new Error('It is not possible to decrease a counter')
    this.value += value
  }
}

export class FastCounter<L extends string = string> {
  readonly type = 'counter'
  readonly aggregator = 'sum'
  name: string
  readonly help: string
  readonly labelNames: readonly L[]
  private readonly series = new Map<string, CounterSeries>()

  constructor(config: Config<L>) {
    this.name = config.name
    this.help = config.help
    this.labelNames = config.labelNames
    // prom-client exposes an unlabelled counter at 0 from the start.
    if (this.labelNames.length === 0) this.child({} as LabelSet<L>)
  }

  /**
   * The series for `labels`, created (and exposed at 0) on first call: callers ask for it when they first update it,
   * which keeps prom-client's "a series appears on its first update" order. Keep the child; it is the cheap path.
   */
  child(labels: LabelSet<L>): CounterChild {
    const key = seriesKey(this.labelNames, labels)
    let series = this.series.get(key)
    if (!series) {
      series = new CounterSeries(ownLabels(this.labelNames, labels))
      this.series.set(key, series)
    }
    return series
  }

  async get(): Promise<ExportedMetric> {
    const values: ExportedValue[] = []
    for (const series of this.series.values()) values.push({ value: series.value, labels: series.labels })
    return { help: this.help, name: this.name, type: this.type, values, aggregator: this.aggregator }
  }

  /** Zeroes every series instead of dropping it, so children bound by callers stay attached to the exposition. */
  reset(): void {
    for (const series of this.series.values()) series.value = 0
  }
}

class HistogramSeries implements HistogramChild {
  readonly counts: Float64Array
  sum = 0
  count = 0

  constructor(
    private readonly upperBounds: readonly number[],
    readonly labels: Record<string, string>,
  ) {
    this.counts = new Float64Array(upperBounds.length)
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`)
    const bounds = this.upperBounds
    let index = 0
    // Linear from the smallest bucket: most observations (token gaps, overhead) land in the first few.
    while (index < bounds.length && value > (bounds[index] as number)) index++
    this.sum += value
    this.count += 1
    if (index < bounds.length) this.counts[index] = (this.counts[index] as number) + 1
  }
}

export class FastHistogram<L extends string = string> {
  readonly type = 'histogram'
  readonly aggregator = 'sum'
  name: string
  readonly help: string
  readonly labelNames: readonly L[]
  readonly upperBounds: readonly number[]
  private readonly series = new Map<string, HistogramSeries>()
  private unlabelled: HistogramChild | undefined

  constructor(config: Config<L> & { buckets: readonly number[] }) {
    this.name = config.name
    this.help = config.help
    this.labelNames = config.labelNames
    this.upperBounds = [...config.buckets]
    if (this.labelNames.length === 0) this.child({} as LabelSet<L>)
  }

  /** See FastCounter.child: created on first call, keep it. */
  child(labels: LabelSet<L>): HistogramChild {
    const key = seriesKey(this.labelNames, labels)
    let series = this.series.get(key)
    if (!series) {
      series = new HistogramSeries(this.upperBounds, ownLabels(this.labelNames, labels))
      this.series.set(key, series)
    }
    return series
  }

  /**
   * prom-client's `observe(value)` for an unlabelled histogram, kept so call sites outside the recorder (the admission
   * queue's wait) need no change; the series is bound once, so it is as cheap as a child.
   */
  observe(value: number): void {
    this.unlabelled ??= this.child({} as LabelSet<L>)
    this.unlabelled.observe(value)
  }

  /** prom-client's Histogram.getForPromString: series labels as `sharedLabels`, `le` apart. */
  async getForPromString(): Promise<ExportedMetric> {
    const bucketName = `${this.name}_bucket`
    const values: ExportedValue[] = []
    for (const series of this.series.values()) {
      const shared = series.labels
      let cumulative = 0
      for (let i = 0; i < this.upperBounds.length; i++) {
        cumulative += series.counts[i] as number
        values.push(pair({ le: this.upperBounds[i] as number }, cumulative, bucketName, null, shared))
      }
      values.push(pair({ le: '+Inf' }, series.count, bucketName, null, shared))
      values.push(pair({}, series.sum, `${this.name}_sum`, undefined, shared))
      values.push(pair({}, series.count, `${this.name}_count`, undefined, shared))
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator }
  }

  /** prom-client's Histogram.get: the shared labels folded into each value's own. */
  async get(): Promise<ExportedMetric> {
    const data = await this.getForPromString()
    data.values = data.values.map(({ sharedLabels, labels, ...rest }) => ({
      ...rest,
      labels: Object.assign(labels, sharedLabels),
    }))
    return data
  }

  reset(): void {
    for (const series of this.series.values()) {
      series.counts.fill(0)
      series.sum = 0
      series.count = 0
    }
  }
}

function pair(
  labels: Record<string, string | number>,
  value: number,
  metricName: string,
  exemplar: null | undefined,
  sharedLabels: Record<string, string>,
): ExportedValue {
  // Key order as prom-client's setValuePair builds it.
  return { labels, sharedLabels, value, metricName, exemplar }
}
