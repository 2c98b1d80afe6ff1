/** @module What the simulator received, for tests to assert on: method, path, headers, body, and client aborts. */

export interface ObservedRequest {
  method: string
  path: string
  /** Header names lower-cased. */
  headers: Record<string, string>
  /** Parsed JSON body (or raw text when not JSON); undefined for bodiless requests. */
  body: unknown
  /** The body as it arrived, decoded as UTF-8 (what a proxy in front actually sent); undefined when none was read. */
  text: string | undefined
  receivedAt: number
  /** The client closed the connection before the response was complete. */
  aborted: boolean
}

export class RequestLog {
  readonly entries: ObservedRequest[] = []
  abortedCount = 0
  private readonly abortListeners = new Set<() => void>()
  private readonly record: boolean

  constructor(record: boolean) {
    this.record = record
  }

  /** Starts an entry for `request` (kept only when recording); returns it for the body to be filled in. */
  observe(request: Request, path: string): ObservedRequest {
    const entry: ObservedRequest = {
      method: request.method,
      path,
      headers: this.record ? Object.fromEntries(request.headers) : {},
      body: undefined,
      text: undefined,
      receivedAt: Date.now(),
      aborted: false,
    }
    if (this.record) this.entries.push(entry)
    return entry
  }

  /** Marks a request aborted by its client (once). */
  aborted(entry: ObservedRequest): void {
    if (entry.aborted) return
    entry.aborted = true
    this.abortedCount += 1
    for (const listener of this.abortListeners) listener()
  }

  /** Resolves once `abortedCount` reaches `count`, or rejects after `timeoutMs`. */
  waitForAborts(count: number, timeoutMs: number): Promise<void> {
    if (this.abortedCount >= count) return Promise.resolve()
    return new Promise<void>((resolve, reject) => {
      const check = () => {
        if (this.abortedCount < count) return
        clearTimeout(timer)
        this.abortListeners.delete(check)
        resolve()
      }
      const timer = setTimeout(() => {
        this.abortListeners.delete(check)
        reject(
          new Error(`expected ${count} aborted request(s) within ${timeoutMs} ms, saw ${this.abortedCount}`),
        )
      }, timeoutMs)
      this.abortListeners.add(check)
    })
  }

  clear(): void {
    this.entries.length = 0
    this.abortedCount = 0
  }
}
