/** @module Human-readable load reports: a one-line progress view and the final latency table. */
import type { LoadReport, Progress } from './recorder.ts'
import type { Stats } from './stats.ts'

const ms = (value: number): string =>
  Number.isNaN(value) ? '-' : value < 10 ? value.toFixed(2) : value.toFixed(1)
const pad = (text: string, width: number): string => text.padStart(width)

/** One status line, e.g. "12.0/30s  sent 1200  done 1180  ok 1178  err 2  in-flight 20  118 req/s". */
export function formatProgress(progress: Progress, elapsedMs: number, totalMs: number): string {
  const seconds = elapsedMs / 1000
  const rate = seconds > 0 ? progress.ok / seconds : 0
  return [
    `${seconds.toFixed(1)}/${Number((totalMs / 1000).toFixed(1))}s`,
    `sent ${progress.started}`,
    `done ${progress.completed}`,
    `ok ${progress.ok}`,
    `err ${progress.errors}`,
    `in-flight ${progress.inFlight}`,
    `${rate.toFixed(0)} req/s`,
  ].join('  ')
}

const row = (name: string, stats: Stats): string =>
  [
    name.padEnd(12),
    ...[stats.p50, stats.p95, stats.p99, stats.max].map((value) => pad(ms(value), 10)),
    pad(String(stats.count), 9),
  ].join('')

/** The final report: throughput, the latency table (ms), then the error breakdown. */
export function formatReport(report: LoadReport): string {
  const lines = [
    `requests ${report.requests}  ok ${report.ok}  errors ${report.errors.total}  in ${report.durationS.toFixed(2)} s`,
    `throughput ${report.requestsPerS.toFixed(1)} req/s  ${report.tokensPerS.toFixed(1)} tokens/s (${report.completionTokens} completion tokens)`,
    '',
    `${'ms'.padEnd(12)}${pad('p50', 10)}${pad('p95', 10)}${pad('p99', 10)}${pad('max', 10)}${pad('samples', 9)}`,
  ]
  if (report.ttftMs.count > 0 || report.firstChunkMs.count > 0) {
    lines.push(row('TTFT', report.ttftMs), row('first chunk', report.firstChunkMs), row('ITL', report.itlMs))
  }
  lines.push(row('E2E', report.e2eMs), row('send lag', report.sendLagMs))
  lines.push('')
  if (report.errors.total === 0) {
    lines.push('errors: none')
    return lines.join('\n')
  }
  const kinds = Object.entries(report.errors.byKind)
    .filter(([, count]) => count > 0)
    .map(([kind, count]) => `${kind} ${count}`)
  const statuses = Object.entries(report.errors.byStatus).map(([status, count]) => `${status}: ${count}`)
  lines.push(
    `errors: ${report.errors.total} (${kinds.join(', ')})${statuses.length > 0 ? `  by status: ${statuses.join(', ')}` : ''}`,
  )
  for (const sample of report.errors.samples) lines.push(`  e.g. ${sample}`)
  return lines.join('\n')
}
