/** The README's metric tables stay complete: every family the exporter can emit is documented by name. */
import { describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { FIELD_CATALOG } from '../src/catalog/field-catalog.ts'
import { createHostCollector } from '../src/collectors/host.ts'
import { selfMetrics } from '../src/collectors/registry.ts'

const readme = await Bun.file(join(import.meta.dir, '..', 'README.md')).text()
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
const inTable = (name: string) => new RegExp(`\\|\\s*\`${escapeRegExp(name)}\`[\\s|]`).test(readme)
const familyNames = (text: string) => [...text.matchAll(/^# TYPE (\S+) /gm)].map((match) => match[1] ?? '')

describe('README metric tables', () => {
  test('list every field catalog entry', () => {
    const missing = FIELD_CATALOG.filter((entry) => !inTable(entry.metric)).map((entry) => entry.metric)
    expect(missing).toEqual([])
    const fields = FIELD_CATALOG.filter((entry) => !entry.xmlOnly).map((entry) => entry.field)
    expect(fields.filter((field) => !inTable(field))).toEqual([])
  })

  test('list every family in the golden expositions, the host collector and the self-metrics', async () => {
    const names = new Set<string>()
    for (const golden of ['tesla-t4.prom', 'a100-mig.prom', 'h100-csv-load.prom'])
      for (const name of familyNames(await Bun.file(join(import.meta.dir, 'golden', golden)).text()))
        names.add(name)
    const host = await createHostCollector(
      async () => ({ cpuPercent: 1, cpus: 1, memory: { total: 1, used: 1, available: 1 }, load: [1, 1, 1] }),
      'h',
    ).collect()
    for (const family of host.ok ? host.families : []) names.add(family.name)
    const self = selfMetrics(
      [{ name: 'gpu', success: true, polls: 1, durationSeconds: 1, lastSuccessAt: 0, warnings: [] }],
      0,
    )
    for (const name of familyNames(self)) names.add(name)
    expect(names.size).toBeGreaterThan(50)
    expect([...names].filter((name) => !inTable(name))).toEqual([])
  })
})
