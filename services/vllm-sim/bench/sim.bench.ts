/**
 * @module Benchmark of the simulator alone (`bun run bench vllm-sim`): non-streaming requests/s in zero-latency
 * mode (the figure the gateway's overhead benchmark must stay well under) and how many concurrent 50 ms-ITL
 * streams it holds on time. The simulator runs as its own process (`main.ts`, as the launcher starts it); the
 * load comes from @infergate/loadgen's closed loop and, when installed, wrk. Bounded: about 90 s in all.
 */
import { createChatRequests, type LoadReport, runClosedLoop } from '@infergate/loadgen'

const MAIN = new URL('../src/main.ts', import.meta.url).pathname
const RUNS = 3
const RUN_MS = 4000
const STREAM_ITL_MS = 50
const STREAM_TOKENS = 40
const STREAM_LEVELS = [250, 500, 1000, 2000, 4000]

// Bun's fetch keeps at most 256 requests in flight per process unless told otherwise; the stream test needs more.
if (process.env.BUN_CONFIG_MAX_HTTP_REQUESTS === undefined) {
  const child = Bun.spawn([process.execPath, import.meta.path], {
    env: { ...process.env, BUN_CONFIG_MAX_HTTP_REQUESTS: '16384' },
    stdio: ['inherit', 'inherit', 'inherit'],
  })
  process.exit(await child.exited)
}

interface SimProcess {
  url: string
  /** CPU seconds the simulator process has used so far (user + system). */
  cpuSeconds(): Promise<number>
  stop(): Promise<void>
}

const TICKS_PER_SECOND =
  Number(new TextDecoder().decode(Bun.spawnSync(['getconf', 'CLK_TCK']).stdout).trim()) || 100

async function startSimProcess(flags: string[]): Promise<SimProcess> {
  const child = Bun.spawn(
    [
      process.execPath,
      MAIN,
      'serve',
      'bench-model',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--max-num-seqs',
      '100000',
      '--sim-stats-interval-ms',
      '0',
      ...flags,
    ],
    { stdout: 'pipe', stderr: 'inherit' },
  )
  const reader = (child.stdout as ReadableStream<Uint8Array>).getReader()
  let text = ''
  const deadline = performance.now() + 10_000
  while (!text.includes('Application startup complete.') && performance.now() < deadline) {
    const { done, value } = await reader.read()
    if (done) break
    text += new TextDecoder().decode(value)
  }
  reader.releaseLock()
  const port = /Starting vLLM API server 0 on http:\/\/127\.0\.0\.1:(\d+)/.exec(text)?.[1]
  if (port === undefined) throw new Error(`simulator did not start:\n${text}`)
  return {
    url: `http://127.0.0.1:${port}`,
    async cpuSeconds() {
      // Fields 14 and 15 of /proc/PID/stat (after the parenthesised name) are utime and stime in ticks.
      const fields = (await Bun.file(`/proc/${child.pid}/stat`).text()).split(') ')[1]?.split(' ') ?? []
      return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND
    },
    async stop() {
      child.kill('SIGTERM')
      await child.exited
    },
  }
}

const median = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN
const round = (value: number, digits = 0) => Number(value.toFixed(digits))

async function closedLoop(
  url: string,
  stream: boolean,
  concurrency: number,
  durationMs: number,
  suffix = '',
): Promise<LoadReport> {
  return runClosedLoop({
    requests: createChatRequests({
      baseUrl: url,
      model: 'bench-model',
      stream,
      maxTokens: 16,
      mix: [{ name: 'short', tokens: 24, weight: 1 }],
      ...(suffix === '' ? {} : { promptSuffix: suffix }),
    }),
    concurrency,
    durationMs,
    timeoutMs: 30_000,
  })
}

async function wrkRps(url: string): Promise<number | undefined> {
  if (Bun.which('wrk') === null) return undefined
  const script = `/tmp/vllm-sim-bench-${process.pid}.lua`
  await Bun.write(
    script,
    `wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = '${JSON.stringify({
      model: 'bench-model',
      messages: [{ role: 'user', content: 'Hello there, how are you doing today? Tell me a short story.' }],
      max_tokens: 16,
    })}'\n`,
  )
  const results: number[] = []
  for (let run = 0; run < RUNS; run += 1) {
    const child = Bun.spawn(
      ['wrk', '-t1', '-c64', `-d${RUN_MS / 1000}s`, '-s', script, `${url}/v1/chat/completions`],
      {
        stdout: 'pipe',
      },
    )
    const output = await new Response(child.stdout).text()
    await child.exited
    const rps = /Requests\/sec:\s+([\d.]+)/.exec(output)?.[1]
    if (rps !== undefined) results.push(Number(rps))
  }
  return median(results)
}

const machine = `${navigator.hardwareConcurrency} cores, load average ${(await Bun.file('/proc/loadavg').text()).split(' ').slice(0, 3).join(' ')} at start`
console.log(`vllm-sim benchmark, ${new Date().toISOString()}, ${machine}`)

// 1. Zero-latency throughput: what the simulator answers when nothing waits.
const fast = await startSimProcess([
  '--sim-ttft-ms',
  '0',
  '--sim-ttft-per-token-us',
  '0',
  '--sim-itl-ms',
  '0',
  '--sim-jitter',
  '0',
  '--sim-output-tokens',
  '16',
])
await closedLoop(fast.url, false, 64, 1000)
const nonStream: LoadReport[] = []
const streamed: LoadReport[] = []
const cpuShare: number[] = []
for (let run = 0; run < RUNS; run += 1) {
  const cpuBefore = await fast.cpuSeconds()
  const report = await closedLoop(fast.url, false, 64, RUN_MS)
  cpuShare.push(((await fast.cpuSeconds()) - cpuBefore) / report.durationS)
  nonStream.push(report)
  streamed.push(await closedLoop(fast.url, true, 64, RUN_MS))
}
const wrk = await wrkRps(fast.url)
await fast.stop()

const summary = {
  nonStreamRps: round(median(nonStream.map((report) => report.requestsPerS))),
  nonStreamP50Ms: round(median(nonStream.map((report) => report.e2eMs.p50)), 2),
  nonStreamP99Ms: round(median(nonStream.map((report) => report.e2eMs.p99)), 2),
  /** Cores the simulator used meanwhile: below 1 means the load generator, not the simulator, set the pace. */
  simCpuCores: round(median(cpuShare), 2),
  streamRps: round(median(streamed.map((report) => report.requestsPerS))),
  errors: [...nonStream, ...streamed].reduce((sum, report) => sum + report.errors.total, 0),
  wrkNonStreamRps: wrk === undefined ? 'wrk not installed' : round(wrk),
}
console.log('zero latency, 16 tokens, 64 connections (medians of 3 × 4 s):', JSON.stringify(summary))

// 2. Concurrent streams at 50 ms ITL: the most the simulator keeps on schedule.
const slow = await startSimProcess([
  '--sim-ttft-ms',
  '0',
  '--sim-ttft-per-token-us',
  '0',
  '--sim-itl-ms',
  String(STREAM_ITL_MS),
  '--sim-jitter',
  '0',
  '--sim-output-tokens',
  String(STREAM_TOKENS),
])
let held = 0
for (const level of STREAM_LEVELS) {
  const cpuBefore = await slow.cpuSeconds()
  const report = await closedLoop(slow.url, true, level, 5000)
  const row = {
    simCpuCores: round(((await slow.cpuSeconds()) - cpuBefore) / report.durationS, 2),
    streams: level,
    ok: report.ok,
    errors: report.errors.total,
    itlP50Ms: round(report.itlMs.p50, 1),
    itlP99Ms: round(report.itlMs.p99, 1),
    ttftP99Ms: round(report.ttftMs.p99, 1),
    tokensPerS: round(report.tokensPerS),
  }
  // On time: the median gap is the configured ITL and the slowest 1% are at most twice it.
  const onTime =
    report.errors.total === 0 &&
    report.itlMs.p50 <= STREAM_ITL_MS * 1.1 &&
    report.itlMs.p99 <= STREAM_ITL_MS * 2
  console.log(`${onTime ? 'holds' : 'late '} ${JSON.stringify(row)}`)
  if (onTime) held = level
  // A busy shared box makes one level late by chance; only a clear miss ends the ramp.
  else if (report.errors.total > 0 || report.itlMs.p50 > STREAM_ITL_MS * 2) break
}
await slow.stop()
console.log(
  `most concurrent ${STREAM_ITL_MS} ms-ITL streams held on time (p50 ITL ≤ ${round(STREAM_ITL_MS * 1.1, 1)} ms, p99 ≤ ${STREAM_ITL_MS * 2} ms, no errors): ${held}`,
)
