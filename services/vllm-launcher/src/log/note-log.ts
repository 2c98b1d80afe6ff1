/** @module How each watchdog note is logged: level and message as a table, so every transition is visible. Pure. */
import type { Note } from '../supervisor/transition.ts'

export interface LogEntry {
  readonly level: 'info' | 'warn' | 'error' | 'fatal'
  readonly msg: string
  readonly fields: Readonly<Record<string, unknown>>
}

const exitText = ({ code, signal }: { code: number | null; signal: string | null }) =>
  signal ? `signal ${signal}` : `code ${code}`

/** The log entry for a note; `gave-up` is fatal-level because nobody will restart the instance any more. */
export function describeNote(note: Note): LogEntry {
  switch (note.kind) {
    case 'spawned':
      return { level: 'info', msg: 'vLLM process started', fields: { generation: note.generation } }
    case 'ready':
      return {
        level: 'info',
        msg: `vLLM ready after ${(note.startupMs / 1000).toFixed(1)} s`,
        fields: { startupMs: note.startupMs },
      }
    case 'recovered':
      return { level: 'info', msg: 'vLLM healthy again', fields: {} }
    case 'health-failure':
      return {
        level: 'warn',
        msg: `health check failed (${note.detail})`,
        fields: { failures: note.failures },
      }
    case 'killing':
      return {
        level: note.reason === 'stop' ? 'info' : 'error',
        msg: `sending ${note.signal} (${note.reason === 'hang' ? 'not healthy: hung or not started in time' : 'stopping'})`,
        fields: { reason: note.reason, signal: note.signal },
      }
    case 'restart':
      return {
        level: 'error',
        msg: `vLLM exited (${exitText(note.exit)}, ${note.reason}); restarting in ${note.delayMs} ms`,
        fields: { reason: note.reason, delayMs: note.delayMs, ...note.exit },
      }
    case 'gave-up':
      return {
        level: 'fatal',
        msg: `GAVE UP: vLLM exited (${exitText(note.exit)}) after ${note.restarts} restarts within ${note.windowMs / 1000} s; not restarting it again. Fix the cause (see the errors above) and restart the launcher.`,
        fields: { restarts: note.restarts, windowMs: note.windowMs, ...note.exit },
      }
    case 'stopped':
      return { level: 'info', msg: 'vLLM stopped', fields: {} }
  }
}
