/**
 * @module Catalog entries DCGM's defaults lack, as `nvidia_smi_*` in base units (bytes, ratio, hertz, watts, seconds),
 * named the way nvidia_gpu_exporter names the same `--query-gpu` field.
 */
import { CLOCK_EVENT_REASONS } from '../nvidia-smi/xml-fields.ts'
import { type CatalogEntry, row } from './catalog-entry.ts'

export const EXTRA_ENTRIES: readonly CatalogEntry[] = [
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
