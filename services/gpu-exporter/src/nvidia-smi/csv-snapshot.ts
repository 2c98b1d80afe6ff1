/** @module `--query-gpu` and `--query-compute-apps` tables → an SmiSnapshot, the same shape the XML path yields. Pure. */
import { isUnavailable } from '../catalog/value-parse.ts'
import type { CsvTable } from './csv-parse.ts'
import type { GpuReading, ProcessReading, SmiSnapshot } from './snapshot.ts'

/** Identity columns every query asks for, besides the catalog's fields. */
export const IDENTITY_FIELDS = [
  'index',
  'uuid',
  'name',
  'pci.bus_id',
  'driver_version',
  'vbios_version',
] as const

/** Columns asked of `--query-compute-apps`, the same set (and order) nvidia_gpu_exporter's captures use. */
export const COMPUTE_APP_FIELDS = [
  'timestamp',
  'gpu_name',
  'gpu_bus_id',
  'gpu_serial',
  'gpu_uuid',
  'pid',
  'process_name',
  'used_gpu_memory',
] as const

/** Drivers before 530 call clock event reasons "throttle reasons"; both land on the newer name. */
export const canonicalField = (field: string): string =>
  field.replace(/^clocks_throttle_reasons\./, 'clocks_event_reasons.')

/**
 * The fields to request: those wanted that the driver lists in `--help-query-gpu`, or the older throttle spelling
 * when only that one is listed. Asking for an unknown field makes nvidia-smi fail the whole query.
 */
export function selectQueryFields(wanted: readonly string[], supported: ReadonlySet<string>): string[] {
  const selected: string[] = []
  for (const field of new Set([...IDENTITY_FIELDS, ...wanted])) {
    const older = field.replace(/^clocks_event_reasons\./, 'clocks_throttle_reasons.')
    if (supported.has(field)) selected.push(field)
    else if (supported.has(older)) selected.push(older)
  }
  return selected
}

function processesByUuid(apps: CsvTable | undefined): Map<string, ProcessReading[]> {
  const byUuid = new Map<string, ProcessReading[]>()
  for (const row of apps?.rows ?? []) {
    const uuid = row.gpu_uuid
    const pid = row.pid
    if (uuid === undefined || pid === undefined || isUnavailable(pid)) continue
    const list = byUuid.get(uuid) ?? []
    list.push({ pid, processName: row.process_name ?? '', usedMemory: row.used_gpu_memory })
    byUuid.set(uuid, list)
  }
  return byUuid
}

/** One GpuReading per row of `gpus`; processes joined on UUID. */
export function snapshotFromCsv(gpus: CsvTable, apps?: CsvTable, cudaVersion?: string): SmiSnapshot {
  const processes = processesByUuid(apps)
  const readings: GpuReading[] = gpus.rows.map((row, position) => {
    const fields: Record<string, string> = {}
    for (const [field, value] of Object.entries(row)) fields[canonicalField(field)] = value
    const uuid = row.uuid ?? ''
    return {
      index: row.index ?? String(position),
      uuid,
      name: row.name ?? '',
      pciBusId: row['pci.bus_id'] ?? '',
      fields,
      processes: processes.get(uuid) ?? [],
      migDevices: [],
    }
  })
  const driverVersion = gpus.rows[0]?.driver_version
  return {
    driverVersion: driverVersion === undefined || isUnavailable(driverVersion) ? undefined : driverVersion,
    cudaVersion,
    gpus: readings,
  }
}
