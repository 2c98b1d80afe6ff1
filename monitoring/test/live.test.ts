/**
 * @module Live check with a real Prometheus: it scrapes the real services in LIVE_TARGETS under the shipped job
 * names, loads the shipped rules, and after traffic every metric the dashboards and rules name (for the services
 * running) exists, and every dashboard and rule expression evaluates without error.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { liveConfig, type PrometheusConfig } from './live-prometheus-config.ts'
import { LIVE_TARGETS, type StartedTarget } from './live-targets.ts'
import { producerOf } from './metric-contracts.ts'
import { loadShippedExpressions, MONITORING_DIR, RULES_DIR } from './monitoring-expressions.ts'
import { pollUntil } from './poll.ts'
import { metricNames } from './promql-metric-names.ts'
import { type RunningPrometheus, startPrometheus } from './start-prometheus.ts'

const shipped = loadShippedExpressions()
const liveProducers = new Set<string>(['prometheus', ...LIVE_TARGETS.map((target) => target.producer)])
/** Every metric a dashboard or rule names whose producer runs in this test. */
const expectedNames = [...new Set(shipped.flatMap(({ expr }) => metricNames(expr)))]
  .filter((name) => liveProducers.has(producerOf(name) ?? ''))
  .sort()

const notYetExposed = LIVE_TARGETS.flatMap((target) => target.notYetExposed ?? []).sort()

const started = new Map<string, StartedTarget>()
let prometheus: RunningPrometheus | undefined

const countOf = async (name: string): Promise<number> => {
  if (!prometheus) throw new Error('prometheus not started')
  const result = await prometheus.query(`count({__name__=${JSON.stringify(name)}})`)
  if (!result.ok) throw new Error(`count(${name}): ${result.error}`)
  return Number(result.samples[0]?.value[1] ?? 0)
}

const missingNames = async (): Promise<string[]> => {
  const counts = await Promise.all(expectedNames.map(async (name) => [name, await countOf(name)] as const))
  return counts.filter(([, count]) => count === 0).map(([name]) => name)
}

beforeAll(async () => {
  for (const target of LIVE_TARGETS) started.set(target.job, await target.start(started))
  const shippedConfig = Bun.YAML.parse(
    await Bun.file(join(MONITORING_DIR, 'prometheus', 'prometheus.yml')).text(),
  ) as PrometheusConfig
  const addresses = new Map([...started].map(([job, target]) => [job, target.address]))
  prometheus = await startPrometheus({
    config: liveConfig(shippedConfig, { addresses, ruleFiles: [join(RULES_DIR, '*.yml')], interval: '1s' }),
  })
  await Promise.all([...started.values()].map((target) => target.traffic()))
  // Scrapes every second: wait for the post-traffic samples to land, bounded.
  const settled = async () => (await missingNames()).join() === notYetExposed.join()
  await pollUntil(async () => ((await settled()) ? true : undefined), {
    timeoutMs: 20_000,
    intervalMs: 500,
    what: 'every dashboard/rule metric of the live services to be scraped',
  }).catch(() => {
    // The assertions below name what is missing.
  })
}, 60_000)

afterAll(async () => {
  await prometheus?.stop()
  await Promise.all([...started.values()].map((target) => target.stop()))
})

describe('live Prometheus', () => {
  test('scrapes every live service healthy under its shipped job name', async () => {
    const targets = await pollUntil(
      async () => {
        const active = (await prometheus?.targets()) ?? []
        return active.length === LIVE_TARGETS.length && active.every((t) => t.health === 'up')
          ? active
          : undefined
      },
      { timeoutMs: 10_000, what: 'all targets up' },
    )
    expect(targets.map((t) => t.labels.job).sort()).toEqual(LIVE_TARGETS.map((t) => t.job).sort())
  })

  test('the check covers the simulator, exporter, launcher and gateway metrics', () => {
    expect(expectedNames).toEqual(
      expect.arrayContaining([
        'vllm:kv_cache_usage_perc',
        'vllm:time_to_first_token_seconds_bucket',
        'DCGM_FI_DEV_GPU_TEMP',
      ]),
    )
  })

  test('every metric the dashboards and rules name exists for the live services', async () => {
    // Exactly the listed gaps: a name listed in notYetExposed that now exists fails too, so the list stays honest.
    expect(await missingNames()).toEqual(notYetExposed)
  })

  test('every dashboard and rule expression evaluates without error', async () => {
    const failures: string[] = []
    for (const { source, expr } of shipped) {
      const result = await prometheus?.query(expr)
      if (!result?.ok) failures.push(`${source}: ${result?.error ?? 'no answer'}`)
    }
    expect(failures).toEqual([])
  })

  test("the launcher's instance label arrives as vllm_instance, the name the rules and dashboards use", async () => {
    const renamed = await prometheus?.query('count(vllm_launcher_instance_up{vllm_instance!=""})')
    const leftover = await prometheus?.query('count({job="vllm-launcher", exported_instance!=""})')
    expect(renamed?.ok && Number(renamed.samples[0]?.value[1])).toBeGreaterThan(0)
    expect(leftover?.ok && leftover.samples).toEqual([])
  })

  test('an invalid expression is reported as an error, not an empty result', async () => {
    const result = await prometheus?.query('sum(rate(vllm:prompt_tokens_total[1m])')
    expect(result?.ok).toBe(false)
  })

  test('the shipped rules load and evaluate cleanly, and no alert fires for the healthy services', async () => {
    const rules = await pollUntil(
      async () => {
        const all = (await prometheus?.rules()) ?? []
        return all.length > 0 && all.every((rule) => rule.health === 'ok') ? all : undefined
      },
      { timeoutMs: 10_000, what: 'every rule evaluated with health ok' },
    )
    expect(rules.length).toBe(shipped.filter(({ source }) => source.includes('.yml ›')).length)
    const alerts = await prometheus?.query('ALERTS')
    const active = alerts?.ok
      ? alerts.samples.map((s) => `${s.metric.alertname} ${s.metric.alertstate}`)
      : ['?']
    const live = active.filter((alert) => /^(Infergate|Vllm|Gpu)/.test(alert))
    expect(live).toEqual([])
  })
})
