/** @module Wires one vLLM instance: its command, the watchdog, the child's output as JSON logs, and metrics. */
import { mkdirSync } from 'node:fs'
import type { Logger } from '@infergate/logger'
import { type LaunchCommand, maskArgv } from './command/build-command.ts'
import type { SupervisorPolicy } from './config.ts'
import { createLineSink, forwardOutput } from './log/forward-log.ts'
import { describeNote } from './log/note-log.ts'
import type { LauncherMetrics } from './metrics.ts'
import { probeHealth } from './supervisor/health-probe.ts'
import { spawnChild } from './supervisor/spawn-child.ts'
import { type Clock, createSupervisor, type Supervisor } from './supervisor/supervisor.ts'

export const realClock: Clock = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
}

const CACHE_VARS = ['VLLM_CACHE_ROOT', 'TRITON_CACHE_DIR', 'TORCHINDUCTOR_CACHE_DIR'] as const

/** Creates the supervisor for `command`; nothing runs until its start(). */
export function createInstanceRunner(options: {
  command: LaunchCommand
  policy: SupervisorPolicy
  baseEnv: Readonly<Record<string, string | undefined>>
  log: Logger
  metrics: LauncherMetrics
}): Supervisor {
  const { command, policy, metrics } = options
  const log = options.log.child({ instance: command.instance })
  const env = { ...options.baseEnv, ...command.env }
  return createSupervisor({
    policy,
    clock: realClock,
    random: Math.random,
    spawn(generation) {
      for (const name of CACHE_VARS) {
        const dir = command.env[name]
        try {
          if (dir) mkdirSync(dir, { recursive: true })
        } catch (error) {
          log.warn(
            { dir, error: String(error) },
            'cannot create the compile cache directory; vLLM will recompile',
          )
        }
      }
      const child = spawnChild(command.argv, env)
      log.info({ pid: child.pid, generation, argv: maskArgv(command.argv) }, 'spawned vLLM')
      const sink = createLineSink(options.log, command.instance, (milestone) => {
        if (
          milestone.name === 'args-parsed' &&
          milestone.detail &&
          command.version?.text !== milestone.detail
        )
          log.warn(
            { running: milestone.detail, assumed: command.version?.text ?? 'unknown (current)' },
            'vLLM reports a different version than the flags were built for: set VLLM_VERSION to match',
          )
      })
      for (const [stream, output] of [
        ['stdout', child.stdout],
        ['stderr', child.stderr],
      ] as const)
        forwardOutput(output, stream, sink).catch((error: unknown) =>
          log.warn({ stream, error: String(error) }, 'lost the vLLM output stream'),
        )
      return child
    },
    probe: () => probeHealth(command.healthUrl, policy.healthTimeoutMs),
    onNote(note, state) {
      metrics.record(command.instance, note, state)
      const { level, msg, fields } = describeNote(note)
      log[level]({ ...fields, state: state.phase }, msg)
    },
    onSpawnError: (error) =>
      log.error({ argv: maskArgv(command.argv), error: String(error) }, 'cannot start vLLM'),
  })
}
