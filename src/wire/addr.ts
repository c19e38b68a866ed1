// Address value types. An IPv4 address is an unsigned 32-bit number and a MAC address a 48-bit
// integer (exact in a double): both compare with ===, key Maps directly and cost no allocation.

export type Ipv4Addr = number;
export type MacAddr = number;

export const IPV4_ANY: Ipv4Addr = 0;
export const IPV4_BROADCAST: Ipv4Addr = 0xffffffff;
export const MAC_ZERO: MacAddr = 0;
export const MAC_BROADCAST: MacAddr = 0xffffffffffff;

const IPV4_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Parses dotted-quad text; undefined when the text is not exactly four decimal octets 0..255. */
export function tryIpv4FromString(s: string): Ipv4Addr | undefined {
  const m = IPV4_RE.exec(s);
  if (m === null) return undefined;
  let v = 0;
  for (let i = 1; i <= 4; i++) {
    const part = m[i]!;
    // Leading zeros are rejected: inet_aton would read them as octal, a classic surprise.
    if (part.length > 1 && part[0] === '0') return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    v = v * 256 + n;
  }
  return v >>> 0;
}

export function ipv4FromString(s: string): Ipv4Addr {
  const v = tryIpv4FromString(s);
  if (v === undefined) {
    throw new RangeError(`not an IPv4 address: ${JSON.stringify(s)} (expected four decimal octets 0-255, e.g. 10.0.0.1)`);
  }
  return v;
}

export function ipv4ToString(a: Ipv4Addr): string {
  return `${a >>> 24}.${(a >>> 16) & 0xff}.${(a >>> 8) & 0xff}.${a & 0xff}`;
}

/** Network mask for a prefix length 0..32 (prefixMask(24) = 0xffffff00). */
export function prefixMask(prefixLen: number): number {
  if (!Number.isInteger(prefixLen) || prefixLen < 0 || prefixLen > 32) {
    throw new RangeError(`prefix length must be an integer 0-32, got ${prefixLen}`);
  }
  return prefixLen === 0 ? 0 : (0xffffffff << (32 - prefixLen)) >>> 0;
}

export interface Cidr {
  addr: Ipv4Addr;
  prefixLen: number;
}

/** Parses `a.b.c.d/len` (a bare address means /32). Host bits are kept as written. */
export function tryParseCidr(s: string): Cidr | undefined {
  const slash = s.indexOf('/');
  const addrText = slash < 0 ? s : s.slice(0, slash);
  const addr = tryIpv4FromString(addrText);
  if (addr === undefined) return undefined;
  if (slash < 0) return { addr, prefixLen: 32 };
  const lenText = s.slice(slash + 1);
  if (!/^\d{1,2}$/.test(lenText)) return undefined;
  const prefixLen = Number(lenText);
  if (prefixLen > 32) return undefined;
  return { addr, prefixLen };
}

export function parseCidr(s: string): Cidr {
  const c = tryParseCidr(s);
  if (c === undefined) {
    throw new RangeError(`not an IPv4 prefix: ${JSON.stringify(s)} (expected a.b.c.d/len with len 0-32, e.g. 10.0.0.0/24)`);
  }
  return c;
}

export function inSubnet(addr: Ipv4Addr, net: Ipv4Addr, prefixLen: number): boolean {
  const m = prefixMask(prefixLen);
  return ((addr & m) >>> 0) === ((net & m) >>> 0);
}

export function readIpv4(b: Uint8Array, o: number): Ipv4Addr {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

export function writeIpv4(b: Uint8Array, o: number, a: Ipv4Addr): void {
  b[o] = a >>> 24;
  b[o + 1] = a >>> 16;
  b[o + 2] = a >>> 8;
  b[o + 3] = a;
}

const MAC_RE = /^([0-9a-fA-F]{2})[:-]([0-9a-fA-F]{2})[:-]([0-9a-fA-F]{2})[:-]([0-9a-fA-F]{2})[:-]([0-9a-fA-F]{2})[:-]([0-9a-fA-F]{2})$/;

export function tryMacFromString(s: string): MacAddr | undefined {
  const m = MAC_RE.exec(s);
  if (m === null) return undefined;
  let v = 0;
  for (let i = 1; i <= 6; i++) v = v * 256 + parseInt(m[i]!, 16);
  return v;
}

export function macFromString(s: string): MacAddr {
  const v = tryMacFromString(s);
  if (v === undefined) {
    throw new RangeError(`not a MAC address: ${JSON.stringify(s)} (expected six hex pairs, e.g. 02:00:0a:00:00:0a)`);
  }
  return v;
}

/** "00".."ff": traces print two MACs per frame, so no per-byte toString/padStart (or closure). */
const HEX2: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function macToString(m: MacAddr): string {
  const hi = Math.floor(m / 0x100000000);
  const lo = m >>> 0;
  const a = hi >>> 8;
  // Only a value beyond 48 bits (not a MacAddr) has a first "byte" above 0xff: printed as before.
  const first = a <= 0xff ? HEX2[a]! : a.toString(16);
  return first + ':' + HEX2[hi & 0xff]! + ':' + HEX2[lo >>> 24]! + ':' + HEX2[(lo >>> 16) & 0xff]! + ':' + HEX2[(lo >>> 8) & 0xff]! + ':' + HEX2[lo & 0xff]!;
}

export function readMac(b: Uint8Array, o: number): MacAddr {
  const hi = (b[o]! << 8) | b[o + 1]!;
  const lo = ((b[o + 2]! << 24) | (b[o + 3]! << 16) | (b[o + 4]! << 8) | b[o + 5]!) >>> 0;
  return hi * 0x100000000 + lo;
}

export function writeMac(b: Uint8Array, o: number, m: MacAddr): void {
  const hi = Math.floor(m / 0x100000000);
  const lo = m >>> 0;
  b[o] = hi >>> 8;
  b[o + 1] = hi;
  b[o + 2] = lo >>> 24;
  b[o + 3] = lo >>> 16;
  b[o + 4] = lo >>> 8;
  b[o + 5] = lo;
}

/** The lab's convention: 02:00 followed by the IPv4 address (10.0.0.10 -> 02:00:0a:00:00:0a). */
export function macFromIpv4(a: Ipv4Addr): MacAddr {
  return 0x0200 * 0x100000000 + (a >>> 0);
}

export function isMulticastMac(m: MacAddr): boolean {
  return (Math.floor(m / 0x10000000000) & 1) === 1;
}
