import { describe, expect, test } from 'bun:test'
import { createExportQueue } from './export-queue.ts'

/** A send that resolves when the test says so, recording every batch. */
function manualSend() {
  const batches: number[][] = []
  const pending: (() => void)[] = []
  return {
    batches,
    send: (batch: number[]) => {
      batches.push(batch)
      return new Promise<void>((resolve) => pending.push(resolve))
    },
    /** Completes the oldest export in flight and lets the queue react. */
    async complete() {
      pending.shift()?.()
      await Bun.sleep(0)
    },
  }
}

describe('export queue', () => {
  test('a full batch leaves at once; a partial one waits for the delay', async () => {
    const sent: number[][] = []
    const queue = createExportQueue<number>({
      send: async (batch) => void sent.push(batch),
      maxBatch: 3,
      delayMs: 30,
    })
    for (const item of [1, 2, 3, 4]) queue.push(item)
    await Bun.sleep(0)
    expect(sent).toEqual([[1, 2, 3]])
    expect(queue.stats.waiting).toBe(1)
    await Bun.sleep(80)
    expect(sent).toEqual([[1, 2, 3], [4]])
  })

  test('one export at a time; batches that fill meanwhile follow it in order', async () => {
    const manual = manualSend()
    const queue = createExportQueue<number>({ send: manual.send, maxBatch: 2, delayMs: 60_000 })
    for (let item = 1; item <= 7; item++) queue.push(item)
    expect(manual.batches).toEqual([[1, 2]])
    await manual.complete()
    expect(manual.batches).toEqual([
      [1, 2],
      [3, 4],
    ])
    await manual.complete()
    await manual.complete()
    expect(manual.batches).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ])
    // The remainder waits for the timer or a flush.
    const flushed = queue.flush()
    await manual.complete()
    await manual.complete()
    await flushed
    expect(manual.batches.at(-1)).toEqual([7])
    expect(queue.stats.waiting).toBe(0)
  })

  test('steady traffic: the timer sends what was waiting when it fired; later items wait for the next turn', async () => {
    const manual = manualSend()
    const queue = createExportQueue<number>({ send: manual.send, maxBatch: 100, delayMs: 30 })
    for (const item of [1, 2, 3, 4, 5]) queue.push(item)
    const deadline = Date.now() + 2_000
    while (manual.batches.length === 0 && Date.now() < deadline) await Bun.sleep(5)
    expect(manual.batches).toEqual([[1, 2, 3, 4, 5]])
    // Items that arrive while the batch is out are not sent the moment it returns (regression: the timer's drain
    // used to loop until the queue was empty, turning steady traffic into a stream of tiny exports).
    for (const item of [6, 7, 8]) queue.push(item)
    await manual.complete()
    expect(manual.batches).toHaveLength(1)
    while (manual.batches.length === 1 && Date.now() < deadline) await Bun.sleep(5)
    expect(manual.batches[1]).toEqual([6, 7, 8])
    await manual.complete()
  })

  test('a flush ends once what was waiting when it was called has gone, while items keep arriving', async () => {
    const manual = manualSend()
    const queue = createExportQueue<number>({ send: manual.send, maxBatch: 100, delayMs: 60_000 })
    for (const item of [1, 2, 3]) queue.push(item)
    let flushed = false
    const flush = queue.flush().then(() => {
      flushed = true
    })
    expect(manual.batches).toEqual([[1, 2, 3]])
    queue.push(4)
    await manual.complete()
    await flush
    expect(flushed).toBe(true)
    expect(manual.batches).toHaveLength(1)
    expect(queue.stats.waiting).toBe(1)
  })

  test('past maxQueue new items are dropped and counted, never held without bound', async () => {
    const manual = manualSend()
    const queue = createExportQueue<number>({ send: manual.send, maxBatch: 2, maxQueue: 4, delayMs: 60_000 })
    for (let item = 1; item <= 10; item++) queue.push(item)
    // [1, 2] is in flight; 3..6 wait; 7..10 are dropped.
    expect(queue.stats).toMatchObject({ waiting: 4, dropped: 4 })
    const flushed = queue.flush()
    for (let step = 0; step < 4; step++) await manual.complete()
    await flushed
    expect(manual.batches.flat()).toEqual([1, 2, 3, 4, 5, 6])
  })

  test('a failed send is counted and the next batch still goes', async () => {
    let calls = 0
    const queue = createExportQueue<number>({
      send: async () => {
        calls++
        if (calls === 1) throw new Error('collector down')
      },
      maxBatch: 1,
    })
    queue.push(1)
    queue.push(2)
    await queue.flush()
    expect(calls).toBe(2)
    expect(queue.stats.failedBatches).toBe(1)
  })

  test('close sends what waits and refuses later items', async () => {
    const sent: number[][] = []
    const queue = createExportQueue<number>({ send: async (batch) => void sent.push(batch), delayMs: 60_000 })
    queue.push(1)
    await queue.close()
    queue.push(2)
    await queue.flush()
    expect(sent).toEqual([[1]])
  })
})

describe('export queue with a store of its own', () => {
  test('batches are what the store makes of the oldest items, at most maxBatch of them, in order', async () => {
    // A store that keeps only a running sum, as an encoding store keeps bytes rather than items.
    let values: number[] = []
    const store = {
      get length() {
        return values.length
      },
      push(item: number) {
        values.push(item)
      },
      take(count: number) {
        const taken = values.slice(0, count)
        values = values.slice(count)
        return { sum: taken.reduce((total, value) => total + value, 0), count }
      },
    }
    const sent: { sum: number; count: number }[] = []
    const queue = createExportQueue<number, { sum: number; count: number }>({
      store,
      send: async (batch) => void sent.push(batch),
      maxBatch: 3,
      maxQueue: 5,
      delayMs: 60_000,
    })
    for (let item = 1; item <= 7; item++) queue.push(item)
    await queue.flush()
    // A full batch leaves as it fills; the flush takes the last one.
    expect(sent).toEqual([
      { sum: 6, count: 3 },
      { sum: 15, count: 3 },
      { sum: 7, count: 1 },
    ])
    expect(queue.stats.dropped).toBe(0)
    expect(queue.stats.waiting).toBe(0)
  })
})
