import { afterEach, describe, expect, test } from 'bun:test'
import { closeSync, constants, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { createBatchedWriter } from './batched-stdout.ts'

const dir = mkdtempSync(`${tmpdir()}/batched-writer-`)
let fd: number | undefined
afterEach(() => {
  if (fd !== undefined) closeSync(fd)
  fd = undefined
})

function writerToFile(name: string, minLength: number, flushEveryMs = 10_000) {
  const path = `${dir}/${name}`
  fd = openSync(path, 'w')
  return {
    writer: createBatchedWriter({ fd, minLength, flushEveryMs }),
    read: () => readFileSync(path, 'utf8'),
  }
}

describe('batched writer', () => {
  test('holds lines until enough gathered, then writes them all in order', () => {
    const { writer, read } = writerToFile('threshold', 30)
    writer.write('one\n')
    writer.write('two\n')
    expect(read()).toBe('')
    writer.write(`${'x'.repeat(30)}\n`)
    expect(read()).toBe(`one\ntwo\n${'x'.repeat(30)}\n`)
  })

  test('a quiet writer still writes within its flush interval', async () => {
    const { writer, read } = writerToFile('timer', 1_000_000, 20)
    writer.write('late\n')
    expect(read()).toBe('')
    await Bun.sleep(80)
    expect(read()).toBe('late\n')
  })

  test('flush writes at once and calls back; multi-byte text arrives intact', () => {
    const { writer, read } = writerToFile('flush', 1_000_000)
    const text = 'grüße ✓ 日本\n'
    writer.write(text)
    let called = false
    writer.flush(() => {
      called = true
    })
    expect(called).toBe(true)
    expect(read()).toBe(text)
    writer.flushSync()
    expect(read()).toBe(text)
  })

  test('a write error reaches the flush callback instead of being lost', () => {
    const { writer } = writerToFile('closed', 1_000_000)
    writer.write('x\n')
    closeSync(fd as number)
    fd = undefined
    let failure: Error | undefined
    writer.flush((error) => {
      failure = error
    })
    expect(failure).toBeInstanceOf(Error)
  })

  test("a flush callback that throws is called once, and its error is the caller's", () => {
    const { writer, read } = writerToFile('callback-throws', 1_000_000)
    writer.write('x\n')
    const calls: Array<Error | undefined> = []
    expect(() =>
      writer.flush((error) => {
        calls.push(error)
        throw new Error('from the callback')
      }),
    ).toThrow('from the callback')
    expect(calls).toEqual([undefined])
    expect(read()).toBe('x\n')
  })
})

describe('batched writer on a pipe whose reader left', () => {
  test('EPIPE drops the lines instead of throwing into the caller or, from its timer, ending the process', async () => {
    const path = `${dir}/fifo`
    expect(Bun.spawnSync(['mkfifo', path]).exitCode).toBe(0)
    const reader = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK)
    const writerFd = openSync(path, constants.O_WRONLY)
    closeSync(reader)
    const uncaught: unknown[] = []
    const onUncaught = (error: unknown) => uncaught.push(error)
    process.on('uncaughtException', onUncaught)
    try {
      const writer = createBatchedWriter({ fd: writerFd, minLength: 10, flushEveryMs: 5 })
      // Over minLength: written at once, from the caller's own call.
      expect(() => writer.write('a line long enough\n')).not.toThrow()
      expect(() => writer.write('more\n')).not.toThrow()
      expect(() => writer.flushSync()).not.toThrow()
      await Bun.sleep(30)
      expect(uncaught).toEqual([])
    } finally {
      process.off('uncaughtException', onUncaught)
      closeSync(writerFd)
    }
  })
})

process.on('exit', () => rmSync(dir, { recursive: true, force: true }))
