/** @module An SmiSnapshot → metric families, by one loop over the field catalog. Pure. */
import { FIELD_CATALOG } from '../catalog/field-catalog.ts'
import { convert } from '../catalog/value-parse.ts'
import type { GpuReading, SmiSnapshot } from '../nvidia-smi/snapshot.ts'
import { FamilyBuilder, type Labels, type MetricFamily } from '../render.ts'

export interface GpuMetrics {
  readonly families: MetricFamily[]
  /** Cells that were neither a value nor an unavailable marker: dropped, counted, never fatal. */
  readonly unreadable: readonly string[]
}

/**
 * Labels in dcgm-exporter's order. DCGM families carry `modelName` exactly as dcgm-exporter does; the
 * `nvidia_smi_*` extras leave it out (it is on nvidia_smi_gpu_info as `model_name`) so that only the DCGM-compatible
 * families carry promtool's camelCase finding.
 */
function gpuLabels(gpu: GpuReading, hostname: string, dcgm: boolean, mig?: string): Labels {
  const labels: [string, string][] = [
    ['gpu', gpu.index],
    ['UUID', gpu.uuid],
    ['pci_bus_id', gpu.pciBusId],
    ['device', `nvidia${gpu.index}`],
  ]
  if (dcgm) labels.push(['modelName', gpu.name])
  if (mig !== undefined) labels.push(['GPU_I_ID', mig])
  labels.push(['Hostname', hostname])
  return labels
}

const withExtra = (labels: Labels, extra: Readonly<Record<string, string>> | undefined): Labels =>
  extra ? [...labels, ...Object.entries(extra)] : labels

function addProcesses(builder: FamilyBuilder, gpu: GpuReading, base: Labels, unreadable: string[]): void {
  builder.add(
    'nvidia_smi_processes',
    'Processes using the GPU, as listed by nvidia-smi.',
    base,
    gpu.processes.length,
  )
  for (const process of gpu.processes) {
    const converted = convert(process.usedMemory, 'mib_to_bytes')
    if (!converted.ok) {
      if (!converted.unavailable) unreadable.push(`process ${process.pid} used_memory=${process.usedMemory}`)
      continue
    }
    const labels: (readonly [string, string])[] = [
      ...base,
      ['pid', process.pid],
      ['process_name', process.processName],
    ]
    if (process.type !== undefined) labels.push(['type', process.type])
    if (process.gpuInstanceId !== undefined) labels.push(['GPU_I_ID', process.gpuInstanceId])
    builder.add(
      'nvidia_smi_process_used_memory_bytes',
      'GPU memory used by a process, in bytes (omitted where the driver cannot tell, e.g. Windows WDDM).',
      labels,
      converted.value,
    )
  }
}

/** Builds every GPU family for one snapshot; `hostname` is the `Hostname` label dcgm-exporter sets. */
export function gpuMetrics(snapshot: SmiSnapshot, hostname: string): GpuMetrics {
  const builder = new FamilyBuilder()
  const unreadable: string[] = []
  builder.add(
    'nvidia_smi_driver_info',
    'Driver and CUDA version of this host; always 1.',
    [
      ['Hostname', hostname],
      ['driver_version', snapshot.driverVersion ?? ''],
      ['cuda_version', snapshot.cudaVersion ?? ''],
    ],
    1,
  )
  for (const gpu of snapshot.gpus) {
    const dcgmLabels = gpuLabels(gpu, hostname, true)
    const extraLabels = gpuLabels(gpu, hostname, false)
    builder.add(
      'nvidia_smi_gpu_info',
      'Identity of each GPU; always 1.',
      [...extraLabels, ['model_name', gpu.name], ['vbios_version', gpu.fields.vbios_version ?? '']],
      1,
    )
    for (const entry of FIELD_CATALOG) {
      const dcgm = entry.metric.startsWith('DCGM_')
      const raw = gpu.fields[entry.field]
      const converted = convert(raw, entry.conversion)
      if (converted.ok) {
        builder.add(
          entry.metric,
          entry.help,
          withExtra(dcgm ? dcgmLabels : extraLabels, entry.labels),
          converted.value,
        )
      } else if (!converted.unavailable) {
        unreadable.push(`gpu ${gpu.index} ${entry.field}=${raw}`)
      }
      if (!entry.mig) continue
      for (const device of gpu.migDevices) {
        const value = convert(device.fields[entry.field], entry.conversion)
        if (!value.ok) continue
        const labels = gpuLabels(gpu, hostname, dcgm, device.gpuInstanceId)
        builder.add(entry.metric, entry.help, withExtra(labels, entry.labels), value.value)
      }
    }
    addProcesses(builder, gpu, extraLabels, unreadable)
  }
  return { families: builder.build(), unreadable }
}
