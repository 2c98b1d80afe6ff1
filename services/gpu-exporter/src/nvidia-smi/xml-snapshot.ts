/** @module The object node-nvidia-smi/xml2js makes of `nvidia-smi -q -x` → an SmiSnapshot. Pure. */
import { isUnavailable, parseNumber } from '../catalog/value-parse.ts'
import type { GpuReading, MigReading, ProcessReading, SmiSnapshot } from './snapshot.ts'
import { ECC_TOTALS, type EccTotal, XML_FIELDS } from './xml-fields.ts'

type Node = Record<string, unknown>

const isNode = (value: unknown): value is Node =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** explicitArray:false gives an object for one element, an array for several, '' or 'None' for none. */
export function asList(value: unknown): Node[] {
  if (Array.isArray(value)) return value.filter(isNode)
  return isNode(value) ? [value] : []
}

function text(node: Node, path: string): string | undefined {
  let current: unknown = node
  for (const key of path.split('.')) {
    if (!isNode(current)) return undefined
    current = current[key]
  }
  return typeof current === 'string' ? current : undefined
}

/** The first alternative holding a value, else the first present one (so "N/A" is kept and reported as such). */
function pick(node: Node, paths: readonly string[]): string | undefined {
  let present: string | undefined
  for (const path of paths) {
    const value = text(node, path)
    if (value === undefined) continue
    if (!isUnavailable(value)) return value
    present ??= value
  }
  return present
}

function sumOf(block: Node, keys: readonly string[]): number | undefined {
  let sum = 0
  for (const key of keys) {
    const value = text(block, key)
    const parsed = value === undefined || isUnavailable(value) ? undefined : parseNumber(value)
    if (parsed === undefined) return undefined
    sum += parsed
  }
  return sum
}

function eccTotal(gpu: Node, spec: EccTotal): string | undefined {
  const errors = gpu.ecc_errors
  const block = isNode(errors) ? errors[spec.block] : undefined
  if (!isNode(block)) return undefined
  const total = text(block, spec.total)
  if (total !== undefined) return total
  let sum: number | undefined
  for (const alternatives of spec.parts) {
    for (const keys of alternatives) {
      const value = sumOf(block, keys)
      if (value === undefined) continue
      sum = (sum ?? 0) + value
      break
    }
  }
  return sum === undefined ? undefined : String(sum)
}

function fieldsOf(gpu: Node): Record<string, string> {
  const fields: Record<string, string> = {}
  for (const [field, paths] of Object.entries(XML_FIELDS)) {
    const value = pick(gpu, paths)
    if (value !== undefined) fields[field] = value
  }
  for (const spec of ECC_TOTALS) {
    const value = eccTotal(gpu, spec)
    if (value !== undefined) fields[spec.field] = value
  }
  return fields
}

function processesOf(gpu: Node): ProcessReading[] {
  const processes = gpu.processes
  const list = isNode(processes) ? asList(processes.process_info) : []
  return list.flatMap((process) => {
    const pid = text(process, 'pid')
    if (pid === undefined || isUnavailable(pid)) return []
    const gpuInstanceId = text(process, 'gpu_instance_id')
    return [
      {
        pid,
        processName: text(process, 'process_name') ?? '',
        type: text(process, 'type'),
        usedMemory: text(process, 'used_memory'),
        gpuInstanceId:
          gpuInstanceId === undefined || isUnavailable(gpuInstanceId) ? undefined : gpuInstanceId,
      },
    ]
  })
}

const MIG_FIELDS: Readonly<Record<string, string>> = {
  'memory.total': 'fb_memory_usage.total',
  'memory.reserved': 'fb_memory_usage.reserved',
  'memory.used': 'fb_memory_usage.used',
  'memory.free': 'fb_memory_usage.free',
}

function migDevicesOf(gpu: Node): MigReading[] {
  const devices = gpu.mig_devices
  const list = isNode(devices) ? asList(devices.mig_device) : []
  return list.flatMap((device) => {
    const gpuInstanceId = text(device, 'gpu_instance_id')
    if (gpuInstanceId === undefined || isUnavailable(gpuInstanceId)) return []
    const fields: Record<string, string> = {}
    for (const [field, path] of Object.entries(MIG_FIELDS)) {
      const value = text(device, path)
      if (value !== undefined) fields[field] = value
    }
    return [{ gpuInstanceId, computeInstanceId: text(device, 'compute_instance_id'), fields }]
  })
}

function gpuOf(gpu: Node, position: number): GpuReading {
  const attributes = isNode(gpu.$) ? gpu.$ : {}
  const pciBusId = text(gpu, 'pci.pci_bus_id') ?? (typeof attributes.id === 'string' ? attributes.id : '')
  return {
    // nvidia-smi lists GPUs in index order and the XML carries no index element; minor_number is the /dev node,
    // which differs from the index on some hosts, so the position is the faithful index.
    index: String(position),
    uuid: text(gpu, 'uuid') ?? '',
    name: text(gpu, 'product_name') ?? '',
    pciBusId,
    fields: fieldsOf(gpu),
    processes: processesOf(gpu),
    migDevices: migDevicesOf(gpu),
  }
}

const optional = (value: string | undefined): string | undefined =>
  value === undefined || isUnavailable(value) ? undefined : value

/** Normalises the `<nvidia_smi_log>` object: one GPU or many, any schema version, MIG devices and processes. */
export function snapshotFromXml(log: Record<string, unknown>): SmiSnapshot {
  return {
    driverVersion: optional(text(log, 'driver_version')),
    cudaVersion: optional(text(log, 'cuda_version')),
    gpus: asList(log.gpu).map(gpuOf),
  }
}
