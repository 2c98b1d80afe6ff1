/**
 * @module The client's IP: the socket peer, unless that peer is a trusted proxy, in which case the right-most
 * `X-Forwarded-For` hop that is not itself trusted. Everything left of that hop is client-supplied and ignored.
 */

/**
 * A parsed address: IPv4-mapped IPv6 is folded into IPv4 so one host never has two identities. IPv4 stays a
 * plain number (the per-request hot path); only IPv6 needs a bigint.
 */
export type IpAddress =
  | { readonly family: 4; readonly value: number }
  | { readonly family: 6; readonly value: bigint }

type Cidr =
  | { readonly family: 4; readonly network: number; readonly mask: number }
  | { readonly family: 6; readonly network: bigint; readonly mask: bigint }

const V4_MAPPED_PREFIX = 0xffffn << 32n
const V4_MAPPED_MASK = ((1n << 96n) - 1n) << 32n

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/

function parseIpv4(text: string): number | undefined {
  const match = IPV4.exec(text)
  if (match === null) return undefined
  let value = 0
  for (let i = 1; i <= 4; i++) {
    const octet = Number(match[i])
    if (octet > 255) return undefined
    value = value * 256 + octet
  }
  return value
}

function parseGroups(text: string): number[] | undefined {
  if (text === '') return []
  const groups: number[] = []
  for (const group of text.split(':')) {
    if (!/^[0-9a-f]{1,4}$/i.test(group)) return undefined
    groups.push(Number.parseInt(group, 16))
  }
  return groups
}

function parseIpv6(input: string): bigint | undefined {
  let text = input.split('%')[0] ?? '' // a zone (fe80::1%eth0) names an interface, not a host
  const tail: number[] = []
  const lastColon = text.lastIndexOf(':')
  if (text.includes('.', lastColon)) {
    const v4 = parseIpv4(text.slice(lastColon + 1))
    if (v4 === undefined) return undefined
    tail.push(Math.floor(v4 / 65536), v4 % 65536)
    // Keep a '::' that ends right before the IPv4 part; drop a single separating ':'.
    text = text.slice(0, lastColon + 1)
    if (!text.endsWith('::')) text = text.slice(0, -1)
  }
  const halves = text.split('::')
  if (halves.length > 2) return undefined
  const head = parseGroups(halves[0] ?? '')
  const rest = halves.length === 2 ? parseGroups(halves[1] ?? '') : []
  if (head === undefined || rest === undefined) return undefined
  const explicit = head.length + rest.length + tail.length
  if (halves.length === 1 ? explicit !== 8 : explicit > 7) return undefined
  const groups = [...head, ...new Array<number>(8 - explicit).fill(0), ...rest, ...tail]
  return groups.reduce((acc, group) => (acc << 16n) | BigInt(group), 0n)
}

/** Parses an IPv4 or IPv6 address (brackets and a trailing port tolerated, as some proxies send them). */
export function parseIp(input: string): IpAddress | undefined {
  const fast = parseIpv4(input) // the common case, before any other string work
  if (fast !== undefined) return { family: 4, value: fast }
  let text = input.trim()
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(text)
  if (bracketed) text = bracketed[1] ?? ''
  else if (/^[\d.]+:\d+$/.test(text)) text = text.slice(0, text.indexOf(':'))
  if (!text.includes(':')) {
    const v4 = parseIpv4(text)
    return v4 === undefined ? undefined : { family: 4, value: v4 }
  }
  const v6 = parseIpv6(text)
  if (v6 === undefined) return undefined
  if ((v6 & V4_MAPPED_MASK) === V4_MAPPED_PREFIX) return { family: 4, value: Number(v6 & 0xffffffffn) }
  return { family: 6, value: v6 }
}

/** Canonical text (RFC 5952 for IPv6), so that one host is one rate-limit key however it was spelled. */
export function formatIp(ip: IpAddress): string {
  if (ip.family === 4) {
    const v = ip.value
    return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`
  }
  const v6 = ip.value
  const groups = Array.from({ length: 8 }, (_, i) => Number((v6 >> BigInt(112 - 16 * i)) & 0xffffn))
  let bestStart = -1
  let bestLength = 1 // a single zero group is not compressed
  for (let i = 0; i < 8; ) {
    let j = i
    while (j < 8 && groups[j] === 0) j++
    if (j - i > bestLength) {
      bestStart = i
      bestLength = j - i
    }
    i = j === i ? i + 1 : j
  }
  const hex = groups.map((group) => group.toString(16))
  if (bestStart < 0) return hex.join(':')
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`
}

function parseCidr(text: string): Cidr {
  const [addressText = '', lengthText, ...extra] = text.trim().split('/')
  const address = parseIp(addressText)
  if (address === undefined || extra.length > 0) throw new Error(`"${text}" is not an IP address or CIDR`)
  // A v4-mapped v6 CIDR (::ffff:10.0.0.0/104) describes v4 addresses: fold its length with the address.
  const mapped = address.family === 4 && addressText.includes(':')
  const bits = address.family === 4 ? 32 : 128
  let length = bits
  if (lengthText !== undefined) {
    if (!/^\d{1,3}$/.test(lengthText)) throw new Error(`"${text}" has an invalid prefix length`)
    length = Number(lengthText) - (mapped ? 96 : 0)
    if (length < 0 || length > bits) throw new Error(`"${text}" has a prefix length out of range`)
  }
  if (address.family === 4) {
    const mask = length === 0 ? 0 : (0xffffffff << (32 - length)) >>> 0
    return { family: 4, network: (address.value & mask) >>> 0, mask }
  }
  const mask = length === 0 ? 0n : ((1n << BigInt(length)) - 1n) << BigInt(bits - length)
  return { family: 6, network: address.value & mask, mask }
}

export interface TrustedProxies {
  contains(ip: IpAddress): boolean
  readonly size: number
}

/**
 * Builds the trusted set from CIDRs (`10.0.0.0/8`, `::1`, `fd00::/8`). A bad entry throws at start-up naming it.
 * @example
 * const trusted = createTrustedProxies(config.trustedProxies)
 */
export function createTrustedProxies(cidrs: readonly string[]): TrustedProxies {
  const ranges = cidrs.filter((cidr) => cidr.trim() !== '').map(parseCidr)
  return {
    size: ranges.length,
    contains: (ip) =>
      ranges.some((range) =>
        range.family === 4
          ? ip.family === 4 && (ip.value & range.mask) >>> 0 === range.network
          : ip.family === 6 && (ip.value & range.mask) === range.network,
      ),
  }
}

export interface ClientIpInput {
  /** The socket peer (`server.requestIP(request)?.address`). */
  socketAddress: string | undefined
  /** The X-Forwarded-For header value(s), comma-joined. */
  forwardedFor?: string | null
}

/**
 * Resolves the client's canonical IP. Walks X-Forwarded-For right to left only while each hop is trusted;
 * the first untrusted hop is the client. An unparseable hop ends the walk at the proxy that reported it, so
 * garbage can never choose the identity. Returns 'unknown' when the socket address is missing.
 */
export function resolveClientIp(input: ClientIpInput, trusted: TrustedProxies): string {
  const peer = input.socketAddress === undefined ? undefined : parseIp(input.socketAddress)
  if (peer === undefined) return 'unknown'
  let client = peer
  if (trusted.size > 0 && input.forwardedFor) {
    const hops = input.forwardedFor.split(',')
    for (let i = hops.length - 1; i >= 0 && trusted.contains(client); i--) {
      const hop = parseIp(hops[i] ?? '')
      if (hop === undefined) break
      client = hop
    }
  }
  return formatIp(client)
}

/**
 * The rate-limit key for an IP: IPv6 clients usually hold a whole /64, so they are limited per prefix
 * (`prefixLength`, default 64) instead of per address, which they could rotate for free.
 */
export function ipLimitKey(ip: string, ipv6PrefixLength = 64): string {
  if (!ip.includes(':')) return ip // IPv4 (canonical from resolveClientIp) or 'unknown'
  const parsed = parseIp(ip)
  if (parsed === undefined || parsed.family === 4) return ip
  const shift = BigInt(128 - ipv6PrefixLength)
  return `${formatIp({ family: 6, value: (parsed.value >> shift) << shift })}/${ipv6PrefixLength}`
}
