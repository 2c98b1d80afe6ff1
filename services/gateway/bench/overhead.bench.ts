/**
 * @module Gateway overhead benchmark (`bun run bench overhead`): the gateway vs direct-to-sim vs a bare Bun proxy vs
 * nginx, in one run, the load generator on one core and every server on the other. Prints the figures and the
 * issue's targets (ratios to the bare proxy); a full run also rewrites BENCHMARKS.md's "gateway overhead" section.
 */
import { readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { ConfigError } from '@infergate/config'
import { fetchLimitEnv } from '@infergate/loadgen'
import { type BenchPlan, readBenchPlan } from './lib/bench-config.ts'
import { replaceSection } from './lib/markdown-section.ts'
import { evaluate, renderMarkdown, type TargetMeasurement, type TargetName } from './lib/overhead-report.ts'
import { renderSection } from './lib/overhead-section.ts'
import {
  latencyInterleaved,
  type MeasuredPoint,
  maxThroughput,
  rssGrowth,
  streamingInterleaved,
  type Target,
  warmUp,
} from './lib/scenarios.ts'
import type { Server } from './lib/servers.ts'
import { type ProxyName, proxyStarters, startSimulator, type TargetContext } from './lib/targets.ts'

const root = new URL('../../..', import.meta.url).pathname
const here = new URL('.', import.meta.url).pathname
const API_KEY = 'sk-bench-overhead'

let plan: BenchPlan
try {
  plan = readBenchPlan(process.env)
} catch (error) {
  if (!(error instanceof ConfigError)) throw error
  console.error(`overhead bench: ${error.message}`)
  process.exit(2)
}

// 400 concurrent streams need more than Bun's default 256 fetches in flight (in this process and in both Bun proxies,
// which inherit the environment): re-run this file with the limit raised.
const raise = fetchLimitEnv(process.env, 4096)
if (raise) {
  const child = Bun.spawn([process.execPath, import.meta.path], {
    env: { ...process.env, ...raise },
    stdio: ['inherit', 'inherit', 'inherit'],
  })
  // A terminal's Ctrl-C reaches both; a kill -INT of this process is passed on (the child cleans up once).
  process.on('SIGINT', () => child.kill('SIGINT'))
  process.exit(await child.exited)
}

const log = (line: string) => console.log(`[overhead] ${line}`)
const servers: Server[] = []
const dir = await mkdtemp(`${tmpdir()}/infergate-overhead-`)
let cleaned = false
async function cleanUp(): Promise<void> {
  if (cleaned) return
  cleaned = true
  await Promise.all(servers.map((server) => server.stop()))
  await rm(dir, { recursive: true, force: true })
}
process.on('SIGINT', () => void cleanUp().then(() => process.exit(130)))

// The load generator (this process and the wrk it starts) gets one core; servers are started with the other.
const pin = Bun.spawnSync(['taskset', '-a', '-p', '-c', plan.clientCpu, String(process.pid)])
if (pin.exitCode !== 0) log(`could not pin the load generator: ${pin.stderr.toString().trim()}`)

const context: TargetContext = { plan, root, here, dir, apiKey: API_KEY, env: process.env }
let simPort: number
try {
  const sim = await startSimulator(context)
  servers.push(sim)
  simPort = sim.port
} catch (error) {
  console.error(
    `overhead bench: the simulator did not start, nothing can be measured: ${(error as Error).message}`,
  )
  await cleanUp()
  process.exit(1)
}
const simUrl = `http://127.0.0.1:${simPort}`
const starters = proxyStarters(context, simPort)

const direct: Target = { url: simUrl }
const point = (p: MeasuredPoint): string =>
  `p50 ${p.p50.toFixed(2)} ms, p99 ${p.p99.toFixed(2)} ms, ${p.errors}/${p.requests} failed, client send lag p99 ${p.sendLagP99.toFixed(2)} ms${p.errorSample ? ` (e.g. ${p.errorSample.slice(0, 200)})` : ''}`
const streamLine = (s: NonNullable<TargetMeasurement['stream']>): string =>
  `${s.chunksPerStream ?? '-'} chunks/stream, first chunk p50 ${s.firstChunkP50.toFixed(2)} ms, gap p99 ${s.gapP99.toFixed(2)} ms, peak RSS ${s.peakRssMb?.toFixed(1) ?? '-'} MB, ${s.errors}/${s.requests} failed${s.errorSample ? ` (e.g. ${s.errorSample.slice(0, 200)})` : ''}`

const loadAverage = (): string => {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')
  } catch {
    return 'unknown'
  }
}
const loadBefore = loadAverage()
const started = performance.now()

interface Live {
  readonly name: TargetName
  readonly label: string
  readonly target: Target
}
const live: Live[] = [{ name: 'direct', label: 'direct to sim', target: direct }]
const failed: TargetMeasurement[] = []
const rates = new Map<TargetName, Record<string, MeasuredPoint>>()
const maxima = new Map<TargetName, NonNullable<TargetMeasurement['maxThroughput']>>()
const streams = new Map<TargetName, NonNullable<TargetMeasurement['stream']>>()
let growth: TargetMeasurement['rssGrowth']
const incidents: string[] = []

try {
  // Every proxy runs for the whole benchmark (an idle one costs nothing) so that each phase can interleave all targets.
  for (const [name, { label, start }] of Object.entries(starters) as Array<
    [ProxyName, (typeof starters)['bare']]
  >) {
    try {
      log(`${label}: starting`)
      const server = await start()
      servers.push(server)
      live.push({ name, label, target: { url: server.url, pid: server.pid } })
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error)
      log(`${label}: NOT MEASURED, it did not start: ${reason}`)
      failed.push({ name, label, failure: reason.replace(/\s+/g, ' ').slice(0, 300) })
    }
  }
  for (const { label, target } of live) {
    log(`${label}: warm-up`)
    await warmUp(target, API_KEY, plan)
  }
  const targets = live.map((item) => item.target)
  for (const rate of plan.rates) {
    log(
      `open loop at ${rate} req/s: ${plan.rateSlices} slices of ${plan.sliceMs / 1000}s per target, targets alternating`,
    )
    const points = await latencyInterleaved(targets, API_KEY, rate, plan)
    for (const [index, { name, label }] of live.entries()) {
      const measured = points[index]
      if (!measured) continue
      rates.set(name, { ...rates.get(name), [String(rate)]: measured })
      log(`  ${label}: ${point(measured)}`)
    }
  }
  for (const { name, label, target } of live) {
    log(`${label}: max throughput, ${plan.connections} connections for ${plan.maxThroughputS}s`)
    const max = await maxThroughput(target, API_KEY, plan, `${dir}/wrk-${name}.lua`)
    maxima.set(name, max)
    log(`  ${max.requestsPerS.toFixed(0)} req/s (${max.tool}), ${max.errors} errors`)
  }
  log(
    `streaming: ${plan.streamRounds} round(s) of ${plan.streams} concurrent streams per target, ${plan.streamChunks} chunks ${plan.streamItlMs} ms apart`,
  )
  const figures = await streamingInterleaved(targets, API_KEY, plan)
  for (const [index, { name, label }] of live.entries()) {
    const stream = figures[index]
    if (!stream) continue
    streams.set(name, stream)
    log(`  ${label}: ${streamLine(stream)}`)
  }
  const gateway = live.find((item) => item.name === 'gateway')
  if (gateway?.target.pid !== undefined) {
    log(`gateway: RSS across ${plan.rssRequests} requests`)
    growth = await rssGrowth({ url: gateway.target.url, pid: gateway.target.pid }, API_KEY, plan)
    log(
      `  start ${growth.startMb.toFixed(1)} MB, mid ${growth.midMb.toFixed(1)} MB, end ${growth.endMb.toFixed(1)} MB, ${growth.errors}/${growth.requests} failed`,
    )
  }
} finally {
  // A server that died mid-run explains the failures after it: say so before its log directory goes.
  for (const server of servers) {
    const report = await server.exitReport()
    if (report === undefined) continue
    const line = `${server.name} died during the run, ${report.replace(/\s+/g, ' ').slice(0, 400)}`
    incidents.push(line)
    log(line)
  }
  await cleanUp()
}

const order: TargetName[] = ['direct', 'bare', 'nginx', 'gateway']
const results: TargetMeasurement[] = order.flatMap((name): TargetMeasurement[] => {
  const failure = failed.find((item) => item.name === name)
  if (failure) return [failure]
  const item = live.find((entry) => entry.name === name)
  if (!item) return []
  const max = maxima.get(name)
  const stream = streams.get(name)
  return [
    {
      name,
      label: item.label,
      rates: rates.get(name) ?? {},
      ...(max ? { maxThroughput: max } : {}),
      ...(stream ? { stream } : {}),
      ...(name === 'gateway' && growth ? { rssGrowth: growth } : {}),
    },
  ]
})

const checks = evaluate(results, plan.rates)
const table = renderMarkdown(results, checks, plan.rates)
const minutes = ((performance.now() - started) / 60_000).toFixed(1)
console.log(`\n${table}\n\n(run took ${minutes} min${plan.quick ? ', BENCH_QUICK=1 smoke run' : ''})`)

if (plan.writeResults) {
  const section = renderSection({
    plan,
    loadBefore,
    loadAfter: loadAverage(),
    date: new Date().toISOString(),
    throughputTool: results.find((m) => m.maxThroughput)?.maxThroughput?.tool ?? 'wrk',
    fetchLimit: process.env.BUN_CONFIG_MAX_HTTP_REQUESTS ?? '256 (Bun default)',
    incidents,
    tables: table,
  })
  const path = `${root}BENCHMARKS.md`
  // Re-read just before writing: other benchmarks own other sections of the same file.
  const current = await Bun.file(path).text()
  await Bun.write(path, replaceSection(current, 'gateway overhead', section))
  log('wrote the "gateway overhead" section of BENCHMARKS.md')
}
process.exit(0)
