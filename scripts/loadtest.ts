/**
 * @module `bun run loadtest`: drives an OpenAI-compatible server (the gateway by default) and prints TTFT / ITL / E2E
 * percentiles, throughput and an error breakdown. Settings come from the environment or flags (flags win); `--json`
 * prints one JSON document on stdout. Exit codes: 0 done, 1 nothing succeeded or the model could not be found,
 * 2 bad settings.
 */
import {
  createChatRequests,
  createRecorder,
  fetchLimitEnv,
  formatProgress,
  formatReport,
  LOADTEST_SPEC,
  type LoadtestConfig,
  parseFlags,
  readLoadtestConfig,
  runClosedLoop,
  runOpenLoop,
} from '@infergate/loadgen'

const USAGE = `usage: bun run loadtest [--flag value ...] [--json]
Every flag has an environment variable of the same name in upper case (flags win):
  --target-url URL     server to load (TARGET_URL, default http://127.0.0.1:8080)
  --concurrency N      closed-loop workers (CONCURRENCY, default 8)
  --rate R             open loop at R requests/s instead of a closed loop (RATE)
  --duration D         how long to send, e.g. 30s, 500ms, 2m (DURATION, default 30s)
  --stream / --no-stream   streaming requests (STREAM=1/0, default 1)
  --prompt-mix MIX     e.g. short:70,long:30 or short=100:70,long=4000:30 (PROMPT_MIX; short=64, medium=512, long=2048 tokens)
  --max-tokens N       max_tokens per request (MAX_TOKENS, default 64)
  --api-key KEY        sent as Authorization: Bearer KEY (API_KEY)
  --model NAME         model to request (MODEL, default: the first from GET /v1/models)
  --timeout D          per-request timeout (TIMEOUT, default 60s)
  --json               print one JSON document instead of the text report`

function settings(): { config: LoadtestConfig; json: boolean } {
  try {
    const flags = parseFlags(process.argv.slice(2))
    if (flags.help) {
      console.log(USAGE)
      process.exit(0)
    }
    const env: Record<string, string | undefined> = {}
    for (const name of Object.keys(LOADTEST_SPEC)) env[name] = flags.env[name] ?? process.env[name]
    return { config: readLoadtestConfig(env), json: flags.json }
  } catch (error) {
    console.error(`loadtest: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`)
    process.exit(2)
  }
}

async function firstModel(config: LoadtestConfig): Promise<string> {
  if (config.MODEL) return config.MODEL
  const headers: Record<string, string> = config.API_KEY ? { authorization: `Bearer ${config.API_KEY}` } : {}
  try {
    const response = await fetch(`${config.TARGET_URL}/v1/models`, {
      headers,
      signal: AbortSignal.timeout(10_000),
    })
    const body = (await response.json()) as { data?: Array<{ id?: unknown }> }
    const id = body.data?.[0]?.id
    if (response.ok && typeof id === 'string') return id
    throw new Error(`HTTP ${response.status}, no model in the answer`)
  } catch (error) {
    console.error(
      `loadtest: cannot list models at ${config.TARGET_URL}/v1/models (${error instanceof Error ? error.message : error}); set MODEL or --model`,
    )
    process.exit(1)
  }
}

const { config, json } = settings()
// An open loop can have any number in flight; a closed loop has CONCURRENCY. Bun's fetch would queue the excess.
const raise = fetchLimitEnv(process.env, config.RATE === undefined ? config.CONCURRENCY : 4096)
if (raise) {
  const child = Bun.spawn([process.execPath, ...process.argv.slice(1)], {
    env: { ...process.env, ...raise },
    stdio: ['inherit', 'inherit', 'inherit'],
  })
  // A terminal's Ctrl-C reaches both processes; a kill -INT of this one is passed on. Stopping twice is harmless.
  process.on('SIGINT', () => child.kill('SIGINT'))
  process.exit(await child.exited)
}
const model = await firstModel(config)
const mode = config.RATE === undefined ? 'closed' : 'open'
const describe =
  mode === 'open' ? `open loop at ${config.RATE} req/s` : `closed loop with ${config.CONCURRENCY} workers`
const mix = config.PROMPT_MIX.map((item) => `${item.name}=${item.tokens}:${item.weight}`).join(',')
// A plain write: console.error would colour this informational line red on a terminal.
process.stderr.write(
  `loadtest: ${describe} for ${config.DURATION / 1000}s, ${config.STREAM ? 'streaming' : 'non-streaming'}, ` +
    `prompts ${mix}, max_tokens ${config.MAX_TOKENS} → ${config.TARGET_URL} (model ${model})\n`,
)

const recorder = createRecorder()
const stop = new AbortController()
process.on('SIGINT', () => stop.abort())
const started = performance.now()
const tty = process.stderr.isTTY === true
const ticker = setInterval(() => {
  const line = formatProgress(recorder.progress(), performance.now() - started, config.DURATION)
  // On a terminal the line is rewritten in place; in logs and pipes each update is its own line.
  process.stderr.write(tty ? `\r\x1b[2K${line}` : `${line}\n`)
}, 1000)

const common = {
  requests: createChatRequests({
    baseUrl: config.TARGET_URL,
    model,
    stream: config.STREAM,
    maxTokens: config.MAX_TOKENS,
    mix: config.PROMPT_MIX,
    ...(config.API_KEY ? { apiKey: config.API_KEY } : {}),
  }),
  durationMs: config.DURATION,
  timeoutMs: config.TIMEOUT,
  signal: stop.signal,
  recorder,
}
const report =
  config.RATE === undefined
    ? await runClosedLoop({ ...common, concurrency: config.CONCURRENCY })
    : await runOpenLoop({ ...common, ratePerS: config.RATE })
clearInterval(ticker)
if (tty) process.stderr.write('\r\x1b[2K')

if (json) {
  const settingsOut = {
    targetUrl: config.TARGET_URL,
    model,
    mode,
    concurrency: mode === 'closed' ? config.CONCURRENCY : null,
    ratePerS: config.RATE ?? null,
    durationS: config.DURATION / 1000,
    stream: config.STREAM,
    promptMix: config.PROMPT_MIX,
    maxTokens: config.MAX_TOKENS,
  }
  console.log(JSON.stringify({ settings: settingsOut, ...report }, null, 2))
} else {
  console.log(formatReport(report))
}
process.exit(report.ok === 0 ? 1 : 0)
