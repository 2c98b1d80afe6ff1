/** @module The last errors the gateway answered, kept in a fixed ring for the debug bundle. */

export interface RecordedError {
  at: string
  requestId: string | undefined
  route: string
  status: number
  code: string
  message: string
}

export interface RecentErrors {
  record(error: RecordedError): void
  /** Newest first. */
  list(): RecordedError[]
}

export function createRecentErrors(capacity = 100): RecentErrors {
  const ring: RecordedError[] = []
  let next = 0
  return {
    record(error) {
      ring[next] = error
      next = (next + 1) % capacity
    },
    list() {
      const ordered = [...ring.slice(next), ...ring.slice(0, next)]
      return ordered.reverse()
    },
  }
}
