/**
 * @module What tracing costs the gateway: the same gateway with tracing off, on at ratio 1 (every span exported
 * over OTLP/HTTP to a local receiver) and on at ratios 0.1 and 0.01, measured with wrk in rotating turns, by
 * throughput and by gateway CPU per request (read from /proc, steadier than throughput on a shared box). Metrics are
 * always on in every variant; their own cost is measured in process, with the recorder on and off, on a stubbed
 * upstream.
 * Run: `bun run bench observability` (about 2 minutes).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startTracing } from '@infergate/telemetry'
import { countTraceSpans, readTraceRequest } from '@infergate/telemetry/otlp-decode'
import { createMetricsRecorder } from '../src/metrics/recorder.ts'
import type { ForwardOutcome } from '../src/proxy/forward.ts'
import { createRequestTracer } from '../src/telemetry/request-tracing.ts'
import { CHAT_BODY, inProcessGateway, KEY, median, stubUpstreamFetch } from './lib/in-process.ts'
import { freePort, type Server, startServer } from './lib/servers.ts'
import { runWrk } from './lib/wrk.ts'

const ROOT = new URL('../../..', import.meta.url).pathname
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 4)

/** Utime + stime of a process, in microseconds (clock ticks are 10 ms on Linux). */
const cpuUs = (pid: number): number => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
  return (Number(fields[11]) + Number(fields[12])) * 10_000
}

async function measureTracing(dir: string) {
  let spans = 0
  const receiver = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(request) {
      // Counted without decoding: the sink shares the client's core with wrk.
      if (request.headers.get('content-type') === 'application/x-protobuf') {
        spans += countTraceSpans(new Uint8Array(await request.arrayBuffer()))
        return new Response(null, { status: 200 })
      }
      const body = await readTraceRequest(request)
      for (const resource of body.resourceSpans)
        for (const scope of resource.scopeSpans) spans += scope.spans.length
      return new Response(null, { status: 200 })
    },
  })
  const simPort = await freePort()
  const sim = await startServer({
    name: 'sim',
    cmd: [
      process.execPath,
      'services/vllm-sim/src/main.ts',
      'serve',
      'sim-model',
      '--port',
      String(simPort),
      '--host',
      '127.0.0.1',
      '--sim-ttft-ms',
      '0',
      '--sim-itl-ms',
      '0',
      '--sim-ttft-per-token-us',
      '0',
      '--max-num-seqs',
      '100000',
    ],
    cpu: '1',
    readyUrl: `http://127.0.0.1:${simPort}/health`,
    url: `http://127.0.0.1:${simPort}`,
    cwd: ROOT,
    logPath: join(dir, 'sim'),
  })
  const variants: { name: string; env: Record<string, string> }[] = [
    { name: 'tracing off', env: {} },
    {
      name: 'tracing on, ratio 1',
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiver.port}`, OTEL_TRACES_SAMPLER_ARG: '1' },
    },
    ...['0.1', '0.01'].map((ratio) => ({
      name: `tracing on, ratio ${ratio}`,
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiver.port}`,
        OTEL_TRACES_SAMPLER_ARG: ratio,
      },
    })),
  ]
  const gateways: Server[] = []
  for (const [index, variant] of variants.entries()) {
    const port = await freePort()
    gateways.push(
      await startServer({
        name: variant.name,
        cmd: [process.execPath, 'services/gateway/src/main.ts'],
        cpu: '1',
        readyUrl: `http://127.0.0.1:${port}/ready`,
        url: `http://127.0.0.1:${port}`,
        cwd: ROOT,
        env: {
          PORT: String(port),
          HOST: '127.0.0.1',
          VLLM_URL: sim.url,
          GATEWAY_API_KEYS: KEY,
          QUOTA_DB: join(dir, `usage-${index}.db`),
          LOG_LEVEL: 'warn',
          ...variant.env,
        },
        logPath: join(dir, `gateway-${index}`),
      }),
    )
  }
  const results = variants.map(() => ({ rps: [] as number[], cpu: [] as number[] }))
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (let step = 0; step < variants.length; step++) {
        const index = (round + step) % variants.length
        const gateway = gateways[index] as Server
        const before = cpuUs(gateway.pid)
        const run = await runWrk({
          url: `${gateway.url}/v1/chat/completions`,
          connections: 32,
          durationS: SECONDS,
          body: CHAT_BODY,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
          scriptPath: join(dir, 'post.lua'),
          cpu: '0',
        })
        if (run.errors > run.requests * 0.01)
          throw new Error(`${variants[index]?.name}: ${run.errors} errors`)
        results[index]?.rps.push(run.requestsPerS)
        results[index]?.cpu.push((cpuUs(gateway.pid) - before) / run.requests)
      }
    }
  } finally {
    for (const gateway of gateways) await gateway.stop()
    await sim.stop()
    await receiver.stop(true)
  }
  return { variants: variants.map((variant, index) => ({ name: variant.name, ...results[index] })), spans }
}

/**
 * The recorder's share of in-process CPU per request, paired: two gateways, one with the real recorder and one whose
 * per-request recording is a no-op from the start, alternating batches. (Swapping the methods of one live recorder
 * back and forth changes its shape at every swap and charges the deoptimisations to the recorder.)
 */
async function measureMetrics(): Promise<{ on: number; off: number }> {
  const restoreFetch = stubUpstreamFetch()
  try {
    const real = await inProcessGateway()
    const silent = createMetricsRecorder()
    const off = await inProcessGateway(
      {},
      {
        metrics: {
          ...silent,
          recordOutcome() {},
          recordError() {},
          recordTokenGap() {},
          recordUpstreamResult() {},
        },
      },
    )
    for (const gateway of [real, off]) await gateway.cpuPerRequest(3000)
    const on: number[] = []
    const without: number[] = []
    for (let round = 0; round < 10; round++) {
      on.push(await real.cpuPerRequest(2000))
      without.push(await off.cpuPerRequest(2000))
    }
    for (const gateway of [real, off]) await gateway.deps.close()
    return { on: median(on), off: median(without) }
  } finally {
    restoreFetch()
  }
}

/** An OTLP receiver in its own process on the client core, so that what it does is not counted as the sender's. */
async function startSink(dir: string, name: string): Promise<Server> {
  const port = await freePort()
  const script = join(dir, `${name}.ts`)
  await Bun.write(
    script,
    `Bun.serve({ hostname: '127.0.0.1', port: ${port}, fetch: async (r) => { await r.arrayBuffer(); return new Response(null) } })`,
  )
  return startServer({
    name,
    cmd: [process.execPath, script],
    cpu: '0',
    readyUrl: `http://127.0.0.1:${port}/`,
    url: `http://127.0.0.1:${port}`,
    cwd: ROOT,
    logPath: join(dir, name),
  })
}

/**
 * Tracing's share of in-process CPU per request, paired: the same app with tracing off, at ratio 0.01 and at ratio 1,
 * exporting for real over OTLP/HTTP to a receiver in another process, alternating batches.
 */
async function measureTracingInProcess(dir: string): Promise<{ off: number; sampled: number; all: number }> {
  const receiver = await startSink(dir, 'in-process-sink')
  const restoreFetch = stubUpstreamFetch()
  try {
    const endpoint = receiver.url
    const off = await inProcessGateway()
    const sampled = await inProcessGateway({
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_TRACES_SAMPLER_ARG: '0.01',
    })
    const all = await inProcessGateway({
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_TRACES_SAMPLER_ARG: '1',
    })
    for (const gateway of [off, sampled, all]) await gateway.cpuPerRequest(3000)
    const results = { off: [] as number[], sampled: [] as number[], all: [] as number[] }
    for (let round = 0; round < 9; round++) {
      results.off.push(await off.cpuPerRequest(2000))
      results.sampled.push(await sampled.cpuPerRequest(2000))
      results.all.push(await all.cpuPerRequest(2000))
    }
    for (const gateway of [off, sampled, all]) await gateway.deps.close()
    return { off: median(results.off), sampled: median(results.sampled), all: median(results.all) }
  } finally {
    restoreFetch()
    await receiver.stop()
  }
}

/**
 * A kept trace's own cost, away from the gateway: the request tracer builds a request's two spans as the gateway
 * does and records them, the export path encodes and sends them to a receiver in another process. CPU of this
 * process per request, median of rounds, for each OTLP encoding and with the export left out.
 */
async function measureExportPath(dir: string): Promise<Record<string, number>> {
  const receiver = await startSink(dir, 'export-path-sink')
  const outcome: ForwardOutcome = {
    status: 200,
    model: 'sim-model',
    upstream: 'http://127.0.0.1:8000',
    usage: { prompt_tokens: 10, completion_tokens: 16, total_tokens: 26 },
    ttftMs: undefined,
    finishReasons: ['length'],
    streamOutcome: undefined,
    contentChunks: 0,
    attempts: 1,
    upstreamMs: 1,
  }
  const body = { model: 'sim-model', messages: [], max_tokens: 16 }
  const cpuUs = () => {
    const usage = process.cpuUsage()
    return usage.user + usage.system
  }
  const results: Record<string, number> = {}
  try {
    for (const variant of ['http/protobuf', 'http/json', 'spans built, not exported'] as const) {
      const exporting = variant !== 'spans built, not exported'
      const tracing = startTracing({
        serviceName: 'infergate-gateway',
        endpoint: receiver.url,
        ...(exporting ? { protocol: variant } : {}),
      })
      const tracer = createRequestTracer(exporting ? tracing : { record() {} }, {
        sampleRatio: 1,
        slowMs: 5000,
      })
      const rounds: number[] = []
      const perRound = 20_000
      for (let round = 0; round < 7; round++) {
        const before = cpuUs()
        for (let index = 0; index < perRound; index++) {
          const hex = (index + round * perRound).toString(16).padStart(16, '0')
          const trace = tracer.start({
            endpoint: 'chat',
            route: '/v1/chat/completions',
            requestId: hex,
            body,
            incoming: undefined,
            traceparent: `00-${hex}${hex}-${hex}-01`,
            startedAt: performance.now(),
          })
          trace.startUpstream('http://127.0.0.1:8000', 1).end(200)
          trace.end(outcome)
          // Lets the exporter's sockets run, as a server's event loop would between requests.
          if (index % 256 === 255) await Bun.sleep(0)
        }
        await tracing.flush()
        // The first rounds warm the JIT and the connection.
        if (round >= 2) rounds.push((cpuUs() - before) / perRound)
      }
      await tracing.shutdown()
      results[variant] = median(rounds)
    }
  } finally {
    await receiver.stop()
  }
  return results
}

const dir = mkdtempSync(join(tmpdir(), 'infergate-observability-'))
try {
  const tracing = await measureTracing(dir)
  const metrics = await measureMetrics()
  const inProcess = await measureTracingInProcess(dir)
  const exportPath = await measureExportPath(dir)
  const base = tracing.variants[0]
  const lines = [
    `observability overhead, ${ROUNDS} rounds × ${SECONDS} s per variant, wrk 32 connections (client core 0, servers core 1)`,
    '',
    '| variant | req/s median | vs off | gateway CPU µs/req median | vs off |',
    '|---|---|---|---|---|',
  ]
  for (const variant of tracing.variants) {
    const rps = median(variant.rps ?? [])
    const cpu = median(variant.cpu ?? [])
    const rpsRatio = rps / median(base?.rps ?? [])
    const cpuRatio = cpu / median(base?.cpu ?? [])
    lines.push(
      `| ${variant.name} | ${rps.toFixed(0)} | ${(100 * (rpsRatio - 1)).toFixed(1)}% | ${cpu.toFixed(0)} | ${(100 * (cpuRatio - 1)).toFixed(1)}% |`,
    )
  }
  lines.push('', `spans received by the OTLP sink: ${tracing.spans}`)
  lines.push(
    `metrics recorder, in process (stubbed upstream): ${metrics.on.toFixed(1)} µs/req with, ${metrics.off.toFixed(1)} µs/req without (${(100 * (metrics.on / metrics.off - 1)).toFixed(1)}%)`,
  )
  const share = (value: number) => `${(100 * (value / inProcess.off - 1)).toFixed(1)}%`
  lines.push(
    `tracing, in process (stubbed upstream, paired): off ${inProcess.off.toFixed(1)} µs/req, ratio 0.01 ${inProcess.sampled.toFixed(1)} µs/req (${share(inProcess.sampled)}), ratio 1 ${inProcess.all.toFixed(1)} µs/req (${share(inProcess.all)})`,
  )
  lines.push(
    `a kept request's two spans, built and exported away from the gateway (CPU per request, median): ${Object.entries(
      exportPath,
    )
      .map(([variant, us]) => `${variant} ${us.toFixed(2)} µs`)
      .join(', ')}`,
  )
  console.log(lines.join('\n'))
} finally {
  rmSync(dir, { recursive: true, force: true })
}
