/**
 * @module Batches spans for export, as OpenTelemetry's BatchSpanProcessor does: a batch
 * leaves when it is full or when the oldest waiting span has waited `delayMs`; one export runs at a time; past
 * `maxQueue` waiting spans new ones are dropped (and counted) rather than held without bound while a collector is
 * down or slow.
 */

export interface ExportQueueOptions<T> {
  /** Sends one batch; a rejection counts as a failed export, the batch is not retried here (the exporter retries). */
  send(batch: T[]): Promise<void>
  maxBatch?: number
  maxQueue?: number
  delayMs?: number
}

export interface ExportQueue<T> {
  push(item: T): void
  /** Sends everything waiting, batch by batch, after any export in flight. */
  flush(): Promise<void>
  /** Refuses new items and sends what waits. */
  close(): Promise<void>
  readonly stats: { readonly dropped: number; readonly failedBatches: number; readonly waiting: number }
}

/**
 * @example
 * const queue = createExportQueue<string>({ send: (spans) => post(spans), maxBatch: 512, delayMs: 1000 })
 * queue.push(encodeSpan(span))
 */
export function createExportQueue<T>(options: ExportQueueOptions<T>): ExportQueue<T> {
  const maxBatch = options.maxBatch ?? 512
  const maxQueue = Math.max(maxBatch, options.maxQueue ?? 2048)
  const delayMs = options.delayMs ?? 1000
  let waiting: T[] = []
  let timer: ReturnType<typeof setTimeout> | undefined
  let sending: Promise<void> | undefined
  let closed = false
  let dropped = 0
  let failedBatches = 0

  const take = (): T[] => {
    if (waiting.length <= maxBatch) {
      const batch = waiting
      waiting = []
      return batch
    }
    return waiting.splice(0, maxBatch)
  }

  const sendOne = async (batch: T[]) => {
    try {
      await options.send(batch)
    } catch {
      failedBatches++
    }
  }

  /** Sends full batches (all waiting items when `all`), one at a time; re-arms the timer for a partial remainder. */
  const drain = (all: boolean): Promise<void> => {
    if (timer !== undefined) {
      clearTimeout(timer)
      timer = undefined
    }
    if (sending) return sending.then(() => drain(all))
    if (waiting.length === 0 || (!all && waiting.length < maxBatch)) {
      schedule()
      return Promise.resolve()
    }
    sending = (async () => {
      do await sendOne(take())
      while (waiting.length >= maxBatch || (all && waiting.length > 0))
    })().finally(() => {
      sending = undefined
      schedule()
    })
    return sending
  }

  const schedule = () => {
    if (timer !== undefined || sending || waiting.length === 0) return
    timer = setTimeout(() => void drain(true), delayMs)
    // A pending batch must not keep a process alive that has nothing else to do.
    timer.unref?.()
  }

  return {
    push(item) {
      if (closed) return
      if (waiting.length >= maxQueue) {
        dropped++
        return
      }
      waiting.push(item)
      // While a batch is being sent, the sending loop picks up every batch that fills meanwhile.
      if (waiting.length >= maxBatch && !sending) void drain(false)
      else schedule()
    },
    flush: () => drain(true),
    close() {
      closed = true
      return drain(true)
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
