/** @module `nvidia-smi --query-*=… --format=csv` text → rows keyed by field name (units stripped from the header). */

export interface CsvTable {
  /** Field names in column order, e.g. `memory.used` for the header cell `memory.used [MiB]`. */
  readonly fields: readonly string[]
  readonly rows: readonly Readonly<Record<string, string>>[]
  /** Rows whose cell count did not match the header; dropped rather than misaligned. */
  readonly skippedRows: number
}

// nvidia-smi separates cells with ", " and never quotes; a value with ", " in it cannot be told apart, so rows of
// the wrong width are dropped instead of shifting every later column.
const SEPARATOR = ', '

const fieldName = (header: string): string => header.replace(/\s*\[[^\]]*\]\s*$/, '').trim()

/**
 * Parses CSV with a header line (`--format=csv`, units allowed).
 * @throws Error when there is no header line or it does not look like nvidia-smi's (garbage output).
 */
export function parseSmiCsv(text: string): CsvTable {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '')
  const header = lines[0]
  if (header === undefined) throw new Error('nvidia-smi CSV output is empty')
  const fields = header.split(SEPARATOR).map(fieldName)
  if (fields.some((field) => !/^[A-Za-z_][\w.]*$/.test(field)))
    throw new Error(`nvidia-smi CSV header is not a field list: ${JSON.stringify(header.slice(0, 80))}`)
  let skippedRows = 0
  const rows: Record<string, string>[] = []
  for (const line of lines.slice(1)) {
    const cells = line.split(SEPARATOR)
    if (cells.length !== fields.length) {
      skippedRows += 1
      continue
    }
    rows.push(Object.fromEntries(fields.map((field, column) => [field, (cells[column] ?? '').trim()])))
  }
  return { fields, rows, skippedRows }
}

/** Field names listed by `nvidia-smi --help-query-gpu` (both spellings of `"name" or "gpu_name"` lines). */
export function parseQueryHelp(text: string): Set<string> {
  const names = new Set<string>()
  for (const line of text.split(/\r?\n/)) {
    if (!line.startsWith('"')) continue
    for (const match of line.matchAll(/"([^"]+)"/g)) if (match[1]) names.add(match[1])
  }
  return names
}

/** The CUDA version from `nvidia-smi --version` ("CUDA Version        : 13.1"), which query-gpu cannot report. */
export function parseCudaVersion(text: string): string | undefined {
  return /^CUDA Version\s*:\s*(\S+)/m.exec(text)?.[1]
}
