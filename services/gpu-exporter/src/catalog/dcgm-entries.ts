/**
 * @module Catalog entries with dcgm-exporter names: same name, unit (%, MiB, MHz, W, °C, KB/s) and help wording, so the
 * stock DCGM dashboard and DCGM-based alerts read them unchanged.
 */
import { type CatalogEntry, row } from './catalog-entry.ts'

export const DCGM_ENTRIES: readonly CatalogEntry[] = [
  row(['utilization.gpu', 'DCGM_FI_DEV_GPU_UTIL', 'number', '% → %', 'GPU utilization (in %).']),
  row(['utilization.memory', 'DCGM_FI_DEV_MEM_COPY_UTIL', 'number', '% → %', 'Memory utilization (in %).']),
  row(['utilization.encoder', 'DCGM_FI_DEV_ENC_UTIL', 'number', '% → %', 'Encoder utilization (in %).']),
  row(['utilization.decoder', 'DCGM_FI_DEV_DEC_UTIL', 'number', '% → %', 'Decoder utilization (in %).']),
  row(['memory.used', 'DCGM_FI_DEV_FB_USED', 'number', 'MiB → MiB', 'Framebuffer memory used (in MiB).'], {
    mig: true,
  }),
  row(['memory.free', 'DCGM_FI_DEV_FB_FREE', 'number', 'MiB → MiB', 'Framebuffer memory free (in MiB).'], {
    mig: true,
  }),
  row(
    [
      'memory.reserved',
      'DCGM_FI_DEV_FB_RESERVED',
      'number',
      'MiB → MiB',
      'Framebuffer memory reserved (in MiB).',
    ],
    { mig: true },
  ),
  row(['memory.total', 'DCGM_FI_DEV_FB_TOTAL', 'number', 'MiB → MiB', 'Framebuffer memory total (in MiB).'], {
    mig: true,
  }),
  row(['temperature.gpu', 'DCGM_FI_DEV_GPU_TEMP', 'number', '°C → °C', 'GPU temperature (in C).']),
  row(['temperature.memory', 'DCGM_FI_DEV_MEMORY_TEMP', 'number', '°C → °C', 'Memory temperature (in C).']),
  row(['power.draw', 'DCGM_FI_DEV_POWER_USAGE', 'number', 'W → W', 'Power draw (in W).']),
  row(['clocks.current.sm', 'DCGM_FI_DEV_SM_CLOCK', 'number', 'MHz → MHz', 'SM clock frequency (in MHz).']),
  row([
    'clocks.current.memory',
    'DCGM_FI_DEV_MEM_CLOCK',
    'number',
    'MHz → MHz',
    'Memory clock frequency (in MHz).',
  ]),
  row([
    'clocks.current.video',
    'DCGM_FI_DEV_VIDEO_CLOCK',
    'number',
    'MHz → MHz',
    'Video clock frequency (in MHz).',
  ]),
  row(
    [
      'pcie.tx_util',
      'DCGM_FI_DEV_PCIE_TX_THROUGHPUT',
      'number',
      'KB/s → KB/s',
      'PCIe TX throughput (in KB/s).',
    ],
    {
      xmlOnly: true,
    },
  ),
  row(
    [
      'pcie.rx_util',
      'DCGM_FI_DEV_PCIE_RX_THROUGHPUT',
      'number',
      'KB/s → KB/s',
      'PCIe RX throughput (in KB/s).',
    ],
    {
      xmlOnly: true,
    },
  ),
  row(
    [
      'pcie.replay_counter',
      'DCGM_FI_DEV_PCIE_REPLAY_COUNTER',
      'number',
      'count',
      'Total number of PCIe retries.',
    ],
    {
      xmlOnly: true,
    },
  ),
  row([
    'ecc.errors.corrected.volatile.total',
    'DCGM_FI_DEV_ECC_SBE_VOL_TOTAL',
    'number',
    'count',
    'Total number of single-bit (corrected) volatile ECC errors.',
  ]),
  row([
    'ecc.errors.uncorrected.volatile.total',
    'DCGM_FI_DEV_ECC_DBE_VOL_TOTAL',
    'number',
    'count',
    'Total number of double-bit (uncorrected) volatile ECC errors.',
  ]),
  row([
    'ecc.errors.corrected.aggregate.total',
    'DCGM_FI_DEV_ECC_SBE_AGG_TOTAL',
    'number',
    'count',
    'Total number of single-bit (corrected) persistent ECC errors.',
  ]),
  row([
    'ecc.errors.uncorrected.aggregate.total',
    'DCGM_FI_DEV_ECC_DBE_AGG_TOTAL',
    'number',
    'count',
    'Total number of double-bit (uncorrected) persistent ECC errors.',
  ]),
  row([
    'retired_pages.single_bit_ecc.count',
    'DCGM_FI_DEV_RETIRED_SBE',
    'number',
    'count',
    'Total number of retired pages due to single-bit errors.',
  ]),
  row([
    'retired_pages.double_bit.count',
    'DCGM_FI_DEV_RETIRED_DBE',
    'number',
    'count',
    'Total number of retired pages due to double-bit errors.',
  ]),
  row([
    'retired_pages.pending',
    'DCGM_FI_DEV_RETIRED_PENDING',
    'yes',
    'Yes/No → 1/0',
    'Page retirement pending.',
  ]),
  row([
    'remapped_rows.correctable',
    'DCGM_FI_DEV_CORRECTABLE_REMAPPED_ROWS',
    'number',
    'count',
    'Number of remapped rows for correctable errors.',
  ]),
  row([
    'remapped_rows.uncorrectable',
    'DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS',
    'number',
    'count',
    'Number of remapped rows for uncorrectable errors.',
  ]),
  row([
    'remapped_rows.failure',
    'DCGM_FI_DEV_ROW_REMAP_FAILURE',
    'yes',
    'Yes/No → 1/0',
    'Whether remapping of rows has failed.',
  ]),
  row([
    'remapped_rows.pending',
    'DCGM_FI_DEV_ROW_REMAP_PENDING',
    'yes',
    'Yes/No → 1/0',
    'Row remapping pending.',
  ]),
]
