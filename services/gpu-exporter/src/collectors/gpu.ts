/**
 * @module The GPU collector: one nvidia-smi run per poll (`-q -x`, the default), or `--query-gpu` CSV plus
 * `--query-compute-apps` for hosts where XML is unwanted. Parsing failures become collector failures.
 */
import { QUERY_GPU_FIELDS } from '../catalog/field-catalog.ts'
import { parseCudaVersion, parseQueryHelp, parseSmiCsv } from '../nvidia-smi/csv-parse.ts'
import { COMPUTE_APP_FIELDS, selectQueryFields, snapshotFromCsv } from '../nvidia-smi/csv-snapshot.ts'
import type { SmiRunner } from '../nvidia-smi/runner.ts'
import type { SmiSnapshot } from '../nvidia-smi/snapshot.ts'
import { parseSmiXml } from '../nvidia-smi/xml-parse.ts'
import { snapshotFromXml } from '../nvidia-smi/xml-snapshot.ts'
import type { Collector, CollectResult } from './collector.ts'
import { gpuMetrics } from './gpu-metrics.ts'

export type SmiSource = 'xml' | 'csv'

export interface GpuCollectorOptions {
  readonly runner: SmiRunner
  readonly source: SmiSource
  /** The `Hostname` label. */
  readonly hostname: string
}

type Read = { ok: true; snapshot: SmiSnapshot; warnings: string[] } | { ok: false; error: string }

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error))
const stderrWarning = (stderr: string): string[] =>
  stderr.trim() ? [`nvidia-smi stderr: ${stderr.trim()}`] : []

async function readXml(runner: SmiRunner): Promise<Read> {
  const result = await runner.run(['-q', '-x'])
  if (!result.ok) return result
  try {
    return {
      ok: true,
      snapshot: snapshotFromXml(parseSmiXml(result.stdout)),
      warnings: stderrWarning(result.stderr),
    }
  } catch (error) {
    return { ok: false, error: message(error) }
  }
}

/** CSV mode learns the driver's field list and CUDA version once, then runs two queries per poll. */
function createCsvReader(runner: SmiRunner): (r: SmiRunner) => Promise<Read> {
  let fields: string[] | undefined
  let cudaVersion: string | undefined
  return async () => {
    if (!fields) {
      const help = await runner.run(['--help-query-gpu'])
      if (!help.ok) return help
      const selected = selectQueryFields(QUERY_GPU_FIELDS, parseQueryHelp(help.stdout))
      if (!selected.includes('uuid'))
        return { ok: false, error: 'nvidia-smi --help-query-gpu lists no usable fields' }
      const version = await runner.run(['--version'])
      cudaVersion = version.ok ? parseCudaVersion(version.stdout) : undefined
      fields = selected
    }
    const gpus = await runner.run([`--query-gpu=${fields.join(',')}`, '--format=csv'])
    if (!gpus.ok) return gpus
    const apps = await runner.run([`--query-compute-apps=${COMPUTE_APP_FIELDS.join(',')}`, '--format=csv'])
    try {
      const gpuTable = parseSmiCsv(gpus.stdout)
      const appTable = apps.ok ? parseSmiCsv(apps.stdout) : undefined
      const warnings = [...stderrWarning(gpus.stderr)]
      if (!apps.ok) warnings.push(`per-process query failed: ${apps.error}`)
      if (gpuTable.skippedRows > 0)
        warnings.push(`${gpuTable.skippedRows} query-gpu rows had the wrong cell count`)
      if (appTable && appTable.skippedRows > 0)
        warnings.push(`${appTable.skippedRows} compute-apps rows had the wrong cell count`)
      return { ok: true, snapshot: snapshotFromCsv(gpuTable, appTable, cudaVersion), warnings }
    } catch (error) {
      return { ok: false, error: message(error) }
    }
  }
}

export function createGpuCollector(options: GpuCollectorOptions): Collector {
  const read = options.source === 'xml' ? readXml : createCsvReader(options.runner)
  return {
    name: 'gpu',
    async collect(): Promise<CollectResult> {
      const outcome = await read(options.runner)
      if (!outcome.ok) return outcome
      const { families, unreadable } = gpuMetrics(outcome.snapshot, options.hostname)
      const warnings = [...outcome.warnings]
      if (unreadable.length > 0) warnings.push(`unreadable values dropped: ${unreadable.join('; ')}`)
      return { ok: true, families, warnings }
    },
  }
}
