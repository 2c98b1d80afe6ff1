/** Integration: the launcher supervising vllm-sim (and a SIGTERM-deaf double) as real processes. */
import { afterEach, describe, expect, test } from 'bun:test'
import {
  DEAF_BIN,
  FAST,
  freePort,
  isAlive,
  type LauncherRun,
  msgIs,
  runLauncher,
  SIM_BIN,
  scrape,
  waitGone,
} from './launcher-process.ts'

const runs: LauncherRun[] = []
const launch = (env: Record<string, string>, args: string[] = []) => {
  const run = runLauncher(env, args)
  runs.push(run)
  return run
}
afterEach(async () => {
  for (const run of runs.splice(0)) if (run.proc.exitCode === null) await run.stop()
})

const spawnedPids = (run: LauncherRun) =>
  run.lines.filter(msgIs('spawned vLLM')).map((line) => Number(line.pid))

describe('vllm-launcher with vllm-sim', () => {
  test('starts vLLM, reports start-up milestones and readiness, and SIGTERM leaves no process behind', async () => {
    const port = freePort()
    const run = launch({ ...FAST, VLLM_BIN: SIM_BIN, VLLM_PORT: String(port), VLLM_API_KEY: 'sk-test' })
    const metrics = await run.metricsUrl()
    await run.waitFor(msgIs('vLLM ready after'), 15_000, 'ready')
    const [pid] = spawnedPids(run)
    expect(pid).toBeGreaterThan(0)
    expect(run.lines.find((line) => line.milestone === 'ready')).toMatchObject({ step: 10, instance: 'vllm' })
    expect(run.lines.some((line) => line.stream === 'stdout' && line.process === 'APIServer')).toBe(true)
    // The key reached the sim through the environment: the API needs it, /health does not.
    expect((await fetch(`http://127.0.0.1:${port}/v1/models`)).status).toBe(401)
    const models = await fetch(`http://127.0.0.1:${port}/v1/models`, {
      headers: { authorization: 'Bearer sk-test' },
    })
    expect(models.status).toBe(200)
    expect(JSON.stringify(run.lines)).not.toContain('sk-test')

    const text = await scrape(metrics)
    expect(text).toContain('vllm_launcher_instance_up{instance="vllm"} 1')
    expect(text).toContain('vllm_launcher_instance_state{instance="vllm",state="ready"} 1')
    expect(text).toMatch(/vllm_launcher_startup_seconds\{instance="vllm"\} [0-9.]+/)
    expect((await fetch(`${metrics}/health`)).status).toBe(200)

    expect(await run.stop()).toBe(0)
    expect(await waitGone(pid ?? -1)).toBe(true)
    expect(run.lines.some(msgIs('all vLLM instances stopped'))).toBe(true)
  }, 30_000)

  test('crash → restart after the backoff delay; the restart cap then gives up loudly', async () => {
    const run = launch({
      ...FAST,
      VLLM_BIN: SIM_BIN,
      VLLM_PORT: String(freePort()),
      VLLM_EXTRA_ARGS: '--sim-crash-after-ms 200',
      RESTART_MAX: '2',
    })
    const metrics = await run.metricsUrl()
    const gaveUp = await run.waitFor(msgIs('GAVE UP'), 25_000, 'the give-up')
    expect(gaveUp).toMatchObject({ level: 'fatal', restarts: 2, code: 1 })
    const restarts = run.lines.filter(msgIs('restarting in'))
    expect(restarts.map((line) => line.reason)).toEqual(['crash', 'crash'])
    // Each crash follows a successful start, which resets the exponent: the delay is the initial one.
    for (const line of restarts) expect(line.delayMs).toBe(100)
    expect(new Set(spawnedPids(run)).size).toBe(3)
    const text = await scrape(metrics)
    expect(text).toContain('vllm_launcher_restarts_total{instance="vllm",reason="crash"} 2')
    expect(text).toContain('vllm_launcher_gave_up{instance="vllm"} 1')
    expect(text).toContain('vllm_launcher_instance_state{instance="vllm",state="failed"} 1')
    const health = await fetch(`${metrics}/health`)
    expect(health.status).toBe(503)
    expect(await health.json()).toEqual({ status: 'failed', instances: { vllm: 'failed' } })
    // Given up is not stopped: the launcher stays up so the failure stays visible to Prometheus.
    expect(run.proc.exitCode).toBeNull()
  }, 30_000)

  test('a vLLM that dies before it is ever ready is restarted with exponentially growing delays', async () => {
    const run = launch({
      ...FAST,
      VLLM_BIN: `sh -c "sleep 0.05; exit 3" vllm`,
      VLLM_PORT: String(freePort()),
      RESTART_MAX: '3',
    })
    await run.waitFor(msgIs('GAVE UP'), 20_000, 'the give-up')
    const restarts = run.lines.filter(msgIs('restarting in'))
    expect(restarts.map((line) => [line.reason, line.code, line.delayMs])).toEqual([
      ['crash', 3, 100],
      ['crash', 3, 200],
      ['crash', 3, 400],
    ])
  }, 30_000)

  test('hang → SIGTERM after N failed health checks, then a restart counted as hang', async () => {
    const run = launch({
      ...FAST,
      VLLM_BIN: SIM_BIN,
      VLLM_PORT: String(freePort()),
      VLLM_EXTRA_ARGS: '--sim-hang-after-ms 300',
    })
    const metrics = await run.metricsUrl()
    await run.waitFor(
      (line) => line.msg === 'vLLM process started' && line.generation === 2,
      20_000,
      'restart',
    )
    const failures = run.lines.filter(msgIs('health check failed')).map((line) => line.failures)
    expect(failures.slice(0, 2)).toEqual([1, 2])
    expect(run.lines.find(msgIs('sending SIGTERM'))).toMatchObject({ reason: 'hang', level: 'error' })
    expect(run.lines.find(msgIs('restarting in'))).toMatchObject({ reason: 'hang' })
    const text = await scrape(metrics)
    expect(text).toContain('vllm_launcher_restarts_total{instance="vllm",reason="hang"} 1')
    expect(text).toMatch(/vllm_launcher_health_check_failures_total\{instance="vllm"\} [2-9]/)
  }, 30_000)

  test('two instances from one config: generation and embedding (--runner pooling) on their own ports', async () => {
    const genPort = freePort()
    const embedPort = freePort()
    const run = launch({
      ...FAST,
      VLLM_BIN: SIM_BIN,
      INSTANCES: 'gen,embed',
      GEN_MODEL_NAME: 'chat-model',
      GEN_VLLM_PORT: String(genPort),
      GEN_CUDA_VISIBLE_DEVICES: '0',
      EMBED_MODEL_NAME: 'embed-model',
      EMBED_RUNNER: 'pooling',
      EMBED_VLLM_PORT: String(embedPort),
      EMBED_CUDA_VISIBLE_DEVICES: '1',
    })
    const metrics = await run.metricsUrl()
    await run.waitFor(
      (line) => line.msg?.startsWith('vLLM ready') === true && line.instance === 'gen',
      20_000,
    )
    await run.waitFor(
      (line) => line.msg?.startsWith('vLLM ready') === true && line.instance === 'embed',
      20_000,
    )
    const embed = await fetch(`http://127.0.0.1:${embedPort}/v1/embeddings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'embed-model', input: 'hello' }),
    })
    expect(embed.status).toBe(200)
    const spawned = run.lines.filter(msgIs('spawned vLLM'))
    expect(spawned.find((line) => line.instance === 'embed')?.argv).toEqual(
      expect.arrayContaining(['--runner', 'pooling']),
    )
    expect(spawned.find((line) => line.instance === 'gen')?.argv).not.toContain('--runner')
    const text = await scrape(metrics)
    expect(text).toContain('vllm_launcher_instance_up{instance="gen"} 1')
    expect(text).toContain('vllm_launcher_instance_up{instance="embed"} 1')
    expect(await run.stop()).toBe(0)
    for (const line of spawned) expect(await waitGone(Number(line.pid))).toBe(true)
  }, 30_000)
})

describe('vllm-launcher with a vLLM that ignores SIGTERM', () => {
  test('hang → SIGTERM, SIGKILL after the grace (whole process group), then restart', async () => {
    const run = launch({ ...FAST, VLLM_BIN: DEAF_BIN, VLLM_PORT: String(freePort()), DEAF_HEALTHY_MS: '300' })
    await run.waitFor(
      (line) => line.msg === 'vLLM process started' && line.generation === 2,
      20_000,
      'restart',
    )
    const kills = run.lines.filter(msgIs('sending SIG')).map((line) => line.signal)
    expect(kills.slice(0, 2)).toEqual(['SIGTERM', 'SIGKILL'])
    expect(run.lines.some((line) => line.msg === 'ignoring SIGTERM')).toBe(true)
    expect(run.lines.find(msgIs('restarting in'))).toMatchObject({ reason: 'hang', signal: 'SIGKILL' })
    const grandchild = Number(
      run.lines.find((line) => line.msg?.startsWith('grandchild=') === true)?.msg?.split('=')[1],
    )
    expect(await waitGone(grandchild)).toBe(true)
  }, 30_000)

  test('SIGTERM to the launcher: the child and its grandchild are gone when it exits, no orphans', async () => {
    const run = launch({
      ...FAST,
      VLLM_BIN: DEAF_BIN,
      VLLM_PORT: String(freePort()),
      DEAF_HEALTHY_MS: '60000',
    })
    await run.waitFor(msgIs('vLLM ready after'), 15_000, 'ready')
    const grandchildLine = await run.waitFor((line) => line.msg?.startsWith('grandchild=') === true)
    const grandchild = Number(grandchildLine.msg?.split('=')[1])
    const [child] = spawnedPids(run)
    expect(isAlive(grandchild)).toBe(true)
    expect(await run.stop()).toBe(0)
    expect(await waitGone(child ?? -1)).toBe(true)
    expect(await waitGone(grandchild)).toBe(true)
  }, 30_000)
})

describe('vllm-launcher configuration errors and dry run', () => {
  test('a bad configuration exits 2 before launching anything, naming every bad variable', async () => {
    const run = launch({
      VLLM_BIN: SIM_BIN,
      GPU_MEMORY_UTILIZATION: '1.5',
      TP_SIZE: '0',
      MAX_NUM_SEQS: 'lots',
      QUANTIZATION: 'int3',
    })
    expect(await run.proc.exited).toBe(2)
    await Bun.sleep(0)
    const stderr = run.stderr()
    for (const name of ['MODEL_NAME', 'GPU_MEMORY_UTILIZATION', 'TP_SIZE', 'MAX_NUM_SEQS', 'QUANTIZATION'])
      expect(stderr).toContain(`${name}=`)
    expect(run.lines.filter(msgIs('spawned'))).toEqual([])
  })

  test('a metrics port already in use stops the launcher before it starts any vLLM', async () => {
    const busy = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response('') })
    try {
      const run = launch({ ...FAST, VLLM_BIN: SIM_BIN, LAUNCHER_METRICS_PORT: String(busy.port) })
      expect(await run.proc.exited).toBe(1)
      await run.waitFor(msgIs('cannot listen for metrics'))
      expect(run.lines.filter(msgIs('spawned'))).toEqual([])
    } finally {
      busy.stop(true)
    }
  })

  test('--dry-run prints the version-aware command and environment with secrets masked, and starts nothing', async () => {
    const run = launch(
      {
        ...FAST,
        VLLM_BIN: SIM_BIN,
        VLLM_VERSION: '0.17.0',
        SWAP_SPACE_GB: '4',
        RUNNER: 'pooling',
        VLLM_API_KEY: 'sk-very-secret',
        HF_TOKEN: 'hf_secret',
      },
      ['--dry-run', '--enforce-eager'],
    )
    expect(await run.proc.exited).toBe(0)
    const text = run.lines.map((line) => line.msg).join('\n')
    expect(text).toContain('# instance vllm (vLLM 0.17.0)')
    expect(text).toContain("VLLM_API_KEY='[REDACTED]'")
    expect(text).toContain("HF_TOKEN='[REDACTED]'")
    expect(text).toContain('TORCH_NCCL_BLOCKING_WAIT=1')
    expect(text).toMatch(
      /serve test\/model --host 127\.0\.0\.1 --port 8000 .*--swap-space 4 --runner pooling --enforce-eager/,
    )
    expect(text).not.toContain('secret')
  })

  test('without VLLM_VERSION the version comes from the binary, and a binary that serves instead is stopped', async () => {
    const port = freePort()
    const { VLLM_VERSION: _unused, ...rest } = FAST
    const run = launch({ ...rest, VLLM_BIN: SIM_BIN, VLLM_PORT: String(port), SWAP_SPACE_GB: '4' }, [
      '--dry-run',
    ])
    expect(await run.proc.exited).toBe(0)
    const text = run.lines.map((line) => line.msg).join('\n')
    // The sim's banner says 0.11.0: below 0.18, so --swap-space is passed.
    expect(text).toContain('# instance vllm (vLLM 0.11.0)')
    expect(text).toContain('--swap-space 4')
  })
})
