/** @module Parses one line of vLLM/uvicorn output into level, source and text, so it can be re-emitted as JSON. Pure. */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'fatal'

export interface VllmLine {
  readonly level: LogLevel
  readonly text: string
  /** `APIServer`, `EngineCore_DP0`, ... in newer versions. */
  readonly process?: string
  readonly pid?: number
  /** `file.py:123`. */
  readonly source?: string
}

const LEVELS: Readonly<Record<string, LogLevel>> = {
  DEBUG: 'debug',
  INFO: 'info',
  WARNING: 'warn',
  WARN: 'warn',
  ERROR: 'error',
  CRITICAL: 'fatal',
}

// Newer: `(APIServer pid=12) INFO 05-01 12:00:00 [api_server.py:1] text`; older: `INFO 05-01 12:00:00 api_server.py:1] text`.
const VLLM =
  /^(?:\(([\w-]+) pid=(\d+)\)\s+)?(DEBUG|INFO|WARNING|WARN|ERROR|CRITICAL)\s+\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?\s+\[?([\w./-]+:\d+)\]\s?(.*)$/
const UVICORN = /^(?:\(([\w-]+) pid=(\d+)\)\s+)?(DEBUG|INFO|WARNING|ERROR|CRITICAL):\s+(.*)$/
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*[A-Za-z]`, 'g')

/**
 * Reads a line; anything unrecognised (tracebacks, tqdm bars, prints) keeps its text with `fallback` as level,
 * which the caller picks by stream.
 */
export function parseVllmLine(raw: string, fallback: LogLevel): VllmLine {
  const line = raw.replace(ANSI, '').trimEnd()
  const vllm = VLLM.exec(line)
  if (vllm) {
    const [, process, pid, level, source, text] = vllm
    return {
      level: LEVELS[level ?? ''] ?? fallback,
      text: text ?? '',
      source,
      ...(process ? { process, pid: Number(pid) } : {}),
    }
  }
  const uvicorn = UVICORN.exec(line)
  if (uvicorn) {
    const [, process, pid, level, text] = uvicorn
    return {
      level: LEVELS[level ?? ''] ?? fallback,
      text: text ?? '',
      ...(process ? { process, pid: Number(pid) } : {}),
    }
  }
  return { level: fallback, text: line }
}
