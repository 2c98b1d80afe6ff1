import { describe, expect, test } from 'bun:test'
import { A100_XML, multiGpuXml, T4_XML, v13Xml } from '../../test/synthesize.ts'
import { parseSmiXml } from './xml-parse.ts'
import { asList, snapshotFromXml } from './xml-snapshot.ts'

const t4 = await Bun.file(T4_XML).text()
const a100 = await Bun.file(A100_XML).text()
const read = (xml: string) => snapshotFromXml(parseSmiXml(xml))

describe('parseSmiXml', () => {
  test('rejects garbage, empty output and XML that is not an nvidia-smi log', () => {
    expect(() => parseSmiXml('Segmentation fault')).toThrow('not valid XML')
    expect(() => parseSmiXml('')).toThrow('no <nvidia_smi_log>')
    expect(() => parseSmiXml('<html><body>hi</body></html>')).toThrow('no <nvidia_smi_log>')
    expect(() => parseSmiXml('<nvidia_smi_log><gpu>')).toThrow()
  })
})

describe('snapshotFromXml', () => {
  test('v11 (Tesla T4): power_readings, clocks_throttle_reasons, two processes', () => {
    const snapshot = read(t4)
    expect(snapshot.driverVersion).toBe('515.105.01')
    expect(snapshot.cudaVersion).toBe('11.7')
    expect(snapshot.gpus).toHaveLength(1)
    const gpu = snapshot.gpus[0]
    expect(gpu?.index).toBe('0')
    expect(gpu?.uuid).toBe('GPU-d37e67a5-91dd-3774-a5cb-99096249601a')
    expect(gpu?.name).toBe('Tesla T4')
    expect(gpu?.pciBusId).toBe('00000000:00:1E.0')
    expect(gpu?.fields['power.draw']).toBe('26.78 W')
    expect(gpu?.fields['power.limit']).toBe('70.00 W')
    expect(gpu?.fields['enforced.power.limit']).toBe('70.00 W')
    expect(gpu?.fields['temperature.memory']).toBe('N/A')
    expect(gpu?.fields['clocks_event_reasons.sw_power_cap']).toBe('Not Active')
    expect(gpu?.fields['ecc.errors.corrected.volatile.total']).toBe('0')
    expect(gpu?.fields['retired_pages.single_bit_ecc.count']).toBe('0')
    expect(gpu?.fields['pcie.link.width.current']).toBe('8x')
    expect(gpu?.processes).toEqual([
      {
        pid: '675',
        processName: '/usr/lib/xorg/Xorg',
        type: 'G',
        usedMemory: '22 MiB',
        gpuInstanceId: undefined,
      },
      { pid: '5762', processName: 'python', type: 'C', usedMemory: '1005 MiB', gpuInstanceId: undefined },
    ])
    expect(gpu?.migDevices).toEqual([])
  })

  test('v12 (A100, MIG on): gpu_power_readings, clocks_event_reasons, MIG devices, no processes', () => {
    const gpu = read(a100).gpus[0]
    expect(gpu?.fields['power.draw']).toBe('67.03 W')
    expect(gpu?.fields['power.limit']).toBe('500.00 W')
    expect(gpu?.fields['utilization.gpu']).toBe('N/A')
    expect(gpu?.fields['temperature.memory']).toBe('44 C')
    expect(gpu?.fields['clocks_event_reasons.gpu_idle']).toBe('Not Active')
    expect(gpu?.fields['retired_pages.single_bit_ecc.count']).toBe('N/A')
    expect(gpu?.processes).toEqual([])
    expect(gpu?.migDevices.map((device) => device.gpuInstanceId)).toEqual(['3', '4', '5', '6'])
    expect(gpu?.migDevices[0]?.fields).toEqual({
      'memory.total': '19968 MiB',
      'memory.reserved': '0 MiB',
      'memory.used': '12 MiB',
      'memory.free': '19955 MiB',
    })
  })

  test('v13 (synthesized): average_power_draw is the power draw, instant_power_draw is kept apart', () => {
    const gpu = read(v13Xml(a100)).gpus[0]
    expect(gpu?.fields['power.draw']).toBe('67.03 W')
    expect(gpu?.fields['power.draw.instant']).toBe('71.50 W')
  })

  test('several <gpu> elements (an array after xml2js) give one reading each, indexed by position', () => {
    const snapshot = read(multiGpuXml([t4, a100], 3))
    expect(snapshot.gpus.map((gpu) => [gpu.index, gpu.name, gpu.pciBusId])).toEqual([
      ['0', 'Tesla T4', '00000000:01:00.0'],
      ['1', 'NVIDIA A100-SXM4-80GB', '00000000:02:00.0'],
      ['2', 'Tesla T4', '00000000:03:00.0'],
    ])
    expect(new Set(snapshot.gpus.map((gpu) => gpu.uuid)).size).toBe(3)
  })

  test('a single process is an object, not an array, and is still read', () => {
    const one = t4.replace(/<process_info>[\s\S]*?<\/process_info>\s*(?=<process_info>)/, '')
    expect(read(one).gpus[0]?.processes.map((process) => process.pid)).toEqual(['5762'])
  })

  test('ECC totals add SRAM and DRAM counters, and prefer an old-style single total', () => {
    const counted = t4
      .replace('<sram_correctable>0</sram_correctable>', '<sram_correctable>3</sram_correctable>')
      .replace('<dram_correctable>0</dram_correctable>', '<dram_correctable>4</dram_correctable>')
    expect(read(counted).gpus[0]?.fields['ecc.errors.corrected.volatile.total']).toBe('7')
    const split = t4.replace(
      '<sram_uncorrectable>0</sram_uncorrectable>',
      '<sram_uncorrectable_parity>2</sram_uncorrectable_parity><sram_uncorrectable_secded>5</sram_uncorrectable_secded>',
    )
    expect(read(split).gpus[0]?.fields['ecc.errors.uncorrected.volatile.total']).toBe('7')
    const old = t4.replace(
      /<volatile>[\s\S]*?<\/volatile>/,
      '<volatile><single_bit><total>9</total></single_bit><double_bit><total>1</total></double_bit></volatile>',
    )
    expect(read(old).gpus[0]?.fields['ecc.errors.corrected.volatile.total']).toBe('9')
    expect(read(old).gpus[0]?.fields['ecc.errors.uncorrected.volatile.total']).toBe('1')
    const none = t4.replace(/<ecc_errors>[\s\S]*?<\/ecc_errors>/, '<ecc_errors>N/A</ecc_errors>')
    expect(read(none).gpus[0]?.fields['ecc.errors.corrected.volatile.total']).toBeUndefined()
    const unavailable = t4.replace(
      /<volatile>[\s\S]*?<\/volatile>/,
      '<volatile><sram_correctable>N/A</sram_correctable></volatile>',
    )
    expect(read(unavailable).gpus[0]?.fields['ecc.errors.corrected.volatile.total']).toBeUndefined()
  })

  test('remapped rows are read from the v12+ block', () => {
    const remapped = a100.replace(
      '<remapped_rows>N/A</remapped_rows>',
      '<remapped_rows><remapped_row_corr>2</remapped_row_corr><remapped_row_unc>1</remapped_row_unc><remapped_row_pending>No</remapped_row_pending><remapped_row_failure>Yes</remapped_row_failure></remapped_rows>',
    )
    const fields = read(remapped).gpus[0]?.fields
    expect(fields?.['remapped_rows.correctable']).toBe('2')
    expect(fields?.['remapped_rows.uncorrectable']).toBe('1')
    expect(fields?.['remapped_rows.failure']).toBe('Yes')
  })

  test('a log without GPUs, or with unavailable versions, yields an empty snapshot without failing', () => {
    const snapshot = read('<nvidia_smi_log><driver_version>N/A</driver_version></nvidia_smi_log>')
    expect(snapshot).toEqual({ driverVersion: undefined, cudaVersion: undefined, gpus: [] })
  })

  test('a GPU without uuid, name or pci block still yields a reading with the bus id from its attribute', () => {
    const gpu = read(
      '<nvidia_smi_log><gpu id="00000000:0A:00.0"><fan_speed>30 %</fan_speed></gpu></nvidia_smi_log>',
    ).gpus[0]
    expect(gpu).toMatchObject({ index: '0', uuid: '', name: '', pciBusId: '00000000:0A:00.0' })
    expect(gpu?.fields['fan.speed']).toBe('30 %')
  })
})

describe('asList', () => {
  test('normalises object-or-array and drops empty markers', () => {
    expect(asList({ a: '1' })).toEqual([{ a: '1' }])
    expect(asList([{ a: '1' }, 'x', { b: '2' }])).toEqual([{ a: '1' }, { b: '2' }])
    expect(asList('')).toEqual([])
    expect(asList('None')).toEqual([])
    expect(asList(undefined)).toEqual([])
  })
})
