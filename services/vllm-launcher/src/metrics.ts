/** @module The launcher's Prometheus metrics (names are a contract with monitoring/) and its /metrics + /health handler. */
import { Counter, Gauge, Registry } from 'prom-client'
import type { InstanceState, Note } from './supervisor/transition.ts'
import { PHASES } from './supervisor/transition.ts'

export interface LauncherMetrics {
  readonly registry: Registry
  /** Updates every series of `instance` from a supervisor note and the state after it. */
  record(instance: string, note: Note, state: InstanceState): void
}

/** Creates the metrics with every label combination present from the start, so alerts see 0 rather than nothing. */
export function createLauncherMetrics(instances: readonly string[]): LauncherMetrics {
  const registry = new Registry()
  const registers = [registry]
  const up = new Gauge({
    name: 'vllm_launcher_instance_up',
    help: '1 when the vLLM instance is ready and passing health checks',
    labelNames: ['instance'],
    registers,
  })
  const state = new Gauge({
    name: 'vllm_launcher_instance_state',
    help: `1 for the current watchdog state of the instance (${PHASES.join('|')})`,
    labelNames: ['instance', 'state'],
    registers,
  })
  const restarts = new Counter({
    name: 'vllm_launcher_restarts_total',
    help: 'Restarts of the vLLM instance by reason (crash: it exited; hang: health checks failed)',
    labelNames: ['instance', 'reason'],
    registers,
  })
  const failures = new Counter({
    name: 'vllm_launcher_health_check_failures_total',
    help: 'Failed /health probes after the instance was ready',
    labelNames: ['instance'],
    registers,
  })
  const startup = new Gauge({
    name: 'vllm_launcher_startup_seconds',
    help: 'Time from spawn to the first healthy probe, for the last start',
    labelNames: ['instance'],
    registers,
  })
  const gaveUp = new Gauge({
    name: 'vllm_launcher_gave_up',
    help: '1 when the watchdog stopped restarting the instance after too many restarts',
    labelNames: ['instance'],
    registers,
  })

  const setPhase = (instance: string, phase: string) => {
    for (const candidate of PHASES) state.set({ instance, state: candidate }, candidate === phase ? 1 : 0)
    up.set({ instance }, phase === 'ready' ? 1 : 0)
  }
  for (const instance of instances) {
    setPhase(instance, 'stopped')
    for (const reason of ['crash', 'hang']) restarts.inc({ instance, reason }, 0)
    failures.inc({ instance }, 0)
    gaveUp.set({ instance }, 0)
  }

  return {
    registry,
    record(instance, note, current) {
      setPhase(instance, current.phase)
      if (note.kind === 'ready') startup.set({ instance }, note.startupMs / 1000)
      else if (note.kind === 'restart') restarts.inc({ instance, reason: note.reason })
      else if (note.kind === 'health-failure') failures.inc({ instance })
      else if (note.kind === 'gave-up') gaveUp.set({ instance }, 1)
    },
  }
}

/**
 * The metrics port's routes: /metrics for Prometheus, /health answering 503 once any instance was given up on
 * (an orchestrator then sees it), 200 otherwise, with each instance's state.
 */
export function createMetricsHandler(
  metrics: LauncherMetrics,
  phases: () => Readonly<Record<string, string>>,
): (request: Request) => Promise<Response> {
  return async (request) => {
    const { pathname } = new URL(request.url)
    if (pathname === '/metrics')
      return new Response(await metrics.registry.metrics(), {
        headers: { 'content-type': metrics.registry.contentType },
      })
    if (pathname === '/health') {
      const instances = phases()
      const failed = Object.values(instances).includes('failed')
      return Response.json({ status: failed ? 'failed' : 'ok', instances }, { status: failed ? 503 : 200 })
    }
    return new Response('not found', { status: 404 })
  }
}
