/** @module Reads a version out of `<bin> --version` output, line by line, as it arrives. Pure. */
import { parseVllmVersion, type VllmVersion } from './vllm-version.ts'

export type VersionLine =
  /** `0.11.0`: what `vllm --version` prints (after any log lines). */
  | { readonly kind: 'version'; readonly version: VllmVersion }
  /**
   * `vLLM API server version X`: the binary ignored `--version` and is starting a server (a simulator, a wrapper).
   * The version is known; the process must be stopped before it takes the port.
   */
  | { readonly kind: 'serving'; readonly version: VllmVersion }
  | { readonly kind: 'other' }

const BARE = /^\s*v?\d+\.\d+(?:\.\d+)?[\w.+-]*\s*$/
const SERVING = /vLLM API server version (\S+)/

export function classifyVersionLine(line: string): VersionLine {
  const serving = SERVING.exec(line)
  const servingVersion = serving ? parseVllmVersion(serving[1] ?? '') : undefined
  if (servingVersion) return { kind: 'serving', version: servingVersion }
  const bare = BARE.test(line) ? parseVllmVersion(line.trim().replace(/^v/, '')) : undefined
  return bare ? { kind: 'version', version: bare } : { kind: 'other' }
}
