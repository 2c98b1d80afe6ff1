/** @module The shape of one field catalog entry, and the row constructor the catalog tables use. */
import type { Conversion } from './value-parse.ts'

export interface CatalogEntry {
  /** The `--query-gpu` field name (XML paths are mapped onto it in nvidia-smi/xml-fields.ts). */
  readonly field: string
  readonly metric: string
  readonly conversion: Conversion
  /** Source unit → exposed unit, for the README table. */
  readonly unit: string
  readonly help: string
  /** Constant labels that tell entries of one family apart (e.g. the clock event reason). */
  readonly labels?: Readonly<Record<string, string>>
  /** Also reported per MIG instance, with GPU_I_ID. */
  readonly mig?: boolean
  /** Only `-q -x` reports it; never requested with `--query-gpu`. */
  readonly xmlOnly?: boolean
}

export type Row = [field: string, metric: string, conversion: Conversion, unit: string, help: string]

export const row = (
  [field, metric, conversion, unit, help]: Row,
  extra: Partial<CatalogEntry> = {},
): CatalogEntry => ({
  field,
  metric,
  conversion,
  unit,
  help,
  ...extra,
})
