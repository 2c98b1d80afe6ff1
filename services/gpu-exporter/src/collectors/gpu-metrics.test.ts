import { describe, expect, test } from 'bun:test'
import {
  A100_XML,
  H100_APPS_CSV,
  H100_LOAD_CSV,
  multiGpuXml,
  RTX_APPS_CSV,
  T4_XML,
  v13Xml,
} from '../../test/synthesize.ts'
import { parseSmiCsv } from '../nvidia-smi/csv-parse.ts'
import { snapshotFromCsv } from '../nvidia-smi/csv-snapshot.ts'
import type { SmiSnapshot } from '../nvidia-smi/snapshot.ts'
import { parseSmiXml } from '../nvidia-smi/xml-parse.ts'
import { snapshotFromXml } from '../nvidia-smi/xml-snapshot.ts'
import { renderFamilies } from '../render.ts'
import { gpuMetrics } from './gpu-metrics.ts'

const t4 = await Bun.file(T4_XML).text()
const a100 = await Bun.file(A100_XML).text()
const exposition = (snapshot: SmiSnapshot) => renderFamilies(gpuMetrics(snapshot, 'node-1').families)
const fromXml = (xml: string) => exposition(snapshotFromXml(parseSmiXml(xml)))

const T4_DCGM =
  'gpu="0",UUID="GPU-d37e67a5-91dd-3774-a5cb-99096249601a",pci_bus_id="00000000:00:1E.0",device="nvidia0",modelName="Tesla T4",Hostname="node-1"'
const T4_EXTRA =
  'gpu="0",UUID="GPU-d37e67a5-91dd-3774-a5cb-99096249601a",pci_bus_id="00000000:00:1E.0",device="nvidia0",Hostname="node-1"'
const A100_DCGM =
  'gpu="0",UUID="GPU-513536b6-7d19-9063-b049-1e69664bb298",pci_bus_id="00000000:01:00.0",device="nvidia0",modelName="NVIDIA A100-SXM4-80GB"'
const H100_DCGM =
  'gpu="0",UUID="GPU-00000000-0000-0000-0000-000000000000",pci_bus_id="00000000:00:09.0",device="nvidia0",modelName="NVIDIA H100 80GB HBM3",Hostname="node-1"'
const H100_EXTRA =
  'gpu="0",UUID="GPU-00000000-0000-0000-0000-000000000000",pci_bus_id="00000000:00:09.0",device="nvidia0",Hostname="node-1"'

describe('gpuMetrics on the Tesla T4 capture (XML v11)', () => {
  const text = fromXml(t4)

  test('DCGM families carry dcgm-exporter labels and the capture’s exact values in DCGM units', () => {
    for (const line of [
      `DCGM_FI_DEV_GPU_UTIL{${T4_DCGM}} 0`,
      `DCGM_FI_DEV_FB_USED{${T4_DCGM}} 1032`,
      `DCGM_FI_DEV_FB_FREE{${T4_DCGM}} 13939`,
      `DCGM_FI_DEV_FB_RESERVED{${T4_DCGM}} 388`,
      `DCGM_FI_DEV_GPU_TEMP{${T4_DCGM}} 40`,
      `DCGM_FI_DEV_POWER_USAGE{${T4_DCGM}} 26.78`,
      `DCGM_FI_DEV_SM_CLOCK{${T4_DCGM}} 585`,
      `DCGM_FI_DEV_MEM_CLOCK{${T4_DCGM}} 5000`,
      `DCGM_FI_DEV_PCIE_TX_THROUGHPUT{${T4_DCGM}} 0`,
      `DCGM_FI_DEV_ECC_DBE_VOL_TOTAL{${T4_DCGM}} 0`,
    ])
      expect(text).toContain(`\n${line}\n`)
  })

  test('extras use base units and no modelName', () => {
    for (const line of [
      `nvidia_smi_power_limit_watts{${T4_EXTRA}} 70`,
      `nvidia_smi_pstate{${T4_EXTRA}} 0`,
      `nvidia_smi_clocks_max_sm_clock_hz{${T4_EXTRA}} 1590000000`,
      `nvidia_smi_pcie_link_width_current{${T4_EXTRA}} 8`,
      `nvidia_smi_ecc_mode_current{${T4_EXTRA}} 1`,
      `nvidia_smi_clocks_event_reason_active{${T4_EXTRA},reason="sw_power_cap"} 0`,
      `nvidia_smi_processes{${T4_EXTRA}} 2`,
      `nvidia_smi_process_used_memory_bytes{${T4_EXTRA},pid="675",process_name="/usr/lib/xorg/Xorg",type="G"} 23068672`,
      `nvidia_smi_process_used_memory_bytes{${T4_EXTRA},pid="5762",process_name="python",type="C"} 1053818880`,
      'nvidia_smi_driver_info{Hostname="node-1",driver_version="515.105.01",cuda_version="11.7"} 1',
      `nvidia_smi_gpu_info{${T4_EXTRA},model_name="Tesla T4",vbios_version="90.04.84.00.06"} 1`,
    ])
      expect(text).toContain(`\n${line}\n`)
    expect(text).not.toMatch(/^nvidia_smi_\S*\{[^}]*modelName/m)
  })

  test('unavailable fields (memory temp, fan) are omitted, never 0 or NaN', () => {
    expect(text).not.toContain('DCGM_FI_DEV_MEMORY_TEMP')
    expect(text).not.toContain('nvidia_smi_fan_speed_ratio')
    expect(text).not.toContain('NaN')
    // remapped_rows is N/A on this card
    expect(text).not.toContain('REMAPPED_ROWS')
  })

  test('every family has HELP and TYPE gauge', () => {
    const families = new Set([...text.matchAll(/^([A-Za-z_]\w*)[{ ]/gm)].map((match) => match[1]))
    for (const family of families) {
      expect(text).toContain(`# HELP ${family} `)
      expect(text).toContain(`# TYPE ${family} gauge\n`)
    }
  })
})

describe('gpuMetrics on the A100 capture (XML v12, MIG)', () => {
  const text = fromXml(a100)

  test('MIG on: utilization is N/A and omitted; power, temperatures and framebuffer are exact', () => {
    expect(text).not.toContain('DCGM_FI_DEV_GPU_UTIL')
    expect(text).not.toContain('DCGM_FI_DEV_MEM_COPY_UTIL')
    expect(text).toContain(`\nDCGM_FI_DEV_POWER_USAGE{${A100_DCGM},Hostname="node-1"} 67.03\n`)
    expect(text).toContain(`\nDCGM_FI_DEV_MEMORY_TEMP{${A100_DCGM},Hostname="node-1"} 44\n`)
    expect(text).toContain(`\nDCGM_FI_DEV_FB_USED{${A100_DCGM},Hostname="node-1"} 50\n`)
    expect(text).toContain(`\nDCGM_FI_DEV_PCIE_TX_THROUGHPUT{${A100_DCGM},Hostname="node-1"} 4000\n`)
  })

  test('each MIG instance gets framebuffer series labelled GPU_I_ID', () => {
    for (const id of ['3', '4', '5', '6']) {
      expect(text).toContain(`\nDCGM_FI_DEV_FB_USED{${A100_DCGM},GPU_I_ID="${id}",Hostname="node-1"} 12\n`)
      expect(text).toContain(`\nDCGM_FI_DEV_FB_FREE{${A100_DCGM},GPU_I_ID="${id}",Hostname="node-1"} 19955\n`)
    }
    expect(text).toMatch(/\nnvidia_smi_mig_mode_current\{[^}]*\} 1\n/)
  })

  test('no processes: the count is 0 and there are no per-process series', () => {
    expect(text).toMatch(/\nnvidia_smi_processes\{[^}]*\} 0\n/)
    expect(text).not.toContain('nvidia_smi_process_used_memory_bytes')
  })

  test('v13 power schema gives the same DCGM power and an instant-power extra', () => {
    const v13 = fromXml(v13Xml(a100))
    expect(v13).toContain(`\nDCGM_FI_DEV_POWER_USAGE{${A100_DCGM},Hostname="node-1"} 67.03\n`)
    expect(v13).toMatch(/\nnvidia_smi_power_draw_instant_watts\{[^}]*\} 71\.5\n/)
  })
})

describe('gpuMetrics on the H100 query-gpu capture (CSV)', () => {
  test('exact values from the load capture, ratios and hertz for extras', async () => {
    const snapshot = snapshotFromCsv(
      parseSmiCsv(await Bun.file(H100_LOAD_CSV).text()),
      parseSmiCsv(await Bun.file(H100_APPS_CSV).text()),
      '13.1',
    )
    const text = exposition(snapshot)
    for (const line of [
      `DCGM_FI_DEV_GPU_UTIL{${H100_DCGM}} 100`,
      `DCGM_FI_DEV_MEM_COPY_UTIL{${H100_DCGM}} 11`,
      `DCGM_FI_DEV_FB_USED{${H100_DCGM}} 19818`,
      `DCGM_FI_DEV_FB_FREE{${H100_DCGM}} 61263`,
      `DCGM_FI_DEV_FB_RESERVED{${H100_DCGM}} 479`,
      `DCGM_FI_DEV_GPU_TEMP{${H100_DCGM}} 59`,
      `DCGM_FI_DEV_MEMORY_TEMP{${H100_DCGM}} 54`,
      `DCGM_FI_DEV_POWER_USAGE{${H100_DCGM}} 631.95`,
      `DCGM_FI_DEV_SM_CLOCK{${H100_DCGM}} 1980`,
      `DCGM_FI_DEV_MEM_CLOCK{${H100_DCGM}} 2619`,
      `DCGM_FI_DEV_CORRECTABLE_REMAPPED_ROWS{${H100_DCGM}} 0`,
      `DCGM_FI_DEV_ROW_REMAP_FAILURE{${H100_DCGM}} 0`,
      `nvidia_smi_power_limit_watts{${H100_EXTRA}} 700`,
      `nvidia_smi_power_draw_instant_watts{${H100_EXTRA}} 625.68`,
      `nvidia_smi_clocks_event_reason_duration_seconds{${H100_EXTRA},reason="sw_power_cap"} 0`,
      `nvidia_smi_process_used_memory_bytes{${H100_EXTRA},pid="11345",process_name="./gpu_burn"} ${15690 * 1048576}`,
      'nvidia_smi_driver_info{Hostname="node-1",driver_version="590.48.01",cuda_version="13.1"} 1',
    ])
      expect(text).toContain(`\n${line}\n`)
    // fan.speed, retired pages and the deprecated display/applications clocks are unavailable here
    expect(text).not.toContain('nvidia_smi_fan_speed_ratio')
    expect(text).not.toContain('DCGM_FI_DEV_RETIRED_SBE')
  })

  test('Windows WDDM processes without memory figures are counted but get no memory series', async () => {
    const snapshot = snapshotFromCsv(
      parseSmiCsv(await Bun.file(H100_LOAD_CSV).text()),
      parseSmiCsv(await Bun.file(RTX_APPS_CSV).text()),
    )
    const { families, unreadable } = gpuMetrics(snapshot, 'node-1')
    const text = renderFamilies(families)
    expect(text).toContain(`\nnvidia_smi_processes{${H100_EXTRA}} 21\n`)
    expect(text).not.toContain('nvidia_smi_process_used_memory_bytes')
    expect(unreadable).toEqual([])
  })
})

describe('gpuMetrics robustness', () => {
  test('eight GPUs synthesized from the captures each get their own series', () => {
    const text = fromXml(multiGpuXml([t4, a100], 8))
    const temps = text.split('\n').filter((line) => line.startsWith('DCGM_FI_DEV_GPU_TEMP{'))
    expect(temps).toHaveLength(8)
    expect(temps.map((line) => /gpu="(\d)"/.exec(line)?.[1])).toEqual([
      '0',
      '1',
      '2',
      '3',
      '4',
      '5',
      '6',
      '7',
    ])
    expect(temps[0]).toEndWith(' 40')
    expect(temps[1]).toEndWith(' 27')
    expect(text).toContain('device="nvidia7"')
  })

  test('unreadable cells are dropped and reported; the rest of the GPU is still exported', () => {
    const broken = t4
      .replace('<gpu_temp>40 C</gpu_temp>', '<gpu_temp>hot</gpu_temp>')
      .replace('<used_memory>22 MiB', '<used_memory>lots')
    const { families, unreadable } = gpuMetrics(snapshotFromXml(parseSmiXml(broken)), 'h')
    const text = renderFamilies(families)
    expect(text).not.toContain('DCGM_FI_DEV_GPU_TEMP')
    expect(text).toContain('DCGM_FI_DEV_POWER_USAGE{')
    expect(unreadable).toEqual(['gpu 0 temperature.gpu=hot', 'process 675 used_memory=lots'])
  })

  test('a process listed twice with the same labels is summed, not duplicated', () => {
    const snapshot: SmiSnapshot = {
      gpus: [
        {
          index: '0',
          uuid: 'GPU-1',
          name: 'X',
          pciBusId: 'b',
          fields: {},
          migDevices: [],
          processes: [
            { pid: '7', processName: 'p', usedMemory: '1 MiB', gpuInstanceId: '2' },
            { pid: '7', processName: 'p', usedMemory: '2 MiB', gpuInstanceId: '2' },
          ],
        },
      ],
    }
    const text = exposition(snapshot)
    expect(text).toContain(
      'nvidia_smi_process_used_memory_bytes{gpu="0",UUID="GPU-1",pci_bus_id="b",device="nvidia0",Hostname="node-1",pid="7",process_name="p",GPU_I_ID="2"} 3145728\n',
    )
    expect(text).toContain('nvidia_smi_driver_info{Hostname="node-1",driver_version="",cuda_version=""} 1')
  })
})
