/** @module HTTP health checks for the ops commands: one probe, or polling until healthy within a deadline. */

export type Health = 'ok' | 'down' | `http ${number}`

/** One GET; `ok` only for 2xx. Never throws. */
export async function checkHealth(url: string, timeoutMs = 1000): Promise<Health> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) })
    await response.body?.cancel()
    return response.ok ? 'ok' : `http ${response.status}`
  } catch {
    return 'down'
  }
}

/**
 * Polls `url` until it answers 2xx. Gives up at the deadline, or at once when `stillRunning` says the process died
 * (no point waiting 60 s for a crashed service).
 */
export async function waitHealthy(
  url: string,
  timeoutMs: number,
  stillRunning: () => boolean = () => true,
): Promise<{ ok: boolean; last: Health }> {
  const deadline = performance.now() + timeoutMs
  let last: Health = 'down'
  while (performance.now() < deadline) {
    last = await checkHealth(url, 1000)
    if (last === 'ok') return { ok: true, last }
    if (!stillRunning()) return { ok: false, last }
    await Bun.sleep(100)
  }
  return { ok: false, last }
}
