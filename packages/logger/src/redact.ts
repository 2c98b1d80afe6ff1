/** @module Masks secrets for logs, dry runs and debug bundles, where a leaked key outlives the process. */

export const REDACTED = '[REDACTED]'

/** A secret becomes a fixed marker: no prefix, suffix or length survives, since any of them narrows a guess. */
export const redactSecret = (value: string | undefined | null): string | undefined =>
  value === undefined || value === null || value === '' ? undefined : REDACTED

/** Keeps a URL readable but drops its password (redis://:pw@host, postgres://user:pw@host). */
export function redactUrl(value: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return REDACTED
  }
  if (url.password !== '') url.password = REDACTED
  for (const name of [...url.searchParams.keys()]) {
    if (/key|token|secret|password/i.test(name)) url.searchParams.set(name, REDACTED)
  }
  return url.href
}
