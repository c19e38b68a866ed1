// IPv4 (RFC 791). Options are kept as raw bytes so that parse -> emit is byte-exact.
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |Version|  IHL  |    DS/ECN     |          Total Length         |  0
// |         Identification        |Flags|      Fragment Offset    |  4
// |  Time to Live |    Protocol   |         Header Checksum       |  8
// |                       Source Address                          | 12
// |                    Destination Address                        | 16
// |                    Options                    |    Padding    | 20

import { readIpv4, writeIpv4, type Ipv4Addr } from './addr.ts';
import { readU16, writeU16 } from './bytes.ts';
import {
  ipv4HeaderChecksum,
  sum16,
  transportChecksumOffset,
  updateChecksum16,
  updateChecksum32,
} from './checksum.ts';
import { WireError } from './errors.ts';

export const Ipv4Field = {
  VER_IHL: 0,
  TOS: 1,
  LENGTH: 2,
  IDENT: 4,
  FLG_OFF: 6,
  TTL: 8,
  PROTOCOL: 9,
  CHECKSUM: 10,
  SRC: 12,
  DST: 16,
  OPTIONS: 20,
} as const;

export const IPV4_HEADER_LEN = 20;
export const IPV4_MAX_HEADER_LEN = 60;
/** Flag bits as they sit in the 3-bit flags field. */
export const IPV4_FLAG_RESERVED = 0b100;
export const IPV4_FLAG_DF = 0b010;
export const IPV4_FLAG_MF = 0b001;

export const IP_PROTO_ICMP = 1;
export const IP_PROTO_TCP = 6;
export const IP_PROTO_UDP = 17;

export interface Ipv4Repr {
  /** The whole second byte: DSCP << 2 | ECN. */
  tos: number;
  ident: number;
  /** 3-bit flags field: IPV4_FLAG_DF | IPV4_FLAG_MF (| IPV4_FLAG_RESERVED). */
  flags: number;
  /** Fragment offset in 8-byte units, as on the wire. */
  fragOffset: number;
  ttl: number;
  protocol: number;
  src: Ipv4Addr;
  dst: Ipv4Addr;
  /** Raw option bytes incl. padding (length a multiple of 4, at most 40); absent = none. */
  options?: Uint8Array;
  /** Bytes after the header: total length = header length + payloadLen. */
  payloadLen: number;
}

/** Zero-copy view over an IPv4 header; the NAT/forwarding setters keep checksums right (RFC 1624). */
export class Ipv4Packet {
  constructor(
    readonly buf: Uint8Array,
    readonly off = 0,
  ) {}
  get version(): number {
    return this.buf[this.off + Ipv4Field.VER_IHL]! >>> 4;
  }
  get headerLen(): number {
    return (this.buf[this.off + Ipv4Field.VER_IHL]! & 0x0f) * 4;
  }
  get tos(): number {
    return this.buf[this.off + Ipv4Field.TOS]!;
  }
  get totalLength(): number {
    return readU16(this.buf, this.off + Ipv4Field.LENGTH);
  }
  get ident(): number {
    return readU16(this.buf, this.off + Ipv4Field.IDENT);
  }
  get flags(): number {
    return this.buf[this.off + Ipv4Field.FLG_OFF]! >>> 5;
  }
  get fragOffset(): number {
    return readU16(this.buf, this.off + Ipv4Field.FLG_OFF) & 0x1fff;
  }
  get ttl(): number {
    return this.buf[this.off + Ipv4Field.TTL]!;
  }
  get protocol(): number {
    return this.buf[this.off + Ipv4Field.PROTOCOL]!;
  }
  get checksum(): number {
    return readU16(this.buf, this.off + Ipv4Field.CHECKSUM);
  }
  get src(): Ipv4Addr {
    return readIpv4(this.buf, this.off + Ipv4Field.SRC);
  }
  get dst(): Ipv4Addr {
    return readIpv4(this.buf, this.off + Ipv4Field.DST);
  }
  get payloadOffset(): number {
    return this.off + this.headerLen;
  }
  get payloadLen(): number {
    return this.totalLength - this.headerLen;
  }

  verifyChecksum(): boolean {
    return sum16(this.buf, this.off, this.headerLen) === 0xffff;
  }
  fillChecksum(): void {
    writeU16(this.buf, this.off + Ipv4Field.CHECKSUM, ipv4HeaderChecksum(this.buf, this.off, this.headerLen));
  }

  /** Forwarding: TTL - 1 with the header checksum updated incrementally (Linux ip_decrease_ttl). */
  decrementTtl(): void {
    const o = this.off + Ipv4Field.TTL;
    const oldWord = readU16(this.buf, o);
    this.buf[o] = (this.buf[o]! - 1) & 0xff;
    const newWord = readU16(this.buf, o);
    this.setChecksumRaw(updateChecksum16(this.checksum, oldWord, newWord));
  }

  /** SNAT: new source address; updates the IP checksum and the TCP/UDP pseudo-header checksum. */
  setSrcWithChecksumUpdate(addr: Ipv4Addr): void {
    this.setAddrWithChecksumUpdate(Ipv4Field.SRC, addr);
  }
  /** DNAT: new destination address; updates the IP checksum and the TCP/UDP checksum. */
  setDstWithChecksumUpdate(addr: Ipv4Addr): void {
    this.setAddrWithChecksumUpdate(Ipv4Field.DST, addr);
  }
  /** New TCP/UDP source port with the transport checksum updated (first fragment only). */
  setSrcPortWithChecksumUpdate(port: number): void {
    this.setPortWithChecksumUpdate(0, port);
  }
  setDstPortWithChecksumUpdate(port: number): void {
    this.setPortWithChecksumUpdate(2, port);
  }

  private setChecksumRaw(v: number): void {
    writeU16(this.buf, this.off + Ipv4Field.CHECKSUM, v);
  }

  /** Offset of the transport checksum field if this packet carries a TCP/UDP header we may touch. */
  private transportChecksumAt(): number {
    if (this.fragOffset !== 0) return -1;
    const c = transportChecksumOffset(this.protocol);
    if (c < 0) return -1;
    const at = this.payloadOffset + c;
    if (at + 2 > this.off + this.totalLength || at + 2 > this.buf.length) return -1;
    return at;
  }

  private setAddrWithChecksumUpdate(field: number, addr: Ipv4Addr): void {
    const o = this.off + field;
    const old = readIpv4(this.buf, o);
    writeIpv4(this.buf, o, addr);
    this.setChecksumRaw(updateChecksum32(this.checksum, old, addr));
    const at = this.transportChecksumAt();
    if (at < 0) return;
    const oldCsum = readU16(this.buf, at);
    // UDP checksum 0 means "none" (RFC 768) and must stay 0.
    if (this.protocol === IP_PROTO_UDP && oldCsum === 0) return;
    let c = updateChecksum32(oldCsum, old, addr);
    if (this.protocol === IP_PROTO_UDP && c === 0) c = 0xffff;
    writeU16(this.buf, at, c);
  }

  private setPortWithChecksumUpdate(portField: number, port: number): void {
    const at = this.transportChecksumAt();
    if (at < 0) return;
    const o = this.payloadOffset + portField;
    const old = readU16(this.buf, o);
    writeU16(this.buf, o, port);
    const oldCsum = readU16(this.buf, at);
    if (this.protocol === IP_PROTO_UDP && oldCsum === 0) return;
    let c = updateChecksum16(oldCsum, old, port);
    if (this.protocol === IP_PROTO_UDP && c === 0) c = 0xffff;
    writeU16(this.buf, at, c);
  }
}

/** Checks option framing: EOL ends the list, NOP is one byte, others carry a length >= 2. */
function checkIpv4Options(buf: Uint8Array, start: number, end: number): WireError | undefined {
  let i = start;
  while (i < end) {
    const type = buf[i]!;
    if (type === 0) return undefined;
    if (type === 1) {
      i++;
      continue;
    }
    if (i + 1 >= end) return new WireError('bad-option-length', i, `IPv4 option ${type} has no length byte`);
    const l = buf[i + 1]!;
    if (l < 2 || i + l > end) {
      return new WireError('bad-option-length', i, `IPv4 option ${type} length ${l} overruns the ${end - i} bytes left`);
    }
    i += l;
  }
  return undefined;
}

/**
 * Parses an IPv4 header. `len` is the bytes available; the packet may be shorter (Ethernet padding
 * follows it) but not longer. The header checksum is not checked here (verifyIpv4Checksum).
 */
export function parseIpv4(buf: Uint8Array, off = 0, len = buf.length - off): Ipv4Repr | WireError {
  if (len < IPV4_HEADER_LEN) return new WireError('truncated', off, `IPv4 header needs 20 bytes, have ${len}`);
  const vihl = buf[off]!;
  if (vihl >>> 4 !== 4) return new WireError('bad-version', off, `IP version ${vihl >>> 4}, expected 4`);
  const hl = (vihl & 0x0f) * 4;
  if (hl < IPV4_HEADER_LEN) return new WireError('bad-ihl', off, `IHL ${vihl & 0x0f} < 5`);
  if (hl > len) return new WireError('truncated', off, `IPv4 header length ${hl} > ${len} bytes available`);
  const total = readU16(buf, off + Ipv4Field.LENGTH);
  if (total < hl) {
    return new WireError('bad-total-length', off + Ipv4Field.LENGTH, `total length ${total} < header length ${hl}`);
  }
  if (total > len) {
    return new WireError('bad-total-length', off + Ipv4Field.LENGTH, `total length ${total} past the ${len} bytes available`);
  }
  const optErr = checkIpv4Options(buf, off + IPV4_HEADER_LEN, off + hl);
  if (optErr !== undefined) return optErr;
  const fo = readU16(buf, off + Ipv4Field.FLG_OFF);
  const repr: Ipv4Repr = {
    tos: buf[off + Ipv4Field.TOS]!,
    ident: readU16(buf, off + Ipv4Field.IDENT),
    flags: fo >>> 13,
    fragOffset: fo & 0x1fff,
    ttl: buf[off + Ipv4Field.TTL]!,
    protocol: buf[off + Ipv4Field.PROTOCOL]!,
    src: readIpv4(buf, off + Ipv4Field.SRC),
    dst: readIpv4(buf, off + Ipv4Field.DST),
    payloadLen: total - hl,
  };
  if (hl > IPV4_HEADER_LEN) repr.options = buf.slice(off + IPV4_HEADER_LEN, off + hl);
  return repr;
}

export function ipv4HeaderLen(repr: Ipv4Repr | Ipv4Params): number {
  return optionsHeaderLen(repr.options);
}

/** Header length + payload length (what the total length field says). */
export function ipv4BufferLen(repr: Ipv4Repr): number {
  return ipv4HeaderLen(repr) + repr.payloadLen;
}

/**
 * What a sender chooses for an IPv4 header; defaults: tos 0, flags DF (Linux sets DF on TCP and
 * on path-MTU-probing datagrams), fragment offset 0, no options. An Ipv4Repr is also Ipv4Params.
 */
export interface Ipv4Params {
  src: Ipv4Addr;
  dst: Ipv4Addr;
  ident: number;
  ttl: number;
  tos?: number;
  flags?: number;
  fragOffset?: number;
  options?: Uint8Array;
}

function optionsHeaderLen(o: Uint8Array | undefined): number {
  return IPV4_HEADER_LEN + (o === undefined ? 0 : (o.length + 3) & ~3);
}

/** Writes a header for `payloadLen` bytes of `protocol`, checksum filled; returns the header length. */
export function emitIpv4Header(p: Ipv4Params, protocol: number, payloadLen: number, buf: Uint8Array, off = 0): number {
  const o = p.options;
  const hl = optionsHeaderLen(o);
  if (hl > IPV4_MAX_HEADER_LEN) throw new RangeError(`IPv4 options of ${hl - 20} bytes exceed 40`);
  buf[off + Ipv4Field.VER_IHL] = 0x40 | (hl >>> 2);
  buf[off + Ipv4Field.TOS] = p.tos ?? 0;
  writeU16(buf, off + Ipv4Field.LENGTH, hl + payloadLen);
  writeU16(buf, off + Ipv4Field.IDENT, p.ident);
  writeU16(buf, off + Ipv4Field.FLG_OFF, (((p.flags ?? IPV4_FLAG_DF) & 7) << 13) | ((p.fragOffset ?? 0) & 0x1fff));
  buf[off + Ipv4Field.TTL] = p.ttl;
  buf[off + Ipv4Field.PROTOCOL] = protocol;
  writeU16(buf, off + Ipv4Field.CHECKSUM, 0);
  writeIpv4(buf, off + Ipv4Field.SRC, p.src);
  writeIpv4(buf, off + Ipv4Field.DST, p.dst);
  if (o !== undefined) {
    buf.set(o, off + IPV4_HEADER_LEN);
    buf.fill(0, off + IPV4_HEADER_LEN + o.length, off + hl);
  }
  writeU16(buf, off + Ipv4Field.CHECKSUM, ipv4HeaderChecksum(buf, off, hl));
  return hl;
}

/** Writes the header (options zero-padded to 32 bits) with its checksum; returns the header length. */
export function emitIpv4(repr: Ipv4Repr, buf: Uint8Array, off = 0): number {
  return emitIpv4Header(repr, repr.protocol, repr.payloadLen, buf, off);
}

export function verifyIpv4Checksum(buf: Uint8Array, off = 0): boolean {
  return new Ipv4Packet(buf, off).verifyChecksum();
}
