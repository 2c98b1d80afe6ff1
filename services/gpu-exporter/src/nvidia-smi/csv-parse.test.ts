import { describe, expect, test } from 'bun:test'
import { H100_APPS_CSV, H100_CAPTURE, H100_CORE_CSV, RTX_APPS_CSV } from '../../test/synthesize.ts'
import { parseCudaVersion, parseQueryHelp, parseSmiCsv } from './csv-parse.ts'

describe('parseSmiCsv', () => {
  test('strips units from the header and keeps cells as text', async () => {
    const table = parseSmiCsv(await Bun.file(H100_CORE_CSV).text())
    expect(table.fields).toContain('memory.used')
    expect(table.fields).toContain('fan.speed')
    expect(table.rows).toHaveLength(1)
    expect(table.rows[0]?.['memory.used']).toBe('19818 MiB')
    expect(table.rows[0]?.['fan.speed']).toBe('[N/A]')
    expect(table.rows[0]?.name).toBe('NVIDIA H100 80GB HBM3')
    expect(table.skippedRows).toBe(0)
  })

  test('reads per-process tables, including Windows paths with spaces and parentheses', async () => {
    const h100 = parseSmiCsv(await Bun.file(H100_APPS_CSV).text())
    expect(h100.rows.map((row) => [row.pid, row.used_gpu_memory])).toEqual([
      ['11327', '2566 MiB'],
      ['11328', '1542 MiB'],
      ['11345', '15690 MiB'],
    ])
    const rtx = parseSmiCsv(await Bun.file(RTX_APPS_CSV).text())
    expect(rtx.rows).toHaveLength(21)
    expect(rtx.rows.every((row) => row.used_gpu_memory === '[N/A]')).toBe(true)
  })

  test('a header with no rows is an empty table, not an error', () => {
    expect(parseSmiCsv('timestamp, pid, used_gpu_memory [MiB]\n').rows).toEqual([])
  })

  test('drops rows of the wrong width instead of misaligning columns', () => {
    const table = parseSmiCsv('pid, process_name, used_gpu_memory [MiB]\n1, a, b, 5 MiB\n2, ok, 7 MiB\n')
    expect(table.skippedRows).toBe(1)
    expect(table.rows).toEqual([{ pid: '2', process_name: 'ok', used_gpu_memory: '7 MiB' }])
  })

  test('rejects empty and garbage output', () => {
    expect(() => parseSmiCsv('')).toThrow('empty')
    expect(() => parseSmiCsv('Failed to initialize NVML: Driver/library version mismatch\n')).toThrow(
      'not a field list',
    )
  })
})

describe('capture helpers', () => {
  test('parseQueryHelp lists every queryable field, both spellings', async () => {
    const capture = await Bun.file(H100_CAPTURE).text()
    const help = capture.slice(
      capture.indexOf('List of valid properties'),
      capture.indexOf('capabilities :: help-query-compute-apps'),
    )
    const names = parseQueryHelp(help)
    for (const name of [
      'uuid',
      'gpu_uuid',
      'power.draw',
      'power.draw.instant',
      'clocks_event_reasons.sw_power_cap',
    ])
      expect(names.has(name)).toBe(true)
    expect(names.has('List of valid properties to query for the switch')).toBe(false)
  })

  test('parseCudaVersion reads the --version output and tolerates its absence', () => {
    expect(parseCudaVersion('NVIDIA-SMI version  : 590.48.01\nCUDA Version        : 13.1\n')).toBe('13.1')
    expect(parseCudaVersion('NVIDIA-SMI version  : 470.1\n')).toBeUndefined()
  })
})
