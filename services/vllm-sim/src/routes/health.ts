/** @module GET /health (and /ping): 200 with an empty body, 503 with an empty body once the engine is dead. */
import type { Engine } from '../engine/engine.ts'

export function createHealthRoute(engine: Engine) {
  return (): Response => new Response(null, { status: engine.health === 'dead' ? 503 : 200 })
}

/** GET /load: vLLM's server-load counter (requests in flight). */
export function createLoadRoute(engine: Engine) {
  return (): Response => Response.json({ server_load: engine.scheduler.running + engine.scheduler.waiting })
}

export function createVersionRoute(version: string) {
  const body = JSON.stringify({ version })
  return (): Response => new Response(body, { headers: { 'content-type': 'application/json' } })
}
