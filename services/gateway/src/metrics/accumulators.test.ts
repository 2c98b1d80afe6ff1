import { describe, expect, test } from 'bun:test'
import { AggregatorRegistry, Counter, Histogram, type Metric, Registry } from 'prom-client'
import { FastCounter, FastHistogram } from './accumulators.ts'

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1]
// Below, on and between bounds, above the last one, negative and zero: every branch of the bucket search.
const SAMPLES = [0, 0.005, 0.0051, 0.01, 0.3, 1, 1.5, 42, -0.2, 0.02, 0.02, 0.7]
const LABEL_SETS = [
  { route: 'chat', model: 'a' },
  { route: 'completions', model: 'b' },
  { route: 'chat', model: 'we"ird\\model\nname' },
  { route: 'chat', model: 'a' },
]

/** The same metric twice, one per registry: prom-client's as the reference, ours under test. */
function pairOfRegistries() {
  const reference = new Registry()
  const ours = new Registry()
  return {
    reference,
    ours,
    register: (metric: FastCounter | FastHistogram) => ours.registerMetric(metric as unknown as Metric),
  }
}

describe('FastCounter', () => {
  test('exposes the same text and JSON as prom-client fed the same increments', async () => {
    const { reference, ours, register } = pairOfRegistries()
    const config = { name: 'x_requests_total', help: 'Requests "quoted" \\ and\nmultiline.' }
    const promCounter = new Counter({
      ...config,
      labelNames: ['route', 'model', 'status'],
      registers: [reference],
    })
    const fast = new FastCounter({ ...config, labelNames: ['route', 'model', 'status'] as const })
    register(fast)
    const children = new Map<string, ReturnType<typeof fast.child>>()
    SAMPLES.forEach((sample, i) => {
      const labels = {
        ...(LABEL_SETS[i % LABEL_SETS.length] as { route: string; model: string }),
        status: '200',
      }
      const amount = Math.abs(sample) * 10
      promCounter.inc(labels, amount)
      const key = JSON.stringify(labels)
      const child = children.get(key) ?? fast.child(labels)
      children.set(key, child)
      child.inc(amount)
    })
    promCounter.inc({ route: 'chat', model: 'a', status: '500' })
    fast.child({ route: 'chat', model: 'a', status: '500' }).inc()

    expect(await ours.metrics()).toBe(await reference.metrics())
    expect(await ours.getMetricsAsJSON()).toStrictEqual(await reference.getMetricsAsJSON())
  })

  test('an unlabelled counter is exposed at 0 before its first increment, as prom-client does', async () => {
    const { reference, ours, register } = pairOfRegistries()
    new Counter({ name: 'x_failures_total', help: 'h', registers: [reference] })
    register(new FastCounter({ name: 'x_failures_total', help: 'h', labelNames: [] }))
    expect(await ours.metrics()).toBe(await reference.metrics())
    expect(await ours.metrics()).toContain('x_failures_total 0')
  })

  test('refuses what prom-client refuses: a negative or non-finite increment, a missing label', () => {
    const fast = new FastCounter({ name: 'x_total', help: 'h', labelNames: ['model'] as const })
    const child = fast.child({ model: 'a' })
    expect(() => child.inc(-1)).toThrow('decrease')
    expect(() => child.inc(Number.POSITIVE_INFINITY)).toThrow(TypeError)
    expect(() => fast.child({} as { model: string })).toThrow('Missing label "model"')
  })

  test('reset zeroes the series and keeps bound children counting into the exposition', async () => {
    const fast = new FastCounter({ name: 'x_total', help: 'h', labelNames: ['model'] as const })
    const child = fast.child({ model: 'a' })
    child.inc(5)
    fast.reset()
    child.inc(2)
    expect((await fast.get()).values).toStrictEqual([{ value: 2, labels: { model: 'a' } }])
  })
})

describe('FastHistogram', () => {
  test('exposes the same text and JSON as prom-client fed the same observations', async () => {
    const { reference, ours, register } = pairOfRegistries()
    const config = { name: 'x_duration_seconds', help: 'Duration.', buckets: BUCKETS }
    const promHistogram = new Histogram({ ...config, labelNames: ['route', 'model'], registers: [reference] })
    const fast = new FastHistogram({ ...config, labelNames: ['route', 'model'] as const })
    register(fast)
    SAMPLES.forEach((sample, i) => {
      const labels = LABEL_SETS[i % LABEL_SETS.length] as { route: string; model: string }
      promHistogram.observe(labels, sample)
      fast.child(labels).observe(sample)
    })
    fast.child({ route: 'other', model: 'c' }).observe(0.25)
    promHistogram.observe({ route: 'other', model: 'c' }, 0.25)

    expect(await ours.metrics()).toBe(await reference.metrics())
    expect(await ours.getMetricsAsJSON()).toStrictEqual(await reference.getMetricsAsJSON())
  })

  test('an unlabelled histogram is exposed with zeroes before its first observation, as prom-client does', async () => {
    const { reference, ours, register } = pairOfRegistries()
    const promHistogram = new Histogram({
      name: 'x_wait_seconds',
      help: 'h',
      buckets: BUCKETS,
      registers: [reference],
    })
    const fast = new FastHistogram({ name: 'x_wait_seconds', help: 'h', labelNames: [], buckets: BUCKETS })
    register(fast)
    expect(await ours.metrics()).toBe(await reference.metrics())
    promHistogram.observe(0.02)
    fast.child({}).observe(0.02)
    expect(await ours.metrics()).toBe(await reference.metrics())
    expect(await ours.metrics()).toContain('x_wait_seconds_bucket{le="0.025"} 1')
  })

  test('aggregates across workers exactly as prom-client metrics do', async () => {
    const referenceParts: unknown[][] = []
    const ourParts: unknown[][] = []
    for (const worker of [0, 1]) {
      const { reference, ours, register } = pairOfRegistries()
      const promHistogram = new Histogram({
        name: 'x_itl_seconds',
        help: 'h',
        labelNames: ['model'],
        buckets: BUCKETS,
        registers: [reference],
      })
      const promCounter = new Counter({
        name: 'x_tokens_total',
        help: 'h',
        labelNames: ['model'],
        registers: [reference],
      })
      const fastHistogram = new FastHistogram({
        name: 'x_itl_seconds',
        help: 'h',
        labelNames: ['model'] as const,
        buckets: BUCKETS,
      })
      const fastCounter = new FastCounter({
        name: 'x_tokens_total',
        help: 'h',
        labelNames: ['model'] as const,
      })
      register(fastHistogram)
      register(fastCounter)
      for (const sample of SAMPLES.slice(worker * 4)) {
        const model = sample > 0.1 ? 'big' : 'small'
        promHistogram.observe({ model }, sample)
        fastHistogram.child({ model }).observe(sample)
        promCounter.inc({ model }, worker + 1)
        fastCounter.child({ model }).inc(worker + 1)
      }
      referenceParts.push(await reference.getMetricsAsJSON())
      ourParts.push(await ours.getMetricsAsJSON())
    }
    const aggregate = (parts: unknown[][]) =>
      AggregatorRegistry.aggregate(parts as Parameters<typeof AggregatorRegistry.aggregate>[0]).metrics()
    expect(await aggregate(ourParts)).toBe(await aggregate(referenceParts))
  })

  test('refuses a non-finite observation and keeps its totals unchanged', async () => {
    const fast = new FastHistogram({ name: 'x_seconds', help: 'h', labelNames: [], buckets: BUCKETS })
    const child = fast.child({})
    expect(() => child.observe(Number.NaN)).toThrow(TypeError)
    const count = (await fast.get()).values.find((value) => value.metricName === 'x_seconds_count')
    expect(count?.value).toBe(0)
  })

  test('reset zeroes buckets, sum and count and keeps bound children attached', async () => {
    const fast = new FastHistogram({
      name: 'x_seconds',
      help: 'h',
      labelNames: ['model'] as const,
      buckets: [1],
    })
    const child = fast.child({ model: 'a' })
    child.observe(0.5)
    child.observe(3)
    fast.reset()
    child.observe(2)
    const values = (await fast.get()).values.map(({ metricName, labels, value }) => [
      metricName,
      labels,
      value,
    ])
    expect(values).toStrictEqual([
      ['x_seconds_bucket', { le: 1, model: 'a' }, 0],
      ['x_seconds_bucket', { le: '+Inf', model: 'a' }, 1],
      ['x_seconds_sum', { model: 'a' }, 2],
      ['x_seconds_count', { model: 'a' }, 1],
    ])
  })
})
