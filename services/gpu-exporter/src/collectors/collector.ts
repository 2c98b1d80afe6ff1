/** @module The contract between a collector and the registry that polls it. */
import type { MetricFamily } from '../render.ts'

export type CollectResult =
  | { readonly ok: true; readonly families: readonly MetricFamily[]; readonly warnings: readonly string[] }
  | { readonly ok: false; readonly error: string }

export interface Collector {
  /** The `collector` label of the self-metrics, e.g. `gpu`, `host`. */
  readonly name: string
  /** Gathers one sample. Must not reject: failures are returned, so that one collector never sinks another. */
  collect(): Promise<CollectResult>
}
