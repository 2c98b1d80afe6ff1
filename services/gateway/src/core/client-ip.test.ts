import { describe, expect, test } from 'bun:test'
import { createTrustedProxies, formatIp, ipLimitKey, parseIp, resolveClientIp } from './client-ip.ts'

const canonical = (text: string): string | undefined => {
  const ip = parseIp(text)
  return ip === undefined ? undefined : formatIp(ip)
}

describe('parseIp and formatIp', () => {
  test('accepts IPv4 and IPv6 spellings and prints one canonical form', () => {
    expect(canonical('192.168.0.1')).toBe('192.168.0.1')
    expect(canonical(' 10.0.0.1:8080 ')).toBe('10.0.0.1')
    expect(canonical('2001:0DB8:0000:0000:0000:0000:0000:0001')).toBe('2001:db8::1')
    expect(canonical('[2001:db8::1]:443')).toBe('2001:db8::1')
    expect(canonical('::')).toBe('::')
    expect(canonical('::1')).toBe('::1')
    expect(canonical('fe80::1%eth0')).toBe('fe80::1')
    expect(canonical('2001:db8:0:1:1:1:1:1')).toBe('2001:db8:0:1:1:1:1:1')
    expect(canonical('2001:0:0:1:0:0:0:1')).toBe('2001:0:0:1::1')
    expect(canonical('1:2:3:4:5:6:7::')).toBe('1:2:3:4:5:6:7:0')
    expect(canonical('64:ff9b::192.0.2.33')).toBe('64:ff9b::c000:221')
    expect(canonical('1:2:3:4:5:6:1.2.3.4')).toBe('1:2:3:4:5:6:102:304')
  })

  test('folds IPv4-mapped IPv6 into IPv4', () => {
    expect(canonical('::ffff:203.0.113.9')).toBe('203.0.113.9')
    expect(canonical('::ffff:cb00:7109')).toBe('203.0.113.9')
  })

  test('rejects what is not an address', () => {
    for (const bad of [
      '',
      'localhost',
      '256.1.1.1',
      '1.2.3',
      '1.2.3.4.5',
      '01234.1.1.1',
      '1::2::3',
      '1:2:3:4:5:6:7:8:9',
      '1:2:3:4:5:6:7',
      '12345::',
      '::ffff:1.2.3.999',
      '1::2:',
      'g::1',
    ]) {
      expect(parseIp(bad)).toBeUndefined()
    }
  })
})

describe('createTrustedProxies', () => {
  test('matches IPv4, IPv6 and IPv4-mapped ranges', () => {
    const trusted = createTrustedProxies([
      '10.0.0.0/8',
      'fd00::/8',
      '::ffff:192.168.0.0/112',
      '127.0.0.1',
      '',
    ])
    expect(trusted.size).toBe(4)
    const has = (text: string) => trusted.contains(parseIp(text) ?? { family: 4, value: -1 })
    expect(has('10.255.1.2')).toBe(true)
    expect(has('::ffff:10.1.1.1')).toBe(true)
    expect(has('11.0.0.1')).toBe(false)
    expect(has('fd12::9')).toBe(true)
    expect(has('fe00::1')).toBe(false)
    expect(has('192.168.7.7')).toBe(true)
    expect(has('192.169.0.1')).toBe(false)
    expect(has('127.0.0.1')).toBe(true)
    expect(has('127.0.0.2')).toBe(false)
  })

  test('a zero-length prefix trusts its whole family only', () => {
    const trusted = createTrustedProxies(['0.0.0.0/0'])
    expect(trusted.contains({ family: 4, value: 123 })).toBe(true)
    expect(trusted.contains({ family: 6, value: 1n })).toBe(false)
  })

  test('a bad entry fails at start-up naming it', () => {
    expect(() => createTrustedProxies(['10.0.0.0/33'])).toThrow('"10.0.0.0/33"')
    expect(() => createTrustedProxies(['nope'])).toThrow('"nope" is not an IP address or CIDR')
    expect(() => createTrustedProxies(['10.0.0.0/x'])).toThrow('invalid prefix length')
    expect(() => createTrustedProxies(['10.0.0.0/8/8'])).toThrow('"10.0.0.0/8/8"')
  })
})

describe('resolveClientIp', () => {
  const trusted = createTrustedProxies(['10.0.0.0/8', '::1'])

  test('without a trusted peer the socket address wins and X-Forwarded-For is ignored', () => {
    expect(resolveClientIp({ socketAddress: '203.0.113.5', forwardedFor: '1.1.1.1' }, trusted)).toBe(
      '203.0.113.5',
    )
    const none = createTrustedProxies([])
    expect(resolveClientIp({ socketAddress: '10.0.0.1', forwardedFor: '1.1.1.1' }, none)).toBe('10.0.0.1')
  })

  test('behind trusted proxies the right-most untrusted hop is the client; spoofed left hops are ignored', () => {
    const forwardedFor = '6.6.6.6, 198.51.100.7, 10.0.0.3'
    expect(resolveClientIp({ socketAddress: '10.0.0.2', forwardedFor }, trusted)).toBe('198.51.100.7')
    expect(resolveClientIp({ socketAddress: '::ffff:10.0.0.2', forwardedFor: '2001:db8::5' }, trusted)).toBe(
      '2001:db8::5',
    )
    expect(resolveClientIp({ socketAddress: '::1', forwardedFor: '198.51.100.7' }, trusted)).toBe(
      '198.51.100.7',
    )
  })

  test('when every hop is trusted the left-most one is used', () => {
    expect(resolveClientIp({ socketAddress: '10.0.0.2', forwardedFor: '10.0.0.9,10.0.0.8' }, trusted)).toBe(
      '10.0.0.9',
    )
  })

  test('garbage in X-Forwarded-For stops the walk at the proxy that reported it', () => {
    expect(resolveClientIp({ socketAddress: '10.0.0.2', forwardedFor: '1.1.1.1, evil' }, trusted)).toBe(
      '10.0.0.2',
    )
    expect(resolveClientIp({ socketAddress: '10.0.0.2', forwardedFor: '' }, trusted)).toBe('10.0.0.2')
  })

  test('a missing or unparseable socket address is "unknown"', () => {
    expect(resolveClientIp({ socketAddress: undefined }, trusted)).toBe('unknown')
    expect(resolveClientIp({ socketAddress: 'x' }, trusted)).toBe('unknown')
  })
})

describe('ipLimitKey', () => {
  test('limits IPv6 per /64 and IPv4 per address', () => {
    expect(ipLimitKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64')
    expect(ipLimitKey('2001:db8:1:2:bbbb::9')).toBe('2001:db8:1:2::/64')
    expect(ipLimitKey('2001:db8:1:2:bbbb::9', 128)).toBe('2001:db8:1:2:bbbb::9/128')
    expect(ipLimitKey('198.51.100.7')).toBe('198.51.100.7')
    expect(ipLimitKey('unknown')).toBe('unknown')
  })
})
