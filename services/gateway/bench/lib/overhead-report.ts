/** @module Turns the measured figures into the overhead checks (gateway vs the bare Bun proxy) and Markdown tables. */

export type TargetName = 'direct' | 'bare' | 'nginx' | 'gateway'

export interface LatencyPoint {
  readonly p50: number
  readonly p99: number
  readonly requests: number
  readonly errors: number
}

export interface TargetMeasurement {
  readonly name: TargetName
  readonly label: string
  /** Why the target could not be measured at all (it did not start). */
  readonly failure?: string
  readonly rates?: Readonly<Record<string, LatencyPoint>>
  readonly maxThroughput?: {
    readonly requestsPerS: number
    readonly requests: number
    readonly errors: number
    readonly tool: string
  }
  readonly stream?: {
    readonly firstChunkP50: number
    readonly gapP99: number
    readonly requests: number
    readonly errors: number
    readonly peakRssMb?: number
    readonly errorSample?: string
    /** Output chunks per successful stream (one token each from the simulator), to confirm the planned length. */
    readonly chunksPerStream?: number
  }
  readonly rssGrowth?: {
    readonly requests: number
    readonly errors: number
    readonly startMb: number
    readonly midMb: number
    readonly endMb: number
  }
}

export interface Check {
  readonly name: string
  readonly gateway: string
  readonly bare: string
  readonly comparison: string
  readonly target: string
  /** undefined: could not be evaluated (a target missing or collapsed). */
  readonly met: boolean | undefined
}

/** A zero or negative added latency is noise: ratios of added latencies clamp both sides to at least this. */
export const ADDED_FLOOR_MS = 0.05
/** More than this fraction of failed requests at a rate means the target collapsed there. */
export const COLLAPSE_ERROR_RATE = 0.01
/** RSS may grow this much from the middle to the end of the long run (warm-up growth happens before the middle). */
export const RSS_GROWTH_LIMIT = 0.1

const fmt = (value: number | undefined, digits = 2): string =>
  value === undefined || Number.isNaN(value) ? '-' : value.toFixed(digits)

/** A phase where more than COLLAPSE_ERROR_RATE of the requests failed (or none ran) gives no usable figure. */
export const collapsed = (
  phase: { readonly requests: number; readonly errors: number } | undefined,
): boolean =>
  phase === undefined || phase.requests === 0 || phase.errors / phase.requests > COLLAPSE_ERROR_RATE

function added(
  all: readonly TargetMeasurement[],
  name: TargetName,
  pick: (m: Pick<TargetMeasurement, 'rates' | 'stream'>) => number | undefined,
): number | undefined {
  const target = all.find((m) => m.name === name)
  const base = all.find((m) => m.name === 'direct')
  if (!base || !target) return undefined
  const baseValue = pick(base)
  const value = pick(target)
  return baseValue === undefined || value === undefined ? undefined : value - baseValue
}

function ratioCheck(
  name: string,
  gateway: number | undefined,
  bare: number | undefined,
  limit: number,
  atMost: boolean,
  unit: string,
): Check {
  const known =
    Number.isFinite(gateway) && Number.isFinite(bare) && gateway !== undefined && bare !== undefined
  // Added latencies at or below the floor are both "nothing measurable": clamping both keeps noise from producing
  // negative or huge ratios.
  const floor = atMost ? ADDED_FLOOR_MS : 0
  const ratio = known ? Math.max(gateway, floor) / Math.max(bare, floor) : undefined
  return {
    name,
    gateway: `${fmt(gateway)}${unit}`,
    bare: `${fmt(bare)}${unit}`,
    comparison: ratio === undefined ? '-' : `${ratio.toFixed(2)}×`,
    target: `${atMost ? '≤' : '≥'} ${limit}×`,
    met: ratio === undefined ? undefined : atMost ? ratio <= limit : ratio >= limit,
  }
}

/** Every target from the issue, evaluated for the gateway against the bare Bun proxy of the same run. */
export function evaluate(all: readonly TargetMeasurement[], rates: readonly number[]): Check[] {
  const byName = (name: TargetName) => all.find((m) => m.name === name)
  const usable = (name: TargetName, rate: string) => {
    const target = byName(name)
    return !collapsed(target?.rates?.[rate]) && !collapsed(byName('direct')?.rates?.[rate])
  }
  const checks: Check[] = []
  for (const rate of rates.map(String)) {
    const ok = usable('gateway', rate) && usable('bare', rate)
    for (const [pct, limit] of [
      ['p50', 2],
      ['p99', 1.5],
    ] as const) {
      const pick = (m: Pick<TargetMeasurement, 'rates'>) => m.rates?.[rate]?.[pct]
      checks.push(
        ratioCheck(
          `added ${pct} at ${rate} req/s`,
          ok ? added(all, 'gateway', pick) : undefined,
          ok ? added(all, 'bare', pick) : undefined,
          limit,
          true,
          ' ms',
        ),
      )
    }
  }
  const usableMax = (name: TargetName) => {
    const max = byName(name)?.maxThroughput
    return collapsed(max) ? undefined : max
  }
  const gatewayMax = usableMax('gateway')
  const bareMax = usableMax('bare')
  const streamOk = (['gateway', 'bare'] as const).every((name) => {
    const target = byName(name)
    return !collapsed(target?.stream) && !collapsed(byName('direct')?.stream)
  })
  checks.push(
    ratioCheck(
      'max throughput (64 conns)',
      gatewayMax?.requestsPerS,
      bareMax?.requestsPerS,
      0.6,
      false,
      ' req/s',
    ),
  )
  const firstChunk = (m: Pick<TargetMeasurement, 'stream'>) => m.stream?.firstChunkP50
  checks.push(
    ratioCheck(
      'stream: added time to first chunk p50',
      streamOk ? added(all, 'gateway', firstChunk) : undefined,
      streamOk ? added(all, 'bare', firstChunk) : undefined,
      2,
      true,
      ' ms',
    ),
  )
  const gatewayGap = streamOk ? byName('gateway')?.stream?.gapP99 : undefined
  const bareGap = streamOk ? byName('bare')?.stream?.gapP99 : undefined
  const gapDiff = gatewayGap !== undefined && bareGap !== undefined ? gatewayGap - bareGap : undefined
  checks.push({
    name: 'stream: inter-chunk gap p99',
    gateway: `${fmt(gatewayGap)} ms`,
    bare: `${fmt(bareGap)} ms`,
    comparison: gapDiff === undefined ? '-' : `${gapDiff >= 0 ? '+' : ''}${gapDiff.toFixed(2)} ms`,
    target: '≤ +1 ms',
    met: gapDiff === undefined ? undefined : gapDiff <= 1,
  })
  checks.push(
    ratioCheck(
      'stream: peak RSS',
      streamOk ? byName('gateway')?.stream?.peakRssMb : undefined,
      streamOk ? byName('bare')?.stream?.peakRssMb : undefined,
      2,
      true,
      ' MB',
    ),
  )
  const growth = byName('gateway')?.rssGrowth
  const grew = growth && !collapsed(growth) ? (growth.endMb - growth.midMb) / growth.midMb : undefined
  checks.push({
    name: `RSS across ${growth?.requests ?? '-'} requests (start/mid/end)`,
    gateway: growth
      ? `${fmt(growth.startMb, 1)} / ${fmt(growth.midMb, 1)} / ${fmt(growth.endMb, 1)} MB`
      : '-',
    bare: '-',
    comparison: grew === undefined ? '-' : `${grew >= 0 ? '+' : ''}${(grew * 100).toFixed(1)}% mid→end`,
    target: `≤ +${RSS_GROWTH_LIMIT * 100}% mid→end`,
    met: grew === undefined ? undefined : grew <= RSS_GROWTH_LIMIT,
  })
  return checks
}

const cell = (value: number | undefined, base: number | undefined, isDirect: boolean): string =>
  value === undefined
    ? '-'
    : isDirect || base === undefined
      ? fmt(value)
      : `${fmt(value)} (${value - base >= 0 ? '+' : ''}${fmt(value - base)})`

/** The absolute figures of every target (added latency over direct-to-sim in brackets) and the checks table. */
export function renderMarkdown(
  all: readonly TargetMeasurement[],
  checks: readonly Check[],
  rates: readonly number[],
): string {
  const direct = all.find((m) => m.name === 'direct')
  const rateCols = rates.flatMap((rate) => [`p50 @${rate}/s`, `p99 @${rate}/s`])
  const tools = [...new Set(all.flatMap((m) => (m.maxThroughput ? [m.maxThroughput.tool] : [])))]
  const maxHead = tools.length === 1 ? `max req/s (${tools[0]})` : 'max req/s'
  const head = ['target', ...rateCols, maxHead, 'stream 1st chunk p50', 'gap p99', 'peak RSS MB']
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`]
  for (const m of all) {
    if (m.failure) {
      lines.push(
        `| ${m.label} | not measured: ${m.failure.replaceAll('|', '/')} |${head
          .slice(2)
          .map(() => '')
          .join(' |')} |`,
      )
      continue
    }
    const isDirect = m.name === 'direct'
    const base = direct
    const rateCells = rates.flatMap((rate) => {
      const point = m.rates?.[String(rate)]
      const basePoint = base?.rates?.[String(rate)]
      const mark = collapsed(point) && point ? ` ⚠ ${point.errors}/${point.requests} failed` : ''
      return [cell(point?.p50, basePoint?.p50, isDirect) + mark, cell(point?.p99, basePoint?.p99, isDirect)]
    })
    const max = m.maxThroughput
      ? `${m.maxThroughput.requestsPerS.toFixed(0)}${m.maxThroughput.errors > 0 ? ` (${m.maxThroughput.errors} errors)` : ''}${tools.length > 1 ? ` (${m.maxThroughput.tool})` : ''}`
      : '-'
    const stream = m.stream
    lines.push(
      `| ${[
        m.label,
        ...rateCells,
        max,
        cell(stream?.firstChunkP50, base?.stream?.firstChunkP50, isDirect) +
          (stream && stream.errors > 0 ? ` ⚠ ${stream.errors} failed` : ''),
        fmt(stream?.gapP99),
        fmt(stream?.peakRssMb, 1),
      ].join(' | ')} |`,
    )
  }
  lines.push(
    '',
    '| check (gateway vs bare Bun proxy) | gateway | bare Bun proxy | ratio | target | met |',
    '|---|---|---|---|---|---|',
  )
  for (const check of checks) {
    const met = check.met === undefined ? 'not measured' : check.met ? 'yes' : '**no**'
    lines.push(
      `| ${check.name} | ${check.gateway} | ${check.bare} | ${check.comparison} | ${check.target} | ${met} |`,
    )
  }
  return lines.join('\n')
}
