import { afterAll, describe, expect, test } from 'bun:test'
import { chmod, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createSmiRunner } from './runner.ts'

const dir = await mkdtemp(join(tmpdir(), 'gpu-exporter-runner-'))
afterAll(() => rm(dir, { recursive: true, force: true }))

async function script(name: string, body: string, mode = 0o755): Promise<string> {
  const path = join(dir, name)
  await Bun.write(path, `#!/bin/sh\n${body}\n`)
  await chmod(path, mode)
  return path
}

describe('createSmiRunner', () => {
  test('returns stdout, and passes the arguments through', async () => {
    const runner = createSmiRunner({ path: await script('echo', 'echo "args: $*"'), timeoutMs: 5000 })
    expect(await runner.run(['-q', '-x'])).toEqual({ ok: true, stdout: 'args: -q -x\n', stderr: '' })
    expect(runner.spawned).toBe(1)
  })

  test('stderr alongside exit 0 is not a failure (node-nvidia-smi would fail here)', async () => {
    const runner = createSmiRunner({
      path: await script('warn', 'echo warning >&2; echo data'),
      timeoutMs: 5000,
    })
    expect(await runner.run([])).toEqual({ ok: true, stdout: 'data\n', stderr: 'warning\n' })
  })

  test('a missing binary is a clear failure, not a throw', async () => {
    const runner = createSmiRunner({ path: join(dir, 'no-such-nvidia-smi'), timeoutMs: 5000 })
    const result = await runner.run(['-q', '-x'])
    expect(result.ok).toBe(false)
    expect(!result.ok && result.error).toContain('not found')
    expect(!result.ok && result.error).toContain('NVIDIA_SMI_PATH')
  })

  test('a file that is not executable is reported as a permission problem', async () => {
    const runner = createSmiRunner({ path: await script('noexec', 'echo hi', 0o644), timeoutMs: 5000 })
    const result = await runner.run([])
    expect(!result.ok && result.error).toContain('permission denied')
  })

  test('a non-zero exit reports the status and the first line of stderr', async () => {
    const path = await script(
      'fail',
      'echo "NVIDIA-SMI has failed because it could not communicate" >&2; echo more >&2; exit 9',
    )
    const result = await createSmiRunner({ path, timeoutMs: 5000 }).run([])
    expect(!result.ok && result.error).toBe(
      `${path} exited with status 9: NVIDIA-SMI has failed because it could not communicate`,
    )
    const silent = await createSmiRunner({ path: await script('silent', 'exit 3'), timeoutMs: 5000 }).run([])
    expect(!silent.ok && silent.error).toEndWith('exited with status 3: no output')
  })

  test('a hung nvidia-smi is killed at the timeout', async () => {
    const path = await script('hang', `echo $$ > '${dir}/hang.pid'; exec sleep 30`)
    const started = performance.now()
    const result = await createSmiRunner({ path, timeoutMs: 300 }).run([])
    expect(!result.ok && result.error).toBe(`${path} timed out after 300 ms and was killed`)
    expect(performance.now() - started).toBeLessThan(5000)
    const pid = Number(await Bun.file(join(dir, 'hang.pid')).text())
    expect(() => process.kill(pid, 0)).toThrow()
  })

  test('the timeout holds even when a grandchild keeps the output pipe open', async () => {
    const path = await script('grandchild', 'sleep 3; echo late')
    const started = performance.now()
    const result = await createSmiRunner({ path, timeoutMs: 300 }).run([])
    expect(!result.ok && result.error).toContain('timed out')
    expect(performance.now() - started).toBeLessThan(2500)
  })

  test('runs are serialised: concurrent callers never overlap and each gets its own result', async () => {
    const log = join(dir, 'overlap.log')
    const path = await script(
      'slow',
      `echo "start $1" >> '${log}'; sleep 0.1; echo "end $1" >> '${log}'; echo "$1"`,
    )
    const runner = createSmiRunner({ path, timeoutMs: 5000 })
    const results = await Promise.all(['a', 'b', 'c'].map((name) => runner.run([name])))
    expect(results.map((result) => result.ok && result.stdout.trim())).toEqual(['a', 'b', 'c'])
    expect((await Bun.file(log).text()).trim().split('\n')).toEqual([
      'start a',
      'end a',
      'start b',
      'end b',
      'start c',
      'end c',
    ])
    expect(runner.spawned).toBe(3)
  })
})
