/**
 * @module Fixture synthesis for tests and the benchmark: multi-GPU XML from the single-GPU captures, and a v13-schema
 * variant of the v12 capture (no real v13 capture is available). Values are the captures' own.
 */
import { chmod } from 'node:fs/promises'
import { join } from 'node:path'

export const FIXTURES = join(import.meta.dir, 'fixtures')
export const FAKE_SMI = join(FIXTURES, 'fake-nvidia-smi')
export const T4_XML = join(FIXTURES, 'tesla-t4_drv515.105.01_q-x.xml')
export const A100_XML = join(FIXTURES, 'a100-sxm4-80gb-mig_drv535.54.03_q-x.xml')
export const H100_CAPTURE = join(FIXTURES, 'h100-80gb-hbm3_drv590.48.01_full-capture.txt')
export const H100_CORE_CSV = join(FIXTURES, 'h100-80gb-hbm3_drv590.48.01_query-gpu-core-fields_load.csv')
export const H100_IDLE_CSV = join(FIXTURES, 'h100-80gb-hbm3_drv590.48.01_query-gpu-all-fields_idle.csv')
export const H100_LOAD_CSV = join(FIXTURES, 'h100-80gb-hbm3_drv590.48.01_query-gpu-all-fields_load.csv')
export const H100_APPS_CSV = join(FIXTURES, 'h100-80gb-hbm3_drv590.48.01_query-compute-apps_load.csv')
export const RTX_APPS_CSV = join(FIXTURES, 'rtx-2080-super-windows_drv610.62_query-compute-apps_load.csv')

function gpuBlock(xml: string): string {
  const start = xml.indexOf('<gpu id=')
  const end = xml.lastIndexOf('</gpu>')
  if (start < 0 || end < 0) throw new Error('fixture has no <gpu> element')
  return xml.slice(start, end + '</gpu>'.length)
}

/**
 * An `nvidia-smi -q -x` document with `count` GPUs, cycling through `sources` (XML texts). GPU i gets a distinct
 * UUID ending in its number and PCI bus id 00000000:<i+1 in hex>:00.0, so that series never collide.
 */
export function multiGpuXml(sources: readonly string[], count: number): string {
  const first = sources[0]
  if (first === undefined) throw new Error('no source XML')
  const head = first
    .slice(0, first.indexOf('<gpu id='))
    .replace(/<attached_gpus>\d+</, `<attached_gpus>${count}<`)
  const blocks: string[] = []
  for (let i = 0; i < count; i += 1) {
    const source = sources[i % sources.length] ?? first
    const bus = `00000000:${(i + 1).toString(16).toUpperCase().padStart(2, '0')}:00.0`
    blocks.push(
      gpuBlock(source)
        .replace(/<gpu id="[^"]*">/, `<gpu id="${bus}">`)
        .replace(/<pci_bus_id>[^<]*</, `<pci_bus_id>${bus}<`)
        .replace(
          /<uuid>GPU-([0-9a-f-]+)-[0-9a-f]{12}</,
          (_, prefix: string) => `<uuid>GPU-${prefix}-${String(i).padStart(12, '0')}<`,
        ),
    )
  }
  return `${head}${blocks.join('\n    ')}\n</nvidia_smi_log>\n`
}

/**
 * The A100 v12 capture rewritten to the v13 power schema: `power_draw` becomes `average_power_draw` (same value)
 * plus an `instant_power_draw` of 71.50 W, and the DTD says v13.
 */
export function v13Xml(v12: string): string {
  return v12
    .replace('nvsmi_device_v12.dtd', 'nvsmi_device_v13.dtd')
    .replace(
      /(<gpu_power_readings>[\s\S]*?)<power_draw>([^<]*)<\/power_draw>/,
      '$1<average_power_draw>$2</average_power_draw>\n            <instant_power_draw>71.50 W</instant_power_draw>',
    )
    .replace(
      /(<module_power_readings>[\s\S]*?)<power_draw>([^<]*)<\/power_draw>/,
      '$1<average_power_draw>$2</average_power_draw>\n            <instant_power_draw>N/A</instant_power_draw>',
    )
}

/** Writes an executable wrapper that runs the fake nvidia-smi with `env` set; returns its path (for NVIDIA_SMI_PATH). */
export async function fakeSmi(dir: string, env: Readonly<Record<string, string>>): Promise<string> {
  const path = join(dir, `nvidia-smi-${Math.random().toString(36).slice(2)}`)
  const exports = Object.entries(env)
    .map(([name, value]) => `export ${name}='${value.replace(/'/g, `'\\''`)}'`)
    .join('\n')
  await Bun.write(path, `#!/bin/sh\n${exports}\nexec '${FAKE_SMI}' "$@"\n`)
  await chmod(path, 0o755)
  return path
}
