/** @module Collects every PromQL expression the stack ships (dashboard targets and variables, alert rules) and makes Grafana's templated ones evaluable. */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

export const MONITORING_DIR = join(import.meta.dir, '..')
export const DASHBOARDS_DIR = join(MONITORING_DIR, 'grafana', 'dashboards')
export const RULES_DIR = join(MONITORING_DIR, 'prometheus', 'rules')

export interface ShippedExpression {
  /** Where it comes from, for failure messages: `gateway.json › Error ratio (5xx) › A`. */
  source: string
  /** The expression as written (dashboard expressions still hold Grafana variables). */
  expr: string
}

interface GrafanaTarget {
  refId?: string
  expr?: string
  datasource?: { type?: string }
}

interface GrafanaPanel {
  title?: string
  type?: string
  datasource?: { type?: string }
  targets?: GrafanaTarget[]
  panels?: GrafanaPanel[]
}

interface GrafanaVariable {
  name: string
  type: string
  query?: string | { query?: string }
}

export interface GrafanaDashboard {
  uid?: string
  title?: string
  panels?: GrafanaPanel[]
  templating?: { list?: GrafanaVariable[] }
}

interface RuleFile {
  groups?: { name: string; rules?: { alert?: string; record?: string; expr?: string }[] }[]
}

/** Values that make a templated dashboard query a plain PromQL query: every variable selects everything. */
const BUILTIN_VARIABLES: Record<string, string> = {
  __rate_interval: '1m',
  __interval: '15s',
  __range: '1h',
}

/** Replaces Grafana's `$name`, `${name}` and `[[name]]` with evaluable values (`.*` for dashboard variables). */
export function expandGrafanaVariables(expr: string): string {
  const value = (name: string) => BUILTIN_VARIABLES[name] ?? '.*'
  return expr
    .replace(/\$\{(\w+)(?::\w+)?\}/g, (_, name: string) => value(name))
    .replace(/\[\[(\w+)\]\]/g, (_, name: string) => value(name))
    .replace(/\$(\w+)/g, (_, name: string) => value(name))
}

function isPrometheus(datasource: { type?: string } | undefined): boolean {
  return datasource?.type === undefined || datasource.type === 'prometheus'
}

/**
 * The PromQL of one dashboard: every Prometheus target (rows' nested panels included) and the metric selector of
 * every `label_values(selector, label)` query variable. Loki targets are LogQL and are left out.
 */
export function dashboardExpressions(dashboard: GrafanaDashboard, file: string): ShippedExpression[] {
  const found: ShippedExpression[] = []
  const visit = (panels: GrafanaPanel[] | undefined) => {
    for (const panel of panels ?? []) {
      for (const target of panel.targets ?? []) {
        if (!target.expr || !isPrometheus(target.datasource ?? panel.datasource)) continue
        found.push({
          source: `${file} › ${panel.title ?? '(untitled)'} › ${target.refId ?? '?'}`,
          expr: target.expr,
        })
      }
      visit(panel.panels)
    }
  }
  visit(dashboard.panels)
  for (const variable of dashboard.templating?.list ?? []) {
    if (variable.type !== 'query') continue
    const query = typeof variable.query === 'string' ? variable.query : (variable.query?.query ?? '')
    const selector = /^\s*label_values\(\s*(.+?)\s*,\s*\w+\s*\)\s*$/.exec(query)?.[1]
    if (!selector)
      throw new Error(`${file}: variable ${variable.name} is not a label_values(selector, label) query`)
    found.push({ source: `${file} › variable $${variable.name}`, expr: selector })
  }
  return found
}

/** The expression of every alerting and recording rule in a rule file. */
export function ruleExpressions(rules: RuleFile, file: string): ShippedExpression[] {
  return (rules.groups ?? []).flatMap((group) =>
    (group.rules ?? []).map((rule) => {
      if (!rule.expr)
        throw new Error(`${file}: rule ${rule.alert ?? rule.record} in ${group.name} has no expr`)
      return { source: `${file} › ${group.name} › ${rule.alert ?? rule.record}`, expr: rule.expr }
    }),
  )
}

export function listFiles(dir: string, extension: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith(extension))
    .sort()
}

export function readDashboard(file: string): GrafanaDashboard {
  return JSON.parse(readFileSync(join(DASHBOARDS_DIR, file), 'utf8')) as GrafanaDashboard
}

/** Every expression of every committed dashboard and rule file, Grafana variables expanded. */
export function loadShippedExpressions(): ShippedExpression[] {
  const fromDashboards = listFiles(DASHBOARDS_DIR, '.json').flatMap((file) =>
    dashboardExpressions(readDashboard(file), file),
  )
  const fromRules = listFiles(RULES_DIR, '.yml').flatMap((file) =>
    ruleExpressions(Bun.YAML.parse(readFileSync(join(RULES_DIR, file), 'utf8')) as RuleFile, file),
  )
  return [...fromDashboards, ...fromRules].map(({ source, expr }) => ({
    source,
    expr: expandGrafanaVariables(expr),
  }))
}
