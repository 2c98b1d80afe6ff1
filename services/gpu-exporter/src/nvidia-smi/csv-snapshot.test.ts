import { describe, expect, test } from 'bun:test'
import { H100_APPS_CSV, H100_LOAD_CSV, RTX_APPS_CSV } from '../../test/synthesize.ts'
import { parseSmiCsv } from './csv-parse.ts'
import { canonicalField, selectQueryFields, snapshotFromCsv } from './csv-snapshot.ts'

const table = async (path: string) => parseSmiCsv(await Bun.file(path).text())

describe('snapshotFromCsv', () => {
  test('one reading per row, with identity from the identity columns and processes joined on UUID', async () => {
    const snapshot = snapshotFromCsv(await table(H100_LOAD_CSV), await table(H100_APPS_CSV), '13.1')
    expect(snapshot.driverVersion).toBe('590.48.01')
    expect(snapshot.cudaVersion).toBe('13.1')
    const gpu = snapshot.gpus[0]
    expect(gpu).toMatchObject({
      index: '0',
      uuid: 'GPU-00000000-0000-0000-0000-000000000000',
      name: 'NVIDIA H100 80GB HBM3',
      pciBusId: '00000000:00:09.0',
    })
    expect(gpu?.fields['power.draw.instant']).toBe('625.68 W')
    expect(gpu?.processes.map((process) => [process.pid, process.processName, process.usedMemory])).toEqual([
      ['11327', '/root/tools/memhog', '2566 MiB'],
      ['11328', '/root/tools/memhog', '1542 MiB'],
      ['11345', './gpu_burn', '15690 MiB'],
    ])
  })

  test('processes of another GPU are not attached, and no app table means no processes', async () => {
    const snapshot = snapshotFromCsv(await table(H100_LOAD_CSV), await table(RTX_APPS_CSV))
    // The RTX capture's UUID is also zeroed, so it joins: every process is kept, with its [N/A] memory.
    expect(snapshot.gpus[0]?.processes).toHaveLength(21)
    const other = parseSmiCsv('gpu_uuid, pid, process_name, used_gpu_memory [MiB]\nGPU-other, 1, x, 5 MiB\n')
    expect(snapshotFromCsv(await table(H100_LOAD_CSV), other).gpus[0]?.processes).toEqual([])
    expect(snapshotFromCsv(await table(H100_LOAD_CSV)).gpus[0]?.processes).toEqual([])
  })

  test('older drivers’ clocks_throttle_reasons columns land on the clocks_event_reasons names', () => {
    const csv = parseSmiCsv('index, uuid, clocks_throttle_reasons.sw_power_cap\n0, GPU-1, Active\n')
    expect(snapshotFromCsv(csv).gpus[0]?.fields['clocks_event_reasons.sw_power_cap']).toBe('Active')
    expect(canonicalField('clocks_event_reasons.gpu_idle')).toBe('clocks_event_reasons.gpu_idle')
  })

  test('missing identity columns fall back to the row position and empty strings', () => {
    const gpu = snapshotFromCsv(parseSmiCsv('fan.speed [%]\n40 %\n')).gpus[0]
    expect(gpu).toMatchObject({ index: '0', uuid: '', name: '', pciBusId: '' })
  })
})

describe('selectQueryFields', () => {
  test('keeps identity and wanted fields the driver supports, falling back to the throttle spelling', () => {
    const supported = new Set([
      'index',
      'uuid',
      'name',
      'pci.bus_id',
      'power.draw',
      'clocks_throttle_reasons.gpu_idle',
    ])
    expect(
      selectQueryFields(['power.draw', 'power.draw.instant', 'clocks_event_reasons.gpu_idle'], supported),
    ).toEqual(['index', 'uuid', 'name', 'pci.bus_id', 'power.draw', 'clocks_throttle_reasons.gpu_idle'])
  })
})
