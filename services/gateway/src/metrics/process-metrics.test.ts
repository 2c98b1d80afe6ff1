import { describe, expect, test } from 'bun:test'
import { collectDefaultMetrics, Registry } from 'prom-client'
import { METRIC_CONTRACTS } from '../../../../monitoring/test/metric-contracts.ts'
import { registerProcessMetrics } from './process-metrics.ts'
import { createMetricsRecorder } from './recorder.ts'

const sample = (text: string, name: string): number => {
  const value = new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]
  if (value === undefined) throw new Error(`${name} not exposed`)
  return Number(value)
}
const headers = (text: string, name: string) =>
  text.split('\n').filter((line) => line.startsWith(`# HELP ${name} `) || line.startsWith(`# TYPE ${name} `))

describe('process metrics', () => {
  test('the recorder exposes every family the dashboards and alert rules expect from the gateway', async () => {
    const text = await createMetricsRecorder().render()
    for (const family of METRIC_CONTRACTS.gateway) expect(text).toContain(`# TYPE ${family} `)
  })

  test("each series has prom-client's default-metrics name, help and type, so dashboards see no change", async () => {
    const ours = new Registry()
    registerProcessMetrics(ours)
    const reference = new Registry()
    collectDefaultMetrics({ register: reference })
    const text = await ours.metrics()
    const referenceText = await reference.metrics()
    const names = (await ours.getMetricsAsJSON()).map((metric) => metric.name)
    expect(names.length).toBe(5)
    for (const name of names) {
      expect(headers(text, name)).toHaveLength(2)
      expect(headers(text, name)).toEqual(headers(referenceText, name))
    }
  })

  test('CPU counters add up and grow with work; resident memory and start time are the live process figures', async () => {
    const registry = new Registry()
    registerProcessMetrics(registry)
    const first = await registry.metrics()
    const until = performance.now() + 30
    while (performance.now() < until) Math.sqrt(Math.random())
    const text = await registry.metrics()
    const user = sample(text, 'process_cpu_user_seconds_total')
    const system = sample(text, 'process_cpu_system_seconds_total')
    expect(sample(text, 'process_cpu_seconds_total')).toBeCloseTo(user + system, 9)
    expect(sample(text, 'process_cpu_seconds_total')).toBeGreaterThan(
      sample(first, 'process_cpu_seconds_total'),
    )
    const vmRssKb = Number(/^VmRSS:\s+(\d+) kB/m.exec(await Bun.file('/proc/self/status').text())?.[1])
    expect(Math.abs(sample(text, 'process_resident_memory_bytes') / 1024 - vmRssKb)).toBeLessThan(
      vmRssKb * 0.1,
    )
    const start = sample(text, 'process_start_time_seconds')
    expect(Math.abs(start - (Date.now() / 1000 - process.uptime()))).toBeLessThan(2)
  })

  test("loading the recorder loads none of prom-client's index, Pushgateway or default metrics (memory)", async () => {
    const script = `
      const { createMetricsRecorder } = await import(${JSON.stringify(`${import.meta.dir}/recorder.ts`)})
      await createMetricsRecorder().render()
      console.log(JSON.stringify(Object.keys(require.cache).filter((path) => path.includes('prom-client'))))`
    const child = Bun.spawn([process.execPath, '-e', script], { stdout: 'pipe', stderr: 'inherit' })
    const loaded = JSON.parse(await new Response(child.stdout).text()) as string[]
    expect(await child.exited).toBe(0)
    expect(loaded.some((path) => path.endsWith('prom-client/lib/registry.js'))).toBe(true)
    for (const module of [
      'prom-client/index.js',
      'lib/pushgateway.js',
      'lib/defaultMetrics.js',
      'lib/summary.js',
    ])
      expect(loaded.filter((path) => path.endsWith(module))).toEqual([])
  })
})
