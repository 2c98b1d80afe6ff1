/**
 * @module Gateway overhead benchmark (`bun run bench gateway`): the gateway vs direct-to-sim vs a bare Bun proxy vs
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
import {
  ADDED_FLOOR_MS,
  COLLAPSE_ERROR_RATE,
  evaluate,
  renderMarkdown,
  type TargetMeasurement,
  type TargetName,
} from './lib/overhead-report.ts'
import {
  latencyInterleaved,
  type MeasuredPoint,
  maxThroughput,
  rssGrowth,
  streamingInterleaved,
  type Target,
  warmUp,
} from './lib/scenarios.ts'
import { freePort, type Server, startNginx, startServer } from './lib/servers.ts'

const root = new URL('../../..', import.meta.url).pathname
const here = new URL('.', import.meta.url).pathname
const API_KEY = 'sk-bench-overhead'
/**
 * Every protection on, with limits far above what the benchmark sends, so their code runs on every request without
 * rejecting any. The environment of `bun run bench` overrides these (e.g. LOG_REQUESTS=0 to see logging's cost).
 */
const GATEWAY_ENV: Record<string, string> = {
  GATEWAY_API_KEYS: API_KEY,
  // GCRA limits allow at most one unit per microsecond: 60,000,000 per minute is the ceiling.
  RATE_LIMIT_RPS: '500000',
  RATE_LIMIT_BURST: '100000',
  KEY_RPM: '30000000',
  KEY_TPM: '60000000',
  DAILY_TOKEN_QUOTA: '1000000000000',
  MAX_CONCURRENT_REQUESTS: '100000',
  ...Object.fromEntries(
    Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  ),
}

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
  process.on('SIGINT', () => {})
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

const bun = process.execPath
const simPort = await freePort()
const simUrl = `http://127.0.0.1:${simPort}`
let sim: Server
try {
  sim = await startServer({
    name: 'vllm-sim',
    // Zero latency so non-streaming figures are the proxies' own; streams get their latency from prompt directives.
    cmd: [
      bun,
      'services/vllm-sim/src/main.ts',
      'serve',
      'sim-model',
      '--host',
      '127.0.0.1',
      '--port',
      String(simPort),
      '--max-num-seqs',
      '4096',
      '--sim-ttft-ms',
      '0',
      '--sim-ttft-per-token-us',
      '0',
      '--sim-itl-ms',
      '0',
      '--sim-jitter',
      '0',
    ],
    cpu: plan.serverCpu,
    readyUrl: `${simUrl}/health`,
    url: simUrl,
    cwd: root,
  })
  servers.push(sim)
} catch (error) {
  console.error(
    `overhead bench: the simulator did not start, nothing can be measured: ${(error as Error).message}`,
  )
  await cleanUp()
  process.exit(1)
}

type Starter = () => Promise<Server>
const starters: Record<Exclude<TargetName, 'direct'>, { label: string; start: Starter }> = {
  bare: {
    label: 'bare Bun proxy',
    start: async () => {
      const port = await freePort()
      const url = `http://127.0.0.1:${port}`
      return startServer({
        name: 'bare proxy',
        cmd: [bun, `${here}bare-proxy.ts`, String(port), simUrl],
        cpu: plan.serverCpu,
        readyUrl: `${url}/health`,
        url,
        cwd: root,
      })
    },
  },
  nginx: {
    label: 'nginx proxy_pass',
    start: async () =>
      startNginx({
        dir: `${dir}/nginx`,
        template: await Bun.file(`${here}nginx.conf.template`).text(),
        port: await freePort(),
        upstreamPort: simPort,
        cpu: plan.serverCpu,
        cwd: root,
      }),
  },
  gateway: {
    label: 'gateway',
    start: async () => {
      const port = await freePort()
      const url = `http://127.0.0.1:${port}`
      return startServer({
        name: 'gateway',
        cmd: [bun, 'services/gateway/src/main.ts'],
        env: {
          ...GATEWAY_ENV,
          PORT: String(port),
          HOST: '127.0.0.1',
          VLLM_URL: simUrl,
          QUOTA_DB: `${dir}/quota.db`,
        },
        cpu: plan.serverCpu,
        readyUrl: `${url}/ready`,
        url,
        cwd: root,
        readyTimeoutMs: 30_000,
      })
    },
  },
}

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

try {
  // Every proxy runs for the whole benchmark (an idle one costs nothing) so that each phase can interleave all targets.
  for (const [name, { label, start }] of Object.entries(starters) as Array<
    [Exclude<TargetName, 'direct'>, (typeof starters)['bare']]
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
  const tool = results.find((m) => m.maxThroughput)?.maxThroughput?.tool ?? 'wrk'
  const section = [
    '- Command: `bun run bench gateway` (services/gateway/bench/overhead.bench.ts; `BENCH_QUICK=1` for a smoke run).',
    `- Machine: 2 cores, shared with other engineers' test runs while measured (load average ${loadBefore} at the start, ${loadAverage()} at the end), so the figures are noisy: re-run on a quiet machine before drawing conclusions. Load generator pinned to core ${plan.clientCpu}, simulator and the proxy under test to core ${plan.serverCpu} (\`taskset\`). Date: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC.`,
    `- Latency (ms, from the intended send time): open loop at fixed arrival rates, ${plan.rateSlices} slices of ${plan.sliceMs / 1000} s per target, the four targets taking turns slice by slice so that all see the same background load; in brackets the added latency over direct-to-sim.`,
    `- Max throughput: ${tool} (1 thread on the client core, ${plan.connections} connections, ${plan.maxThroughputS} s).`,
    `- Streaming: ${plan.streamRounds} round(s) of ${plan.streams} concurrent streams of ${plan.streamChunks} chunks ${plan.streamItlMs} ms apart (simulator directives \`[[sim:tokens=${plan.streamChunks}]] [[sim:itl-ms=${plan.streamItlMs}]]\`), targets taking turns round by round; peak RSS of the proxy's process tree (nginx: master + worker) sampled every 100 ms.`,
    `- RSS growth: ${plan.rssRequests} requests from the JS closed loop (${plan.connections} workers) through the gateway, RSS read before, at the middle and after.`,
    `- Every Bun process (load generator, bare proxy, gateway) runs with BUN_CONFIG_MAX_HTTP_REQUESTS=${process.env.BUN_CONFIG_MAX_HTTP_REQUESTS}: Bun's fetch otherwise keeps at most 256 requests in flight per process, which would queue the 400 streams in the client and in both Bun proxies.`,
    '- Simulator: its own process, zero latency for non-streaming (`--sim-ttft-ms 0 --sim-itl-ms 0`). Gateway: auth on (one bench key), rate limit, per-key RPM/TPM, daily token quota (SQLite in a temp dir) and admission control all on with limits far above the load, so every check runs and none rejects; other settings default.',
    `- Ratios divide by at least ${ADDED_FLOOR_MS} ms of the bare proxy's added latency; a phase where over ${COLLAPSE_ERROR_RATE * 100}% of requests fail is "not measured", never a pass.`,
    '',
    table,
  ].join('\n')
  const path = `${root}BENCHMARKS.md`
  // Re-read just before writing: other benchmarks own other sections of the same file.
  const current = await Bun.file(path).text()
  await Bun.write(path, replaceSection(current, 'gateway overhead', section))
  log('wrote the "gateway overhead" section of BENCHMARKS.md')
}
process.exit(0)
