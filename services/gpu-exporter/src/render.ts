/** @module Prometheus text exposition (format 0.0.4) of metric families. Pure. */

export type Labels = readonly (readonly [name: string, value: string])[]

export interface Sample {
  readonly labels: Labels
  readonly value: number
}

export interface MetricFamily {
  readonly name: string
  readonly help: string
  readonly type: 'gauge' | 'counter'
  readonly samples: readonly Sample[]
}

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

const escapeLabel = (value: string): string =>
  value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
const escapeHelp = (value: string): string => value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN'
  if (value === Number.POSITIVE_INFINITY) return '+Inf'
  if (value === Number.NEGATIVE_INFINITY) return '-Inf'
  return String(value)
}

function renderLabels(labels: Labels): string {
  if (labels.length === 0) return ''
  return `{${labels.map(([name, value]) => `${name}="${escapeLabel(value)}"`).join(',')}}`
}

/** Renders families in the given order; a family without samples is left out entirely (no orphan HELP/TYPE). */
export function renderFamilies(families: readonly MetricFamily[]): string {
  let out = ''
  for (const family of families) {
    if (family.samples.length === 0) continue
    out += `# HELP ${family.name} ${escapeHelp(family.help)}\n# TYPE ${family.name} ${family.type}\n`
    for (const sample of family.samples)
      out += `${family.name}${renderLabels(sample.labels)} ${formatValue(sample.value)}\n`
  }
  return out
}

/**
 * Groups samples into families, merging entries that share a metric name, and keeps first-seen order. Samples with
 * identical label sets are summed, since Prometheus rejects a scrape with duplicate series.
 */
export class FamilyBuilder {
  private readonly families = new Map<
    string,
    { help: string; type: 'gauge' | 'counter'; samples: Map<string, Sample> }
  >()

  add(name: string, help: string, labels: Labels, value: number, type: 'gauge' | 'counter' = 'gauge'): void {
    let family = this.families.get(name)
    if (!family) {
      family = { help, type, samples: new Map() }
      this.families.set(name, family)
    }
    const key = renderLabels(labels)
    const existing = family.samples.get(key)
    family.samples.set(key, { labels, value: (existing?.value ?? 0) + value })
  }

  build(): MetricFamily[] {
    return [...this.families].map(([name, family]) => ({
      name,
      help: family.help,
      type: family.type,
      samples: [...family.samples.values()],
    }))
  }
}
