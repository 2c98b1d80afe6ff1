/**
 * Test fixture for stdout shared by threads, as GATEWAY_WORKERS runs the gateway.
 * `bun threads.fixture.ts write <threads> <lines>`: worker threads log through createLogger onto stdout.
 * `bun threads.fixture.ts read`: drains stdin 3000 bytes at a time, slowly, so the pipe stays nearly full (where a
 * write over 4 KiB is taken in pieces), then prints how many lines parsed and how many did not.
 */
import { readSync } from 'node:fs'
import { isMainThread, Worker, workerData } from 'node:worker_threads'
import { createLogger, logRecord } from './index.ts'

const [mode, threads = '3', lines = '1000'] = process.argv.slice(2)

if (!isMainThread) {
  const data = workerData as { thread: number; lines: number }
  const log = createLogger({ service: 's' })
  const padding = 'x'.repeat(150)
  for (let i = 0; i < data.lines; i++) logRecord(log, { thread: data.thread, i, padding }, 'line')
  log.flush()
} else if (mode === 'write') {
  const workers = Array.from(
    { length: Number(threads) },
    (_, thread) => new Worker(import.meta.path, { workerData: { thread, lines: Number(lines) } }),
  )
  await Promise.all(workers.map((worker) => new Promise((resolve) => worker.on('exit', resolve))))
} else {
  const buffer = Buffer.alloc(3000)
  const parts: Buffer[] = []
  const pause = new Int32Array(new SharedArrayBuffer(4))
  for (let read = readSync(0, buffer); read > 0; read = readSync(0, buffer)) {
    parts.push(Buffer.from(buffer.subarray(0, read)))
    Atomics.wait(pause, 0, 0, 0.2)
  }
  let good = 0
  let bad = 0
  for (const line of Buffer.concat(parts).toString('utf8').split('\n')) {
    if (line === '') continue
    try {
      JSON.parse(line)
      good++
    } catch {
      bad++
    }
  }
  console.log(JSON.stringify({ good, bad }))
}
