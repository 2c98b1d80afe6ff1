import { Database } from 'bun:sqlite'
import { afterAll, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const dir = mkdtempSync(join(tmpdir(), 'gateway-kill-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const WRITER = new URL('./fixtures/usage-writer.ts', import.meta.url).pathname

/** Reads `flushed N` lines until `count` flushes were seen or the deadline passes; returns the totals seen. */
async function waitForFlushes(
  stream: ReadableStream<Uint8Array>,
  count: number,
  deadlineMs: number,
): Promise<number[]> {
  const reader = stream.getReader()
  const decoder = new TextDecoder()
  const totals: number[] = []
  let buffered = ''
  while (totals.length < count && Date.now() < deadlineMs) {
    const timeout = new Promise<'timeout'>((resolve) =>
      setTimeout(() => resolve('timeout'), deadlineMs - Date.now()),
    )
    const chunk = await Promise.race([reader.read(), timeout])
    if (chunk === 'timeout' || chunk.done) break
    buffered += decoder.decode(chunk.value)
    const lines = buffered.split('\n')
    buffered = lines.pop() ?? ''
    for (const line of lines) if (line.startsWith('flushed ')) totals.push(Number(line.slice(8)))
  }
  reader.releaseLock()
  return totals
}

test('SIGKILL mid-run leaves a valid database holding every committed flush (at most one interval lost)', async () => {
  for (const [round, delayMs] of [7, 23, 41].entries()) {
    const path = join(dir, `killed-${round}.db`)
    const child = Bun.spawn([process.execPath, WRITER, path, '50', '3000'], {
      stdout: 'pipe',
      stderr: 'inherit',
    })
    const seen = await waitForFlushes(child.stdout, 3, Date.now() + 15_000)
    expect(seen.length).toBe(3)
    // Kill inside the next interval, while the writer is busy recording or flushing.
    await Bun.sleep(delayMs)
    child.kill('SIGKILL')
    expect(await child.exited).not.toBe(0)

    const db = new Database(path)
    expect(db.query('PRAGMA integrity_check').get()).toEqual({ integrity_check: 'ok' })
    const row = db
      .query<{ total: number; distinctTotals: number }, []>(
        'SELECT coalesce(sum(completion_tokens), 0) AS total, count(DISTINCT completion_tokens) AS distinctTotals FROM usage_daily',
      )
      .get()
    db.close()
    const lastReported = seen.at(-1) ?? 0
    expect(row?.total ?? 0).toBeGreaterThanOrEqual(lastReported)
    // Flushes are all-or-nothing: every key has been flushed the same number of times.
    expect(row?.distinctTotals).toBe(1)
  }
}, 30_000)
