/** @module The committed Grafana dashboards: valid JSON, in step with their generator, laid out on the grid, and pointing at provisioned datasources. */
import { describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { buildDashboard, percentiles } from '../grafana/generator/dashboard-builder.ts'
import { DASHBOARD_FILES, renderDashboard } from '../grafana/generator/dashboards.ts'
import { DASHBOARDS_DIR, listFiles, MONITORING_DIR, readDashboard } from './monitoring-expressions.ts'

interface Panel {
  id: number
  type: string
  title: string
  gridPos: { h: number; w: number; x: number; y: number }
  datasource?: { type: string; uid: string }
  targets?: { refId: string; expr: string; datasource?: { uid: string } }[]
}

const datasources = (
  Bun.YAML.parse(
    readFileSync(join(MONITORING_DIR, 'grafana/provisioning/datasources/datasources.yml'), 'utf8'),
  ) as { datasources: { uid: string; type: string }[] }
).datasources

describe('committed dashboards', () => {
  test('are exactly the generated ones (run bun monitoring/grafana/generator/main.ts after editing a spec)', () => {
    expect(listFiles(DASHBOARDS_DIR, '.json')).toEqual(DASHBOARD_FILES.map(({ file }) => file).sort())
    for (const { file, spec } of DASHBOARD_FILES) {
      expect(readDashboard(file)).toEqual(JSON.parse(renderDashboard(spec)))
    }
  })

  test('have unique uids and titles and cover the gateway, vLLM and GPU', () => {
    const dashboards = DASHBOARD_FILES.map(({ file }) => readDashboard(file))
    expect(new Set(dashboards.map((d) => d.uid)).size).toBe(dashboards.length)
    expect(dashboards.map((d) => d.title)).toEqual([
      'Infergate / Gateway',
      'Infergate / vLLM',
      'Infergate / GPU',
    ])
  })

  test.each(DASHBOARD_FILES.map(({ file }) => file))(
    '%s: panels fit the grid without overlapping',
    (file) => {
      const panels = (readDashboard(file).panels ?? []) as unknown as Panel[]
      const cells = new Set<string>()
      for (const { gridPos, title } of panels) {
        expect(gridPos.x + gridPos.w).toBeLessThanOrEqual(24)
        for (let x = gridPos.x; x < gridPos.x + gridPos.w; x++) {
          for (let y = gridPos.y; y < gridPos.y + gridPos.h; y++) {
            const cell = `${x},${y}`
            if (cells.has(cell)) throw new Error(`${file}: panel "${title}" overlaps another at ${cell}`)
            cells.add(cell)
          }
        }
      }
      expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length)
    },
  )

  test.each(DASHBOARD_FILES.map(({ file }) => file))(
    '%s: every panel uses a provisioned datasource',
    (file) => {
      const uids = new Map(datasources.map((d) => [d.uid, d.type]))
      const panels = (readDashboard(file).panels ?? []) as unknown as Panel[]
      for (const panel of panels.filter((p) => p.type !== 'row')) {
        expect(panel.datasource && uids.get(panel.datasource.uid)).toBe(panel.datasource?.type)
        expect(panel.targets?.length).toBeGreaterThan(0)
        for (const target of panel.targets ?? []) expect(target.datasource?.uid).toBe(panel.datasource?.uid)
      }
    },
  )

  test('the gateway dashboard has the panels the issue asks for', () => {
    const titles = ((readDashboard('gateway.json').panels ?? []) as unknown as Panel[]).map((p) => p.title)
    expect(titles).toEqual(
      expect.arrayContaining([
        'Requests per second by route',
        'Error ratio (5xx)',
        'Time to first token',
        'Inter-token latency',
        'Completion tokens per second',
        'Open streams',
        'Rate-limit rejections by reason',
        'Circuit breakers',
      ]),
    )
  })
})

describe('buildDashboard', () => {
  test('wraps a panel that does not fit onto the next line and stacks rows below each other', () => {
    const built = buildDashboard({
      uid: 'u',
      title: 't',
      description: '',
      tags: [],
      variables: [],
      rows: [
        {
          title: 'r1',
          panels: [
            { title: 'a', targets: [], width: 16 },
            { title: 'b', targets: [], width: 16 },
          ],
        },
        { title: 'r2', panels: [{ title: 'c', targets: [], height: 4 }] },
      ],
    }) as { panels: Panel[] }
    expect(built.panels.map((p) => [p.title, p.gridPos])).toEqual([
      ['r1', { h: 1, w: 24, x: 0, y: 0 }],
      ['a', { h: 8, w: 16, x: 0, y: 1 }],
      ['b', { h: 8, w: 16, x: 0, y: 9 }],
      ['r2', { h: 1, w: 24, x: 0, y: 17 }],
      ['c', { h: 4, w: 8, x: 0, y: 18 }],
    ])
  })

  test('gives targets consecutive refIds and value mappings an index', () => {
    const built = buildDashboard({
      uid: 'u',
      title: 't',
      description: '',
      tags: [],
      variables: [{ name: 'v', label: 'V', query: 'label_values(up, job)' }],
      rows: [
        {
          title: 'r',
          panels: [
            {
              title: 's',
              type: 'stat',
              targets: [{ expr: 'a' }, { expr: 'b', legend: 'B' }],
              mappings: [{ value: 1, text: 'on', color: 'green' }],
              thresholds: [1, 2],
              min: 0,
              max: 3,
            },
          ],
        },
      ],
    }) as { panels: (Panel & { fieldConfig: { defaults: Record<string, unknown> } })[] }
    const stat = built.panels[1]
    expect(stat?.targets?.map((t) => t.refId)).toEqual(['A', 'B'])
    expect(stat?.fieldConfig.defaults.mappings).toEqual([
      { type: 'value', options: { '1': { text: 'on', color: 'green', index: 0 } } },
    ])
    expect(stat?.fieldConfig.defaults.min).toBe(0)
    expect(stat?.fieldConfig.defaults.max).toBe(3)
  })
})

describe('percentiles', () => {
  test('groups by le plus the split labels and names each quantile', () => {
    expect(percentiles('h_bucket{a="b"}', ['model'])).toEqual([
      {
        expr: 'histogram_quantile(0.5, sum by (le, model) (rate(h_bucket{a="b"}[$__rate_interval])))',
        legend: '{{model}} p50',
      },
      {
        expr: 'histogram_quantile(0.95, sum by (le, model) (rate(h_bucket{a="b"}[$__rate_interval])))',
        legend: '{{model}} p95',
      },
      {
        expr: 'histogram_quantile(0.99, sum by (le, model) (rate(h_bucket{a="b"}[$__rate_interval])))',
        legend: '{{model}} p99',
      },
    ])
  })
})
