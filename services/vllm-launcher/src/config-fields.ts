/** @module Launcher-specific field readers for parseEnv: optional values, fractions, versions and argv strings. */
import type { Field } from '@infergate/config'
import { splitShellWords } from './command/shell-words.ts'
import { parseVllmVersion, type VllmVersion } from './command/vllm-version.ts'

/** Unset stays undefined (vLLM keeps its own default); a set value must pass `inner`. */
export const optional = <T>(inner: Field<T>): Field<T | undefined> => ({
  expected: inner.expected,
  parse: (raw) => (raw === undefined ? undefined : inner.parse(raw)),
})

/** A fraction in (0, 1]: zero would give vLLM no memory at all, so it is rejected here rather than at start-up. */
export const fraction = (): Field<number> => ({
  expected: 'a number greater than 0 and at most 1',
  parse(raw) {
    const value = Number(raw?.trim())
    if (raw === undefined || raw.trim() === '' || !Number.isFinite(value)) throw new Error('is not a number')
    if (value <= 0 || value > 1) throw new Error('is outside (0, 1]')
    return value
  },
})

export const version = (): Field<VllmVersion | undefined> => ({
  expected: 'a version such as 0.11.0',
  parse(raw) {
    if (raw === undefined) return undefined
    const parsed = parseVllmVersion(raw)
    if (!parsed) throw new Error('is not a version')
    return parsed
  },
})

/** A command line split shell-word style; `nonEmpty` for executables, where nothing to run is an error. */
export const words = (options: { default?: string; nonEmpty?: boolean } = {}): Field<string[]> => ({
  expected: options.nonEmpty ? 'a command, e.g. "vllm" or "bun /path/main.ts"' : 'shell-style words',
  parse(raw) {
    const split = splitShellWords(raw ?? options.default ?? '')
    if (options.nonEmpty && split.length === 0) throw new Error('is empty')
    return split
  },
})

/** Instance names become env prefixes (`embed` → `EMBED_MODEL_NAME`), so they must be identifier-like. */
export const instanceNames = (): Field<string[]> => ({
  expected: 'comma-separated names of letters, digits and _ starting with a letter, each used once',
  parse(raw) {
    if (raw === undefined) return []
    const names = raw
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean)
    const bad = names.filter((name) => !/^[A-Za-z][A-Za-z0-9_]*$/.test(name))
    if (bad.length > 0) throw new Error(`has invalid names ${bad.join(', ')}`)
    if (new Set(names.map((name) => name.toLowerCase())).size !== names.length)
      throw new Error('repeats a name')
    return names
  },
})
