/**
 * @module Polls every collector in the background and keeps the last result rendered, so a scrape costs a string
 * concatenation, never an nvidia-smi run. Each collector polls on its own loop: the next poll starts only after the
 * previous one finished, so slow nvidia-smi runs never pile up.
 */
import type { Logger } from '@infergate/logger'
import { FamilyBuilder, renderFamilies } from '../render.ts'
import type { Collector } from './collector.ts'

export interface CollectorState {
  readonly name: string
  readonly success: boolean
  readonly polls: number
  readonly durationSeconds?: number
  /** Epoch ms of the last successful poll. */
  readonly lastSuccessAt?: number
  readonly error?: string
  readonly warnings: readonly string[]
}

export interface CollectorRegistry {
  /** Runs every collector once, in parallel; resolves when all are done. */
  pollAll(): Promise<void>
  /** Starts the background loops; the first poll starts at once. */
  start(pollMs: number): void
  stop(): void
  /** The exposition: cached collector output plus self-metrics computed at `now`. */
  render(): string
  states(): CollectorState[]
}

export interface RegistryOptions {
  readonly collectors: readonly Collector[]
  readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>
  /** Epoch ms; injected so tests control sample age. */
  readonly now: () => number
}

/** Self-metrics for the given states. Pure: `now` decides the sample age. */
export function selfMetrics(states: readonly CollectorState[], now: number): string {
  const builder = new FamilyBuilder()
  for (const state of states) {
    const labels = [['collector', state.name]] as const
    builder.add(
      'gpu_exporter_collector_success',
      'Whether the last poll of the collector succeeded (1) or not (0).',
      labels,
      state.success ? 1 : 0,
    )
    if (state.durationSeconds !== undefined)
      builder.add(
        'gpu_exporter_collector_duration_seconds',
        'How long the last poll of the collector took.',
        labels,
        state.durationSeconds,
      )
    if (state.lastSuccessAt !== undefined)
      builder.add(
        'gpu_exporter_sample_age_seconds',
        'Age of the samples served for the collector (time since its last successful poll).',
        labels,
        Math.max(0, (now - state.lastSuccessAt) / 1000),
      )
  }
  return renderFamilies(builder.build())
}

export function createCollectorRegistry(options: RegistryOptions): CollectorRegistry {
  const { logger, now } = options
  const entries = options.collectors.map((collector) => ({
    collector,
    text: '',
    state: { name: collector.name, success: false, polls: 0, warnings: [] } as CollectorState,
    timer: undefined as ReturnType<typeof setTimeout> | undefined,
  }))
  let running = false

  async function poll(entry: (typeof entries)[number]): Promise<void> {
    const started = now()
    const startedPrecise = performance.now()
    const result = await entry.collector.collect().catch((error: unknown) => ({
      ok: false as const,
      error: `collector threw: ${error instanceof Error ? error.message : String(error)}`,
    }))
    const durationSeconds = (performance.now() - startedPrecise) / 1000
    const previous = entry.state
    const name = entry.collector.name
    if (result.ok) {
      entry.text = renderFamilies(result.families)
      entry.state = {
        name,
        success: true,
        polls: previous.polls + 1,
        durationSeconds,
        lastSuccessAt: started,
        warnings: result.warnings,
      }
      if (!previous.success && previous.polls > 0)
        logger.info({ collector: name }, `collector ${name} recovered`)
      if (result.warnings.join('\n') !== previous.warnings.join('\n') && result.warnings.length > 0)
        logger.warn(
          { collector: name, warnings: result.warnings },
          `collector ${name}: ${result.warnings[0]}`,
        )
      return
    }
    // A failed poll serves no GPU samples rather than stale ones: success=0 is the signal, not frozen values.
    entry.text = ''
    entry.state = {
      ...previous,
      success: false,
      polls: previous.polls + 1,
      durationSeconds,
      error: result.error,
      warnings: [],
    }
    if (previous.success || previous.error !== result.error || previous.polls === 0)
      logger.error({ collector: name, error: result.error }, `collector ${name} failed: ${result.error}`)
  }

  function loop(entry: (typeof entries)[number], pollMs: number): void {
    const started = performance.now()
    void poll(entry).then(() => {
      if (!running) return
      const delay = Math.max(0, pollMs - (performance.now() - started))
      entry.timer = setTimeout(() => loop(entry, pollMs), delay)
    })
  }

  return {
    async pollAll() {
      await Promise.all(entries.map(poll))
    },
    start(pollMs) {
      if (running) return
      running = true
      for (const entry of entries) loop(entry, pollMs)
    },
    stop() {
      running = false
      for (const entry of entries) clearTimeout(entry.timer)
    },
    render() {
      let out = ''
      for (const entry of entries) out += entry.text
      return out + selfMetrics(currentStates(), now())
    },
    states: () => currentStates(),
  }

  function currentStates(): CollectorState[] {
    return entries.map((entry) => entry.state)
  }
}
