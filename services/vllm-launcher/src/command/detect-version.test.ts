import { describe, expect, test } from 'bun:test'
import { detectVllmVersion } from './detect-version.ts'

const sh = (script: string) => ['sh', '-c', script, 'vllm']

describe('detectVllmVersion', () => {
  test('reads the bare version line that follows vLLM log lines', async () => {
    const detected = await detectVllmVersion(
      sh('echo "INFO 05-01 12:00:00 [__init__.py:1] Automatically detected platform cuda."; echo 0.12.0'),
      5000,
    )
    expect(detected).toMatchObject({ version: { major: 0, minor: 12, patch: 0 }, reason: undefined })
  })

  test('a binary that ignores --version and starts serving is killed at once; its banner gives the version', async () => {
    const started = performance.now()
    const detected = await detectVllmVersion(
      sh(
        'echo "(APIServer pid=1) INFO 11-22 21:31:49 [api_server.py:1] vLLM API server version 0.19.2"; sleep 30',
      ),
      10_000,
    )
    expect(detected.version?.text).toBe('0.19.2')
    expect(performance.now() - started).toBeLessThan(5000)
  })

  test('no version: a missing binary, a failing one, and one that never answers, each with a reason', async () => {
    expect((await detectVllmVersion(['/nonexistent/vllm'], 1000)).reason).toContain('ENOENT')
    expect(await detectVllmVersion(sh('echo usage >&2; exit 2'), 1000)).toEqual({
      version: undefined,
      reason: '`--version` exited 2 without a version',
    })
    expect(await detectVllmVersion(sh('sleep 30'), 100)).toEqual({
      version: undefined,
      reason: '`--version` gave no version within 100 ms',
    })
  })

  test('a version without a trailing newline still counts', async () => {
    expect((await detectVllmVersion(sh('printf 0.9.2'), 5000)).version?.text).toBe('0.9.2')
  })
})
