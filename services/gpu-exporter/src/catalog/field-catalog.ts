/**
 * @module The field catalog: nvidia-smi field → metric name, unit conversion and help, as data with one loop over it
 * (like dcgm-exporter's default-counters.csv). `DCGM_FI_*` names, units and label sets match dcgm-exporter so the
 * stock DCGM dashboard works; everything DCGM's defaults lack uses `nvidia_smi_*` in base units, named the way
 * nvidia_gpu_exporter names the same `--query-gpu` field.
 */
import { CLOCK_EVENT_REASONS } from '../nvidia-smi/xml-fields.ts'
import type { Conversion } from './value-parse.ts'

export interface CatalogEntry {
  /** The `--query-gpu` field name (XML paths are mapped onto it in nvidia-smi/xml-fields.ts). */
  readonly field: string
  readonly metric: string
  readonly conversion: Conversion
  /** Source unit → exposed unit, for the README table. */
  readonly unit: string
  readonly help: string
  /** Constant labels that tell entries of one family apart (e.g. the clock event reason). */
  readonly labels?: Readonly<Record<string, string>>
  /** Also reported per MIG instance, with GPU_I_ID. */
  readonly mig?: boolean
  /** Only `-q -x` reports it; never requested with `--query-gpu`. */
  readonly xmlOnly?: boolean
}

type Row = [field: string, metric: string, conversion: Conversion, unit: string, help: string]

const row = (
  [field, metric, conversion, unit, help]: Row,
  extra: Partial<CatalogEntry> = {},
): CatalogEntry => ({
  field,
  metric,
  conversion,
  unit,
  help,
  ...extra,
})

const DCGM: readonly CatalogEntry[] = [
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

const EXTRA: readonly CatalogEntry[] = [
  row(['power.limit', 'nvidia_smi_power_limit_watts', 'number', 'W → W', 'Current power limit in watts.']),
  row([
    'enforced.power.limit',
    'nvidia_smi_enforced_power_limit_watts',
    'number',
    'W → W',
    'Power limit the driver enforces (lowest of all limiters) in watts.',
  ]),
  row([
    'power.default_limit',
    'nvidia_smi_power_default_limit_watts',
    'number',
    'W → W',
    'Default power limit in watts.',
  ]),
  row([
    'power.min_limit',
    'nvidia_smi_power_min_limit_watts',
    'number',
    'W → W',
    'Minimum settable power limit.',
  ]),
  row([
    'power.max_limit',
    'nvidia_smi_power_max_limit_watts',
    'number',
    'W → W',
    'Maximum settable power limit.',
  ]),
  row([
    'power.draw.instant',
    'nvidia_smi_power_draw_instant_watts',
    'number',
    'W → W',
    'Instantaneous power draw in watts (DCGM_FI_DEV_POWER_USAGE is the averaged value where both exist).',
  ]),
  row([
    'fan.speed',
    'nvidia_smi_fan_speed_ratio',
    'percent_to_ratio',
    '% → 0-1',
    'Fan speed as a ratio (0-1).',
  ]),
  row([
    'pstate',
    'nvidia_smi_pstate',
    'pstate',
    'P0-P15 → 0-15',
    'Performance state (0 = maximum, 15 = minimum).',
  ]),
  row([
    'clocks.current.graphics',
    'nvidia_smi_clocks_current_graphics_clock_hz',
    'mhz_to_hz',
    'MHz → Hz',
    'Current graphics clock in hertz.',
  ]),
  row([
    'clocks.max.graphics',
    'nvidia_smi_clocks_max_graphics_clock_hz',
    'mhz_to_hz',
    'MHz → Hz',
    'Max graphics clock.',
  ]),
  row([
    'clocks.max.sm',
    'nvidia_smi_clocks_max_sm_clock_hz',
    'mhz_to_hz',
    'MHz → Hz',
    'Maximum SM clock in hertz.',
  ]),
  row([
    'clocks.max.memory',
    'nvidia_smi_clocks_max_memory_clock_hz',
    'mhz_to_hz',
    'MHz → Hz',
    'Maximum memory clock in hertz.',
  ]),
  row(
    [
      'temperature.gpu.slowdown_threshold',
      'nvidia_smi_temperature_gpu_slowdown_threshold',
      'number',
      '°C → °C',
      'GPU temperature at which the GPU slows down, in degrees Celsius.',
    ],
    { xmlOnly: true },
  ),
  row(
    [
      'temperature.gpu.shutdown_threshold',
      'nvidia_smi_temperature_gpu_shutdown_threshold',
      'number',
      '°C → °C',
      'GPU temperature at which the GPU shuts down, in degrees Celsius.',
    ],
    { xmlOnly: true },
  ),
  row([
    'ecc.mode.current',
    'nvidia_smi_ecc_mode_current',
    'enabled',
    'Enabled/Disabled → 1/0',
    'ECC mode enabled.',
  ]),
  row([
    'mig.mode.current',
    'nvidia_smi_mig_mode_current',
    'enabled',
    'Enabled/Disabled → 1/0',
    'MIG mode enabled.',
  ]),
  row([
    'persistence_mode',
    'nvidia_smi_persistence_mode',
    'enabled',
    'Enabled/Disabled → 1/0',
    'Persistence mode enabled.',
  ]),
  row([
    'pcie.link.gen.current',
    'nvidia_smi_pcie_link_gen_current',
    'number',
    'generation',
    'Current PCIe link gen.',
  ]),
  row([
    'pcie.link.width.current',
    'nvidia_smi_pcie_link_width_current',
    'number',
    '16x → 16',
    'Current PCIe link width (lanes).',
  ]),
  ...CLOCK_EVENT_REASONS.map((reason) =>
    row(
      [
        `clocks_event_reasons.${reason}`,
        'nvidia_smi_clocks_event_reason_active',
        'active',
        'Active/Not Active → 1/0',
        'Whether a clock event (throttle) reason is active, by reason.',
      ],
      { labels: { reason } },
    ),
  ),
  ...(
    [
      'sw_power_cap',
      'sync_boost',
      'sw_thermal_slowdown',
      'hw_thermal_slowdown',
      'hw_power_brake_slowdown',
    ] as const
  ).map((reason) =>
    row(
      [
        `clocks_event_reasons_counters.${reason}`,
        'nvidia_smi_clocks_event_reason_duration_seconds',
        'us_to_seconds',
        'us → s',
        'Time spent with a clock event (throttle) reason active since driver load (query-gpu only), by reason.',
      ],
      { labels: { reason } },
    ),
  ),
]

export const FIELD_CATALOG: readonly CatalogEntry[] = [...DCGM, ...EXTRA]

/** Fields to ask `--query-gpu` for: the catalog's, minus the XML-only ones. */
export const QUERY_GPU_FIELDS: readonly string[] = [
  ...new Set(FIELD_CATALOG.filter((entry) => !entry.xmlOnly).map((entry) => entry.field)),
]
