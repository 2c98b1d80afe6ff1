/** @module One GET /health with a timeout: 200 is healthy; 503, other statuses, refusals and timeouts are not. */
import type { ProbeResult } from './supervisor.ts'

/** Probes `url` once; never throws. A refused connection is normal while vLLM loads (no listener yet). */
export async function probeHealth(url: string, timeoutMs: number): Promise<ProbeResult> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) })
    await response.body?.cancel()
    return { ok: response.status === 200, detail: String(response.status) }
  } catch (error) {
    const name = error instanceof Error ? error.name : ''
    if (name === 'TimeoutError' || name === 'AbortError') return { ok: false, detail: 'timeout' }
    const code = (error as { code?: string }).code
    return {
      ok: false,
      detail: code === 'ConnectionRefused' || code === 'ECONNREFUSED' ? 'refused' : String(error),
    }
  }
}
