/** @module Every PromQL expression in every dashboard and rule parses with Prometheus's parser and names only promised metrics. */
import { describe, expect, test } from 'bun:test'
import { METRIC_CONTRACTS, producerOf } from './metric-contracts.ts'
import {
  dashboardExpressions,
  expandGrafanaVariables,
  loadShippedExpressions,
  ruleExpressions,
} from './monitoring-expressions.ts'
import { metricNames } from './promql-metric-names.ts'
import { checkPromqlSyntax } from './promtool.ts'

const shipped = loadShippedExpressions()

describe('shipped expressions', () => {
  test('come from all three dashboards and all three rule files', () => {
    const sources = new Set(shipped.map(({ source }) => source.split(' › ')[0]))
    expect([...sources].sort()).toEqual([
      'gateway.json',
      'gateway.yml',
      'gpu.json',
      'gpu.yml',
      'vllm.json',
      'vllm.yml',
    ])
    expect(shipped.length).toBeGreaterThan(60)
  })

  test('have no Grafana variables left after expansion', () => {
    expect(shipped.filter(({ expr }) => expr.includes('$') || expr.includes('[['))).toEqual([])
  })

  test('all parse with promtool', async () => {
    const run = await checkPromqlSyntax(shipped.map(({ expr }) => expr))
    expect(run.output).toContain(`SUCCESS: ${shipped.length} rules found`)
    expect(run.exitCode).toBe(0)
  })

  test('reference only metrics some service promises', () => {
    const unknown = shipped.flatMap(({ source, expr }) =>
      metricNames(expr)
        .filter((name) => producerOf(name) === undefined)
        .map((name) => `${source}: ${name}`),
    )
    expect(unknown).toEqual([])
  })

  test('cover every vLLM, GPU and launcher contract metric at least once', () => {
    const used = new Set(
      shipped.flatMap(({ expr }) => metricNames(expr).map((name) => producerOf(name) && name)),
    )
    const families = new Set([...used].map((name) => name?.replace(/_(bucket|sum|count)$/, '')))
    for (const producer of ['vllm', 'gpu-exporter', 'vllm-launcher'] as const) {
      expect(METRIC_CONTRACTS[producer].filter((family) => !families.has(family))).toEqual([])
    }
  })
})

describe('syntax check', () => {
  test('names the expression promtool cannot parse', async () => {
    const run = await checkPromqlSyntax(['up', 'sum(rate(x[5m])', 'up == 0'])
    expect(run.exitCode).not.toBe(0)
    expect(run.output).toContain('check_1')
  })
})

describe('expandGrafanaVariables', () => {
  test('turns interval built-ins into durations and dashboard variables into match-all regexes', () => {
    expect(expandGrafanaVariables('rate(x{model=~"$model"}[$__rate_interval])')).toBe(
      'rate(x{model=~".*"}[1m])',
    )
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's own ${name} syntax, not a JS template
    expect(expandGrafanaVariables('y{gpu=~"${gpu}", i=~"[[instance]]"}[$__range]')).toBe(
      'y{gpu=~".*", i=~".*"}[1h]',
    )
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's own ${name} syntax, not a JS template
    expect(expandGrafanaVariables('z{a=~"${a:regex}"}[$__interval]')).toBe('z{a=~".*"}[15s]')
  })
})

describe('dashboardExpressions', () => {
  test('reads nested row panels and variable selectors, and leaves Loki targets out', () => {
    const dashboard = {
      panels: [
        { title: 'A', targets: [{ refId: 'A', expr: 'up' }] },
        {
          title: 'row',
          type: 'row',
          panels: [{ title: 'B', datasource: { type: 'prometheus' }, targets: [{ refId: 'B', expr: 'm' }] }],
        },
        {
          title: 'logs',
          datasource: { type: 'loki' },
          targets: [{ refId: 'A', expr: '{service="gateway"}' }],
        },
      ],
      templating: {
        list: [
          { name: 'model', type: 'query', query: { query: 'label_values(metric_a{job="g"}, model)' } },
          { name: 'gpu', type: 'query', query: 'label_values(metric_b, gpu)' },
          { name: 'ds', type: 'datasource' },
        ],
      },
    }
    expect(dashboardExpressions(dashboard, 'd.json')).toEqual([
      { source: 'd.json › A › A', expr: 'up' },
      { source: 'd.json › B › B', expr: 'm' },
      { source: 'd.json › variable $model', expr: 'metric_a{job="g"}' },
      { source: 'd.json › variable $gpu', expr: 'metric_b' },
    ])
  })

  test('rejects a query variable that is not label_values(selector, label)', () => {
    const dashboard = { templating: { list: [{ name: 'v', type: 'query', query: 'query_result(up)' }] } }
    expect(() => dashboardExpressions(dashboard, 'd.json')).toThrow(/variable v/)
  })
})

describe('ruleExpressions', () => {
  test('names each rule by file, group and alert or record name', () => {
    const rules = {
      groups: [
        {
          name: 'g',
          rules: [
            { alert: 'A', expr: 'up == 0' },
            { record: 'r', expr: 'sum(up)' },
          ],
        },
      ],
    }
    expect(ruleExpressions(rules, 'f.yml')).toEqual([
      { source: 'f.yml › g › A', expr: 'up == 0' },
      { source: 'f.yml › g › r', expr: 'sum(up)' },
    ])
  })

  test('rejects a rule without an expression', () => {
    expect(() => ruleExpressions({ groups: [{ name: 'g', rules: [{ alert: 'A' }] }] }, 'f.yml')).toThrow(
      /rule A/,
    )
  })
})
