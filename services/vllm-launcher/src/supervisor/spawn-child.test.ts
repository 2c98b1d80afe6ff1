import { describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { spawnChild } from './spawn-child.ts'

const alive = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return !stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')
  } catch {
    return false
  }
}

async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 100 && alive(pid); i += 1) await Bun.sleep(20)
  return !alive(pid)
}

const firstLine = async (stream: ReadableStream<Uint8Array>) => {
  for await (const chunk of stream) return new TextDecoder().decode(chunk).trim()
  return ''
}

describe('spawnChild', () => {
  test('SIGKILL takes down the whole process group, grandchildren included', async () => {
    const child = spawnChild(['sh', '-c', 'sleep 30 & echo $!; wait'], { PATH: process.env.PATH })
    const grandchild = Number(await firstLine(child.stdout))
    expect(alive(grandchild)).toBe(true)
    child.kill('SIGKILL')
    expect(await child.exited).toEqual({ code: null, signal: 'SIGKILL' })
    expect(await gone(grandchild)).toBe(true)
  })

  test('when the main process exits on SIGTERM, what is left of its group is killed too', async () => {
    const child = spawnChild(['sh', '-c', 'trap "exit 0" TERM; sleep 30 & echo $!; wait'], {
      PATH: process.env.PATH,
    })
    const grandchild = Number(await firstLine(child.stdout))
    child.kill('SIGTERM')
    expect((await child.exited).code).toBe(0)
    expect(await gone(grandchild)).toBe(true)
    // Signalling an exited child is harmless.
    child.kill('SIGTERM')
    child.kill('SIGKILL')
  })

  test('passes the environment and reports the exit code', async () => {
    const child = spawnChild(['sh', '-c', 'echo "$MARK"; exit 4'], { MARK: 'here', PATH: process.env.PATH })
    expect(await firstLine(child.stdout)).toBe('here')
    expect(await child.exited).toEqual({ code: 4, signal: null })
  })
})
