/**
 * @module Where each field lives in `nvidia-smi -q -x`, per schema version. Alternatives are tried in order and the
 * first one that holds a value wins, so v11 (`power_readings`), v12 (`gpu_power_readings`) and v13
 * (`average_power_draw`/`instant_power_draw`) all land on the same field name.
 */

const BASE_FIELDS: Readonly<Record<string, readonly string[]>> = {
  'utilization.gpu': ['utilization.gpu_util'],
  'utilization.memory': ['utilization.memory_util'],
  'utilization.encoder': ['utilization.encoder_util'],
  'utilization.decoder': ['utilization.decoder_util'],
  'memory.total': ['fb_memory_usage.total'],
  'memory.reserved': ['fb_memory_usage.reserved'],
  'memory.used': ['fb_memory_usage.used'],
  'memory.free': ['fb_memory_usage.free'],
  'temperature.gpu': ['temperature.gpu_temp'],
  'temperature.memory': ['temperature.memory_temp'],
  'temperature.gpu.slowdown_threshold': ['temperature.gpu_temp_slow_threshold'],
  'temperature.gpu.shutdown_threshold': ['temperature.gpu_temp_max_threshold'],
  'power.draw': [
    'gpu_power_readings.power_draw',
    'gpu_power_readings.average_power_draw',
    'power_readings.power_draw',
    'power_readings.average_power_draw',
  ],
  'power.draw.instant': ['gpu_power_readings.instant_power_draw', 'power_readings.instant_power_draw'],
  'power.limit': ['gpu_power_readings.current_power_limit', 'power_readings.power_limit'],
  'enforced.power.limit': ['gpu_power_readings.enforced_power_limit', 'power_readings.enforced_power_limit'],
  'power.default_limit': ['gpu_power_readings.default_power_limit', 'power_readings.default_power_limit'],
  'power.min_limit': ['gpu_power_readings.min_power_limit', 'power_readings.min_power_limit'],
  'power.max_limit': ['gpu_power_readings.max_power_limit', 'power_readings.max_power_limit'],
  'clocks.current.graphics': ['clocks.graphics_clock'],
  'clocks.current.sm': ['clocks.sm_clock'],
  'clocks.current.memory': ['clocks.mem_clock'],
  'clocks.current.video': ['clocks.video_clock'],
  'clocks.max.graphics': ['max_clocks.graphics_clock'],
  'clocks.max.sm': ['max_clocks.sm_clock'],
  'clocks.max.memory': ['max_clocks.mem_clock'],
  'fan.speed': ['fan_speed'],
  pstate: ['performance_state'],
  persistence_mode: ['persistence_mode'],
  'ecc.mode.current': ['ecc_mode.current_ecc'],
  'mig.mode.current': ['mig_mode.current_mig'],
  'pcie.link.gen.current': ['pci.pci_gpu_link_info.pcie_gen.current_link_gen'],
  'pcie.link.width.current': ['pci.pci_gpu_link_info.link_widths.current_link_width'],
  'pcie.tx_util': ['pci.tx_util'],
  'pcie.rx_util': ['pci.rx_util'],
  'pcie.replay_counter': ['pci.replay_counter'],
  'retired_pages.single_bit_ecc.count': ['retired_pages.multiple_single_bit_retirement.retired_count'],
  'retired_pages.double_bit.count': ['retired_pages.double_bit_retirement.retired_count'],
  'retired_pages.pending': ['retired_pages.pending_retirement'],
  'remapped_rows.correctable': ['remapped_rows.remapped_row_corr'],
  'remapped_rows.uncorrectable': ['remapped_rows.remapped_row_unc'],
  'remapped_rows.pending': ['remapped_rows.remapped_row_pending'],
  'remapped_rows.failure': ['remapped_rows.remapped_row_failure'],
  vbios_version: ['vbios_version'],
}

/** Clock event ("throttle" before v12) reasons, as named after the `clocks_event_reason_` prefix. */
export const CLOCK_EVENT_REASONS = [
  'gpu_idle',
  'applications_clocks_setting',
  'sw_power_cap',
  'hw_slowdown',
  'hw_thermal_slowdown',
  'hw_power_brake_slowdown',
  'sync_boost',
  'sw_thermal_slowdown',
  'display_clocks_setting',
] as const

/** Field name (as in `--query-gpu`) → XML paths below `<gpu>`, dot-separated. */
export const XML_FIELDS: Readonly<Record<string, readonly string[]>> = {
  ...BASE_FIELDS,
  ...Object.fromEntries(
    CLOCK_EVENT_REASONS.map((reason) => [
      `clocks_event_reasons.${reason}`,
      [
        `clocks_event_reasons.clocks_event_reason_${reason}`,
        `clocks_throttle_reasons.clocks_throttle_reason_${reason}`,
      ],
    ]),
  ),
}

/**
 * ECC totals are sums of per-location counters whose names changed across versions (`single_bit.total` in v10,
 * `sram_correctable` + `dram_correctable` from v11, `sram_uncorrectable_parity/_secded` splits later). Listed here
 * as (field, block, counters that add up to the total, or one total that replaces them).
 */
export interface EccTotal {
  readonly field: string
  readonly block: 'volatile' | 'aggregate'
  /** The pre-v11 single counter; used when present. */
  readonly total: string
  /** Counters summed otherwise; each entry lists alternatives, the first present one counted. */
  readonly parts: readonly (readonly (readonly string[])[])[]
}

export const ECC_TOTALS: readonly EccTotal[] = (['volatile', 'aggregate'] as const).flatMap((block) => [
  {
    field: `ecc.errors.corrected.${block}.total`,
    block,
    total: 'single_bit.total',
    parts: [[['sram_correctable']], [['dram_correctable']]],
  },
  {
    field: `ecc.errors.uncorrected.${block}.total`,
    block,
    total: 'double_bit.total',
    // Newer drivers split sram_uncorrectable into parity + secded; count the split pair only when the sum is absent.
    parts: [
      [['sram_uncorrectable'], ['sram_uncorrectable_parity', 'sram_uncorrectable_secded']],
      [['dram_uncorrectable']],
    ],
  },
])
