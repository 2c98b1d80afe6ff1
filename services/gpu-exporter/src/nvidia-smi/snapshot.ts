/** @module The normalised reading of one nvidia-smi run, whatever the source (XML or CSV) and schema version. */

/**
 * Raw cells keyed by the `--query-gpu` field name (`utilization.gpu`, `power.draw`, `clocks_event_reasons.sw_power_cap`).
 * XML paths are mapped onto the same names so one catalog serves both sources; a few XML-only values get names in
 * the same style (`pcie.tx_util`). Values stay text: conversion happens once, in the catalog.
 */
export type FieldCells = Readonly<Record<string, string>>

export interface ProcessReading {
  readonly pid: string
  readonly processName: string
  /** `C`, `G` or `C+G`; CSV does not report it. */
  readonly type?: string
  readonly usedMemory?: string
  readonly gpuInstanceId?: string
}

export interface MigReading {
  readonly gpuInstanceId: string
  readonly computeInstanceId?: string
  readonly fields: FieldCells
}

export interface GpuReading {
  /** nvidia-smi's index (position in `-q -x`, the `index` column in CSV), DCGM's `gpu` label. */
  readonly index: string
  readonly uuid: string
  readonly name: string
  readonly pciBusId: string
  readonly fields: FieldCells
  readonly processes: readonly ProcessReading[]
  readonly migDevices: readonly MigReading[]
}

export interface SmiSnapshot {
  readonly driverVersion?: string
  readonly cudaVersion?: string
  readonly gpus: readonly GpuReading[]
}
