/** @module promtool over the shipped Prometheus config and alert rules, and a check that every alert has unit tests that fire it and keep it silent. */
import { describe, expect, test } from 'bun:test'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { listFiles, MONITORING_DIR, RULES_DIR } from './monitoring-expressions.ts'
import { runPromtool } from './promtool.ts'

const PROMETHEUS_DIR = join(MONITORING_DIR, 'prometheus')
const TESTS_DIR = join(PROMETHEUS_DIR, 'tests')

interface RuleFile {
  groups: { name: string; rules: { alert?: string; record?: string }[] }[]
}

interface UnitTestFile {
  rule_files: string[]
  tests: { name: string; alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[] }[]
}

const readYaml = async <T>(path: string) => Bun.YAML.parse(await Bun.file(path).text()) as T

const ruleFiles = listFiles(RULES_DIR, '.yml')
const unitTestFiles = listFiles(TESTS_DIR, '.yml')

describe('prometheus.yml', () => {
  test('passes promtool check config as shipped', async () => {
    const run = await runPromtool(['check', 'config', join(PROMETHEUS_DIR, 'prometheus.yml')])
    expect(run.output).toContain('SUCCESS')
    expect(run.exitCode).toBe(0)
  })

  test('loads together with the repository rules when rule_files points at them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'infergate-promcfg-'))
    try {
      const config = await readYaml<Record<string, unknown>>(join(PROMETHEUS_DIR, 'prometheus.yml'))
      const file = join(dir, 'prometheus.yml')
      await Bun.write(file, JSON.stringify({ ...config, rule_files: [join(RULES_DIR, '*.yml')] }))
      const run = await runPromtool(['check', 'config', file])
      expect(run.exitCode).toBe(0)
      for (const ruleFile of ruleFiles) expect(run.output).toContain(ruleFile)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  test('promtool rejects a config with an unknown field, so the check above is meaningful', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'infergate-promcfg-'))
    try {
      const file = join(dir, 'prometheus.yml')
      await Bun.write(file, 'global:\n  scrape_intervall: 15s\n')
      const run = await runPromtool(['check', 'config', file])
      expect(run.exitCode).not.toBe(0)
      expect(run.output).toContain('scrape_intervall')
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('alert rules', () => {
  test('there are rule files for the gateway, vLLM and the GPU', () => {
    expect(ruleFiles).toEqual(['gateway.yml', 'gpu.yml', 'vllm.yml'])
  })

  test.each(ruleFiles)('%s passes promtool check rules', async (file) => {
    const run = await runPromtool(['check', 'rules', join(RULES_DIR, file)])
    expect(run.output).toContain('SUCCESS')
    expect(run.exitCode).toBe(0)
  })

  test.each(unitTestFiles)('promtool test rules %s passes', async (file) => {
    const run = await runPromtool(['test', 'rules', file], TESTS_DIR)
    expect(run.output).toContain('SUCCESS')
    expect(run.output).not.toContain('FAILED')
    expect(run.exitCode).toBe(0)
  })

  test('every alert has a unit test where it fires and one where it stays silent', async () => {
    const alerts = new Set<string>()
    for (const file of ruleFiles) {
      const rules = await readYaml<RuleFile>(join(RULES_DIR, file))
      for (const group of rules.groups) for (const rule of group.rules) if (rule.alert) alerts.add(rule.alert)
    }
    const fires = new Set<string>()
    const silent = new Set<string>()
    const testedRuleFiles = new Set<string>()
    for (const file of unitTestFiles) {
      const unit = await readYaml<UnitTestFile>(join(TESTS_DIR, file))
      for (const ruleFile of unit.rule_files) testedRuleFiles.add(ruleFile.replace('../rules/', ''))
      for (const unitTest of unit.tests) {
        for (const check of unitTest.alert_rule_test ?? []) {
          ;((check.exp_alerts ?? []).length > 0 ? fires : silent).add(check.alertname)
        }
      }
    }
    expect(alerts.size).toBeGreaterThanOrEqual(20)
    expect([...testedRuleFiles].sort()).toEqual(ruleFiles)
    expect([...alerts].filter((alert) => !fires.has(alert))).toEqual([])
    expect([...alerts].filter((alert) => !silent.has(alert))).toEqual([])
    // A test naming an alert that no rule defines passes vacuously in promtool: catch typos.
    expect([...fires, ...silent].filter((alert) => !alerts.has(alert))).toEqual([])
  })

  test('the issue-listed alerts exist', async () => {
    const names: string[] = []
    for (const file of ruleFiles) {
      const rules = await readYaml<RuleFile>(join(RULES_DIR, file))
      for (const group of rules.groups) for (const rule of group.rules) if (rule.alert) names.push(rule.alert)
    }
    expect(names).toEqual(
      expect.arrayContaining([
        'VllmKvCacheNearlyFull',
        'InfergateHighErrorRate',
        'InfergateTTFTOverSLO',
        'InfergateCircuitBreakerOpen',
        'InfergateUpstreamDown',
        'InfergateQuotaFlushFailing',
        'GpuTemperatureHigh',
        'GpuMemoryNearlyFull',
        'GpuExporterDown',
      ]),
    )
  })

  test('promtool test rules fails when an expectation is wrong, so a passing run means something', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'infergate-promunit-'))
    try {
      const unit = await readYaml<UnitTestFile & Record<string, unknown>>(join(TESTS_DIR, 'gpu_test.yml'))
      const broken = {
        ...unit,
        rule_files: [join(RULES_DIR, 'gpu.yml')],
        // The healthy 60 C series must not fire: claim it does.
        tests: [
          {
            interval: '1m',
            input_series: [{ series: 'DCGM_FI_DEV_GPU_TEMP{gpu="0"}', values: '60x10' }],
            alert_rule_test: [
              {
                eval_time: '10m',
                alertname: 'GpuTemperatureHigh',
                exp_alerts: [{ exp_labels: { gpu: '0' } }],
              },
            ],
          },
        ],
      }
      const file = join(dir, 'broken_test.yml')
      await Bun.write(file, JSON.stringify(broken))
      const run = await runPromtool(['test', 'rules', file])
      expect(run.exitCode).not.toBe(0)
      expect(run.output).toContain('FAILED')
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
