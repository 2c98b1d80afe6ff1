import { afterEach, describe, expect, test } from 'bun:test'
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs'
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
})

process.on('exit', () => rmSync(dir, { recursive: true, force: true }))
