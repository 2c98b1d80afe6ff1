/** @module Tests for starting services as child processes: a service that dies during start-up fails fast, with its output. */
import { describe, expect, test } from 'bun:test'
import { spawnService } from './spawn-service.ts'

describe('spawnService', () => {
  test('a service that exits during start-up fails at once, with its own error output', async () => {
    const started = Date.now()
    const failing = spawnService({
      entry: 'services/gpu-exporter/src/main.ts',
      env: { PORT: 'not-a-port', LOG_LEVEL: 'silent' },
      readyUrl: 'http://127.0.0.1:9/metrics',
      readyTimeoutMs: 20_000,
    })
    await expect(failing).rejects.toThrow(/exited with [1-9][\s\S]*PORT/)
    expect(Date.now() - started).toBeLessThan(15_000)
  })
})
