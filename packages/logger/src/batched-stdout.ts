/**
 * @module A file descriptor written in batches: lines are gathered and go out in one write(2) once enough have
 * gathered, on a timer, or synchronously on demand. pino's sonic-boom does this too, but measures the byte length of
 * its whole pending batch again on every line (a rope string flattened each time): under a request log at 10k lines a
 * second that was 6% of the gateway's CPU (BENCHMARKS.md). Here a line costs an array push.
 */
import { writeSync } from 'node:fs'

export interface BatchedWriterOptions {
  fd: number
  /** Lines wait until about this many characters gathered (a close bound for bytes: log lines are mostly ASCII). */
  minLength: number
  /** ... or at most this long. */
  flushEveryMs: number
}

export interface BatchedWriter {
  write(line: string): boolean
  /** Writes out what is pending, synchronously (pino's `logger.flush` calls this). */
  flush(callback?: (error?: Error) => void): void
  flushSync(): void
}

/** A full pipe (EAGAIN) is waited out in steps this long rather than dropping lines. */
const BUSY_WAIT_MS = 10
const sleeper = new Int32Array(new SharedArrayBuffer(4))

export function createBatchedWriter(options: BatchedWriterOptions): BatchedWriter {
  let pending: string[] = []
  let pendingLength = 0
  let timer: ReturnType<typeof setTimeout> | undefined
  /**
   * The reader of stdout is gone (EPIPE): lines are dropped from then on, as pino's own destination does. Thrown,
   * the error would reach whoever logged (a request handler) or, from the timer, end the process.
   */
  let readerGone = false

  const flushSync = (): void => {
    if (timer !== undefined) {
      clearTimeout(timer)
      timer = undefined
    }
    if (pending.length === 0) return
    const text = pending.length === 1 ? (pending[0] as string) : pending.join('')
    pending = []
    pendingLength = 0
    try {
      writeFully(options.fd, text)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EPIPE') throw error
      readerGone = true
    }
  }

  return {
    write(line) {
      if (readerGone) return true
      pending.push(line)
      pendingLength += line.length
      if (pendingLength >= options.minLength) flushSync()
      else if (timer === undefined) {
        timer = setTimeout(flushSync, options.flushEveryMs)
        // A quiet process may exit with lines pending: the exit hook writes them, the timer must not hold it open.
        timer.unref()
      }
      return true
    },
    flush(callback) {
      let failure: Error | undefined
      try {
        flushSync()
      } catch (error) {
        if (!callback) throw error
        failure = error as Error
      }
      // Outside the try: a callback that throws must not be called a second time with its own error.
      callback?.(failure)
    },
    flushSync,
  }
}

function writeFully(fd: number, text: string): void {
  let bytes: Buffer | undefined
  let offset = 0
  for (;;) {
    let written: number
    try {
      written = bytes === undefined ? writeSync(fd, text) : writeSync(fd, bytes, offset)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error
      Atomics.wait(sleeper, 0, 0, BUSY_WAIT_MS)
      continue
    }
    if (bytes === undefined) {
      // Most writes take the whole batch; only a partial one needs it as bytes, to go on from an offset.
      if (written === Buffer.byteLength(text)) return
      bytes = Buffer.from(text)
    }
    offset += written
    if (offset >= bytes.length) return
  }
}
