/** @module Reads a table of environment variables at once and reports every bad one together. */
import { ConfigError } from './config-error.ts'

export type EnvSource = Readonly<Record<string, string | undefined>>

/** How one variable is read: `parse` returns the value or throws an Error whose message says what is wrong. */
export interface Field<T> {
  readonly parse: (raw: string | undefined) => T
  /** Shown in messages, e.g. "an integer from 1 to 65535". */
  readonly expected: string
}

export type FieldValue<F> = F extends Field<infer T> ? T : never

/**
 * Parses `spec` (env name → field) from `env`. Empty strings count as unset, as most shells and compose files
 * produce them for "not configured".
 * @throws ConfigError listing every variable that failed, never only the first one.
 * @example parseEnv(process.env, { PORT: field.int({ default: 8080, min: 1, max: 65535 }) })
 */
export function parseEnv<S extends Record<string, Field<unknown>>>(
  env: EnvSource,
  spec: S,
  subject?: string,
): { [K in keyof S]: FieldValue<S[K]> } {
  const problems: string[] = []
  const out: Record<string, unknown> = {}
  for (const [name, fieldSpec] of Object.entries(spec)) {
    const raw = env[name]
    try {
      out[name] = fieldSpec.parse(raw === '' ? undefined : raw)
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error)
      problems.push(`${name}=${JSON.stringify(raw ?? '')}: ${reason} (expected ${fieldSpec.expected})`)
    }
  }
  if (problems.length > 0) throw new ConfigError(problems, subject)
  return out as { [K in keyof S]: FieldValue<S[K]> }
}
