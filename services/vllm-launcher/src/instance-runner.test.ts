import { afterAll, describe, expect, test } from 'bun:test'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { createLogger } from '@infergate/logger'
import type { LaunchCommand } from './command/build-command.ts'
import { parseVllmVersion } from './command/vllm-version.ts'
import type { SupervisorPolicy } from './config.ts'
import { createInstanceRunner } from './instance-runner.ts'
import { createLauncherMetrics } from './metrics.ts'

const cache = mkdtempSync(join(tmpdir(), 'runner-cache-'))
const health = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response('') })
afterAll(() => {
  health.stop(true)
  rmSync(cache, { recursive: true, force: true })
})

const policy: SupervisorPolicy = {
  backoff: { initialMs: 50, maxMs: 100, multiplier: 2, jitter: 0 },
  maxRestarts: 3,
  restartWindowMs: 60_000,
  startupGraceMs: 10_000,
  healthIntervalMs: 30,
  healthTimeoutMs: 500,
  failureThreshold: 2,
  killGraceMs: 1000,
}

describe('createInstanceRunner', () => {
  test('spawns the command with its env, forwards output as JSON, updates metrics, warns on a version mismatch', async () => {
    const lines: Record<string, unknown>[] = []
    const destination = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line))
        done()
      },
    })
    const command: LaunchCommand = {
      instance: 'gen',
      argv: [
        'sh',
        '-c',
        'echo "INFO 11-22 21:31:49 [api_server.py:1] vLLM API server version 0.12.0"; echo "$MARK" >&2; exec sleep 30',
      ],
      env: {
        MARK: 'from-env',
        VLLM_CACHE_ROOT: join(cache, 'vllm'),
        TRITON_CACHE_DIR: join(cache, 'triton'),
        TORCHINDUCTOR_CACHE_DIR: join(cache, 'inductor'),
      },
      healthUrl: `http://127.0.0.1:${health.port}/health`,
      warnings: [],
      version: parseVllmVersion('0.11.0'),
    }
    const metrics = createLauncherMetrics(['gen'])
    const runner = createInstanceRunner({
      command,
      policy,
      baseEnv: { PATH: process.env.PATH },
      log: createLogger({ service: 'vllm-launcher', destination }),
      metrics,
    })
    runner.start()
    for (let i = 0; i < 200 && runner.state().phase !== 'ready'; i += 1) await Bun.sleep(10)
    expect(runner.state().phase).toBe('ready')
    expect(runner.pid()).toBeGreaterThan(0)
    expect(await metrics.registry.metrics()).toContain('vllm_launcher_instance_up{instance="gen"} 1')
    for (const dir of ['vllm', 'triton', 'inductor']) expect(existsSync(join(cache, dir))).toBe(true)
    for (let i = 0; i < 200 && !lines.some((l) => l.msg === 'from-env'); i += 1) await Bun.sleep(10)
    expect(lines.find((l) => l.msg === 'from-env')).toMatchObject({
      instance: 'gen',
      stream: 'stderr',
      level: 'warn',
    })
    expect(lines.find((l) => String(l.msg).includes('different version'))).toMatchObject({
      running: '0.12.0',
      assumed: '0.11.0',
    })
    await runner.stop()
    expect(runner.state().phase).toBe('stopped')
    expect(lines.some((l) => l.msg === 'vLLM stopped' && l.instance === 'gen')).toBe(true)
  })

  test('a command that cannot be spawned is logged and counted as a crash', async () => {
    const lines: Record<string, unknown>[] = []
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)))
        done()
      },
    })
    const runner = createInstanceRunner({
      command: {
        instance: 'x',
        argv: ['/nonexistent/vllm', 'serve', 'm'],
        env: { VLLM_CACHE_ROOT: '/proc/forbidden/cache' },
        healthUrl: 'http://127.0.0.1:1/health',
        warnings: [],
        version: undefined,
      },
      policy,
      baseEnv: {},
      log: createLogger({ service: 'vllm-launcher', destination }),
      metrics: createLauncherMetrics(['x']),
    })
    runner.start()
    for (let i = 0; i < 200 && runner.state().phase !== 'failed'; i += 1) await Bun.sleep(10)
    expect(runner.state().phase).toBe('failed')
    expect(lines.some((l) => l.msg === 'cannot start vLLM')).toBe(true)
    expect(lines.some((l) => String(l.msg).includes('compile cache directory'))).toBe(true)
  })
})
