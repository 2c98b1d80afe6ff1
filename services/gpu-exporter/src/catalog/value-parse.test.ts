import { describe, expect, test } from 'bun:test'
import { convert, isUnavailable, parseNumber } from './value-parse.ts'

describe('isUnavailable', () => {
  test.each([
    'N/A',
    '[N/A]',
    ' n/a ',
    '[Not Supported]',
    '[Insufficient Permissions]',
    '[Unknown Error]',
    '[Requested functionality has been deprecated]',
    'Not Supported',
    'Requested functionality has been deprecated',
    'Insufficient Permissions',
    'None',
    '',
  ])('%p is an unavailable marker', (raw) => {
    expect(isUnavailable(raw)).toBe(true)
  })

  test.each(['0', '0 %', '27 C', 'P0', 'Disabled', 'Not Active'])('%p is a value', (raw) => {
    expect(isUnavailable(raw)).toBe(false)
  })
})

describe('parseNumber', () => {
  test('reads the number before a unit', () => {
    expect(parseNumber('631.95 W')).toBe(631.95)
    expect(parseNumber('27 C')).toBe(27)
    expect(parseNumber('100 %')).toBe(100)
    expect(parseNumber('4000 KB/s')).toBe(4000)
    expect(parseNumber('16x')).toBe(16)
    expect(parseNumber('912.500 mV')).toBe(912.5)
    expect(parseNumber('-3')).toBe(-3)
  })

  test('reads hex cells', () => {
    expect(parseNumber('0x1e')).toBe(30)
    expect(parseNumber('0x233010DE')).toBe(0x233010de)
  })

  test('rejects text that is not one number', () => {
    for (const raw of ['abc', '1 2', '1.2.3', 'P0', '12 MiB extra', ''])
      expect(parseNumber(raw)).toBeUndefined()
  })
})

describe('convert', () => {
  test('applies unit conversions', () => {
    expect(convert('1005 MiB', 'mib_to_bytes')).toEqual({ ok: true, value: 1005 * 1048576 })
    expect(convert('45 %', 'percent_to_ratio')).toEqual({ ok: true, value: 0.45 })
    expect(convert('1980 MHz', 'mhz_to_hz')).toEqual({ ok: true, value: 1_980_000_000 })
    expect(convert('250 us', 'us_to_seconds')).toEqual({ ok: true, value: 0.00025 })
    expect(convert('67.03 W', 'number')).toEqual({ ok: true, value: 67.03 })
  })

  test('maps enums and states', () => {
    expect(convert('P0', 'pstate')).toEqual({ ok: true, value: 0 })
    expect(convert('P12', 'pstate')).toEqual({ ok: true, value: 12 })
    expect(convert('Enabled', 'enabled')).toEqual({ ok: true, value: 1 })
    expect(convert('Disabled', 'enabled')).toEqual({ ok: true, value: 0 })
    expect(convert('Active', 'active')).toEqual({ ok: true, value: 1 })
    expect(convert('Not Active', 'active')).toEqual({ ok: true, value: 0 })
    expect(convert('Yes', 'yes')).toEqual({ ok: true, value: 1 })
    expect(convert('No', 'yes')).toEqual({ ok: true, value: 0 })
  })

  test('an unavailable marker is reported as unavailable, never as 0 or NaN', () => {
    for (const raw of ['N/A', '[N/A]', '[Not Supported]', '[Insufficient Permissions]', undefined])
      expect(convert(raw, 'number')).toEqual({ ok: false, unavailable: true })
  })

  test('unreadable text is reported as a parse problem, not as unavailable', () => {
    expect(convert('lots', 'number')).toEqual({ ok: false, unavailable: false })
    expect(convert('P', 'pstate')).toEqual({ ok: false, unavailable: false })
    expect(convert('Maybe', 'enabled')).toEqual({ ok: false, unavailable: false })
    expect(convert('1e999', 'number')).toEqual({ ok: false, unavailable: false })
  })
})
