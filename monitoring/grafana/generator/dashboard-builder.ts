/** @module Turns compact dashboard specs (rows of panels with PromQL targets) into Grafana dashboard JSON with a computed grid layout. */

/** Datasource uids provisioned in monitoring/grafana/provisioning/datasources/datasources.yml. */
export const DATASOURCES = {
  prometheus: { type: 'prometheus', uid: 'prometheus' },
  loki: { type: 'loki', uid: 'loki' },
} as const

export type DatasourceName = keyof typeof DATASOURCES

export interface TargetSpec {
  expr: string
  legend?: string
}

export interface ValueMapping {
  value: number
  text: string
  color: string
}

export interface PanelSpec {
  title: string
  description?: string
  type?: 'timeseries' | 'stat' | 'gauge' | 'state-timeline' | 'logs'
  /** Grafana unit id: reqps, s, percentunit, percent, short, bytes, watt, celsius, hertz, decmbytes, ... */
  unit?: string
  targets: TargetSpec[]
  datasource?: DatasourceName
  /** Grid width out of 24; rows wrap when a panel does not fit. */
  width?: number
  height?: number
  min?: number
  max?: number
  /** Values at which the colour turns orange then red. */
  thresholds?: [number, number]
  mappings?: ValueMapping[]
  stack?: boolean
}

export interface RowSpec {
  title: string
  panels: PanelSpec[]
}

export interface VariableSpec {
  name: string
  label: string
  /** A Grafana `label_values(metric, label)` query on the Prometheus datasource. */
  query: string
}

export interface DashboardSpec {
  uid: string
  title: string
  description: string
  tags: string[]
  variables: VariableSpec[]
  rows: RowSpec[]
}

type Json = Record<string, unknown>

const GRID_WIDTH = 24
const DEFAULT_WIDTH = 8
const DEFAULT_HEIGHT = 8

function thresholdSteps(thresholds: [number, number] | undefined): Json[] {
  const steps: Json[] = [{ color: 'green', value: null }]
  if (thresholds) {
    steps.push({ color: 'orange', value: thresholds[0] }, { color: 'red', value: thresholds[1] })
  }
  return steps
}

function valueMappings(mappings: ValueMapping[] | undefined): Json[] {
  if (!mappings) return []
  const options = Object.fromEntries(
    mappings.map((m, index) => [String(m.value), { text: m.text, color: m.color, index }]),
  )
  return [{ type: 'value', options }]
}

function fieldConfig(panel: PanelSpec): Json {
  const defaults: Json = {
    unit: panel.unit ?? 'short',
    thresholds: { mode: 'absolute', steps: thresholdSteps(panel.thresholds) },
    mappings: valueMappings(panel.mappings),
  }
  if (panel.min !== undefined) defaults.min = panel.min
  if (panel.max !== undefined) defaults.max = panel.max
  const type = panel.type ?? 'timeseries'
  if (type === 'timeseries') {
    defaults.custom = {
      drawStyle: 'line',
      lineWidth: 1,
      fillOpacity: panel.stack ? 30 : 10,
      showPoints: 'never',
      stacking: { mode: panel.stack ? 'normal' : 'none', group: 'A' },
    }
  }
  if (type === 'state-timeline' || panel.mappings) defaults.color = { mode: 'thresholds' }
  return { defaults, overrides: [] }
}

function panelOptions(panel: PanelSpec): Json {
  switch (panel.type ?? 'timeseries') {
    case 'stat':
      return { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'background' }
    case 'gauge':
      return {
        reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
        showThresholdMarkers: true,
      }
    case 'state-timeline':
      return { showValue: 'auto', mergeValues: true, legend: { displayMode: 'list', placement: 'bottom' } }
    case 'logs':
      return { showTime: true, wrapLogMessage: true, sortOrder: 'Descending', enableLogDetails: true }
    default:
      return {
        legend: { displayMode: 'table', placement: 'bottom', calcs: ['mean', 'max', 'lastNotNull'] },
        tooltip: { mode: 'multi', sort: 'desc' },
      }
  }
}

function buildPanel(panel: PanelSpec, id: number, gridPos: Json): Json {
  const datasource = DATASOURCES[panel.datasource ?? 'prometheus']
  return {
    id,
    type: panel.type ?? 'timeseries',
    title: panel.title,
    description: panel.description ?? '',
    datasource,
    gridPos,
    fieldConfig: fieldConfig(panel),
    options: panelOptions(panel),
    targets: panel.targets.map((target, index) => ({
      refId: String.fromCharCode(65 + index),
      datasource,
      expr: target.expr,
      legendFormat: target.legend ?? '__auto',
      range: true,
    })),
  }
}

function buildVariable(variable: VariableSpec): Json {
  return {
    name: variable.name,
    label: variable.label,
    type: 'query',
    datasource: DATASOURCES.prometheus,
    query: { query: variable.query, refId: `${variable.name}-query` },
    definition: variable.query,
    refresh: 2,
    includeAll: true,
    multi: true,
    allValue: '.*',
    current: { selected: true, text: ['All'], value: ['$__all'] },
    sort: 1,
  }
}

/** Lays panels out row by row on Grafana's 24-column grid and returns the dashboard JSON model. */
export function buildDashboard(spec: DashboardSpec): Json {
  const panels: Json[] = []
  let id = 1
  let y = 0
  for (const row of spec.rows) {
    panels.push({
      id: id++,
      type: 'row',
      title: row.title,
      collapsed: false,
      gridPos: { h: 1, w: 24, x: 0, y },
    })
    y += 1
    let x = 0
    let rowHeight = 0
    for (const panel of row.panels) {
      const w = panel.width ?? DEFAULT_WIDTH
      const h = panel.height ?? DEFAULT_HEIGHT
      if (x + w > GRID_WIDTH) {
        x = 0
        y += rowHeight
        rowHeight = 0
      }
      panels.push(buildPanel(panel, id++, { h, w, x, y }))
      x += w
      rowHeight = Math.max(rowHeight, h)
    }
    y += rowHeight
  }
  return {
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    tags: spec.tags,
    editable: false,
    graphTooltip: 1,
    refresh: '30s',
    schemaVersion: 39,
    time: { from: 'now-1h', to: 'now' },
    timezone: 'browser',
    templating: { list: spec.variables.map(buildVariable) },
    annotations: { list: [] },
    links: [{ title: 'Infergate', type: 'dashboards', tags: ['infergate'], asDropdown: true }],
    panels,
  }
}

/**
 * The three usual latency percentiles of a histogram, one target each, optionally split by labels.
 * @example percentiles('x_seconds_bucket{model=~"$model"}', ['model']) // p50/p95/p99 per model
 */
export function percentiles(bucket: string, by: string[] = []): TargetSpec[] {
  const groups = ['le', ...by].join(', ')
  const prefix = by.map((label) => `{{${label}}} `).join('')
  return [0.5, 0.95, 0.99].map((q) => ({
    expr: `histogram_quantile(${q}, sum by (${groups}) (rate(${bucket}[$__rate_interval])))`,
    legend: `${prefix}p${Math.round(q * 100)}`,
  }))
}
