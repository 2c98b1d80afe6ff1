/**
 * @module Log lines in vLLM's format, `(APIServer pid=N) INFO MM-DD HH:MM:SS [file.py:line] message`, so that a
 * launcher's milestone detection works on the simulator as on vLLM (uvicorn's lines read `INFO:     ...`).
 * Formatting is pure; the sink is injected.
 */

export type LogLevel = 'INFO' | 'WARNING' | 'ERROR' | 'DEBUG'

export type VllmLog = (level: LogLevel, source: string, message: string) => void

const pad = (value: number): string => String(value).padStart(2, '0')

export function formatLogLine(
  level: LogLevel,
  source: string,
  message: string,
  date: Date,
  pid: number,
  processName = 'APIServer',
): string {
  // uvicorn's own lines keep uvicorn's format, as they do in vLLM's output.
  if (source === 'uvicorn') return `(${processName} pid=${pid}) ${level}:     ${message}`
  const stamp = `${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
  return `(${processName} pid=${pid}) ${level} ${stamp} [${source}] ${message}`
}

/** A VllmLog writing each line through `write` (stdout in main, nothing in tests unless asked). */
export function createVllmLog(
  write: (line: string) => void,
  pid: number,
  clock: () => Date = () => new Date(),
): VllmLog {
  return (level, source, message) => write(formatLogLine(level, source, message, clock(), pid))
}

export const silentLog: VllmLog = () => {}
