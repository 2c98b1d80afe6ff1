/**
 * @module Batches spans for export, as OpenTelemetry's BatchSpanProcessor does: a batch leaves when it is full or
 * when the oldest waiting span has waited `delayMs`; one export runs at a time; past `maxQueue` waiting spans new
 * ones are dropped (and counted) rather than held without bound while a collector is down or slow.
 * The timer and `flush` send what was waiting when they fired: spans that keep arriving during the sends wait for
 * the next batch, so steady traffic gives one export per delay instead of a stream of tiny ones, and a flush ends.
 */

/**
 * Where waiting items are kept until their batch leaves. The default is an array of the items; a store may keep
 * them in another form (encoded bytes, say) and hand a batch over in that form.
 */
export interface BatchStore<T, Batch> {
  readonly length: number
  push(item: T): void
  /** Removes the `count` oldest items (1 ≤ count ≤ length) and returns them as one batch. */
  take(count: number): Batch
}

/** An array of the waiting items: a batch is the items themselves. */
export function arrayStore<T>(): BatchStore<T, T[]> {
  let items: T[] = []
  return {
    get length() {
      return items.length
    },
    push(item) {
      items.push(item)
    },
    take(count) {
      if (count >= items.length) {
        const batch = items
        items = []
        return batch
      }
      return items.splice(0, count)
    },
  }
}

export interface ExportQueueOptions<T, Batch = T[]> {
  /** Sends one batch; a rejection counts as a failed export, the batch is not retried here (the exporter retries). */
  send(batch: Batch): Promise<void>
  /** Default: an array (`arrayStore`). */
  store?: BatchStore<T, Batch>
  maxBatch?: number
  maxQueue?: number
  delayMs?: number
}

export interface ExportQueue<T> {
  push(item: T): void
  /** Sends everything waiting now, batch by batch, after any export in flight. */
  flush(): Promise<void>
  /** Refuses new items and sends what waits. */
  close(): Promise<void>
  readonly stats: { readonly dropped: number; readonly failedBatches: number; readonly waiting: number }
}

/**
 * @example
 * const queue = createExportQueue<FinishedSpan>({ send: (spans) => post(spans), maxBatch: 512, delayMs: 1000 })
 * queue.push(span)
 */
export function createExportQueue<T, Batch = T[]>(options: ExportQueueOptions<T, Batch>): ExportQueue<T> {
  const maxBatch = options.maxBatch ?? 512
  const maxQueue = Math.max(maxBatch, options.maxQueue ?? 2048)
  const delayMs = options.delayMs ?? 1000
  const waiting = options.store ?? (arrayStore<T>() as unknown as BatchStore<T, Batch>)
  let timer: ReturnType<typeof setTimeout> | undefined
  let sending: Promise<void> | undefined
  let closed = false
  let dropped = 0
  let failedBatches = 0
  // Items leave in order, so counts say which have gone: everything accepted up to `owed` is sent even if the
  // batch is not full; `settled` counts items whose batch was sent (or failed).
  let accepted = 0
  let settled = 0
  let owed = 0
  const flushes: { upTo: number; resolve: () => void }[] = []

  const take = (): { batch: Batch; count: number } => {
    const count = Math.min(waiting.length, maxBatch)
    return { batch: waiting.take(count), count }
  }

  const resolveFlushes = () => {
    for (let index = flushes.length - 1; index >= 0; index--) {
      const flush = flushes[index]
      if (flush && flush.upTo <= settled) {
        flushes.splice(index, 1)
        flush.resolve()
      }
    }
  }

  /** A full batch waits, or a timer or flush owes the items waiting. */
  const due = () => waiting.length >= maxBatch || (waiting.length > 0 && settled < owed)

  const run = async () => {
    while (due()) {
      const { batch, count } = take()
      try {
        await options.send(batch)
      } catch {
        failedBatches++
      }
      settled += count
      resolveFlushes()
    }
  }

  const kick = () => {
    if (timer !== undefined) {
      clearTimeout(timer)
      timer = undefined
    }
    if (sending) return
    if (!due()) {
      schedule()
      return
    }
    sending = run().finally(() => {
      sending = undefined
      kick()
    })
  }

  const schedule = () => {
    if (timer !== undefined || sending || waiting.length === 0) return
    timer = setTimeout(() => {
      timer = undefined
      owed = accepted
      kick()
    }, delayMs)
    // A pending batch must not keep a process alive that has nothing else to do.
    timer.unref?.()
  }

  const flush = (): Promise<void> => {
    owed = accepted
    if (settled >= accepted) return Promise.resolve()
    const done = new Promise<void>((resolve) => flushes.push({ upTo: accepted, resolve }))
    kick()
    return done
  }

  return {
    push(item) {
      if (closed) return
      if (waiting.length >= maxQueue) {
        dropped++
        return
      }
      waiting.push(item)
      accepted++
      if (waiting.length >= maxBatch) kick()
      else schedule()
    },
    flush,
    close() {
      closed = true
      return flush()
    },
    stats: {
      get dropped() {
        return dropped
      },
      get failedBatches() {
        return failedBatches
      },
      get waiting() {
        return waiting.length
      },
    },
  }
}
