/**
 * @module The field catalog: nvidia-smi field → metric name, unit conversion and help, as data with one loop over it
 * (like dcgm-exporter's default-counters.csv). `DCGM_FI_*` names, units and label sets match dcgm-exporter so the
 * stock DCGM dashboard works; everything DCGM's defaults lack uses `nvidia_smi_*` in base units, named the way
 * nvidia_gpu_exporter names the same `--query-gpu` field.
 */
import type { CatalogEntry } from './catalog-entry.ts'
import { DCGM_ENTRIES } from './dcgm-entries.ts'
import { EXTRA_ENTRIES } from './extra-entries.ts'

export type { CatalogEntry }

export const FIELD_CATALOG: readonly CatalogEntry[] = [...DCGM_ENTRIES, ...EXTRA_ENTRIES]

/** Fields to ask `--query-gpu` for: the catalog's, minus the XML-only ones. */
export const QUERY_GPU_FIELDS: readonly string[] = [
  ...new Set(FIELD_CATALOG.filter((entry) => !entry.xmlOnly).map((entry) => entry.field)),
]
