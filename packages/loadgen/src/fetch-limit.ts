/**
 * @module Bun's fetch runs at most BUN_CONFIG_MAX_HTTP_REQUESTS requests at once per process (256 unless set, read at
 * start-up); the rest wait in a client-side queue. A load generator that wants more in flight must run with it raised.
 */

export const FETCH_LIMIT_VARIABLE = 'BUN_CONFIG_MAX_HTTP_REQUESTS'
export const BUN_DEFAULT_FETCH_LIMIT = 256

/**
 * The environment additions to re-run this process with so that `needed` requests can be in flight, or undefined when
 * the current limit already allows it.
 */
export function fetchLimitEnv(
  env: Readonly<Record<string, string | undefined>>,
  needed: number,
): Record<string, string> | undefined {
  const raw = Number(env[FETCH_LIMIT_VARIABLE])
  const current = Number.isSafeInteger(raw) && raw > 0 ? raw : BUN_DEFAULT_FETCH_LIMIT
  if (current >= needed) return undefined
  return { [FETCH_LIMIT_VARIABLE]: String(Math.max(needed, 4096)) }
}
