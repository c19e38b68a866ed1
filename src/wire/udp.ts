// UDP (RFC 768).
//
//  0      7 8     15 16    23 24    31
// |   Source Port   | Destination Port |  0
// |     Length      |     Checksum     |  4

import type { Ipv4Addr } from './addr.ts';
import { readU16, writeU16 } from './bytes.ts';
import { pseudoHeaderSum, sum16, tcpUdpChecksum } from './checksum.ts';
import { WireError } from './errors.ts';

export const UdpField = {
  SRC_PORT: 0,
  DST_PORT: 2,
  LENGTH: 4,
  CHECKSUM: 6,
  PAYLOAD: 8,
} as const;

export const UDP_HEADER_LEN = 8;

export interface UdpRepr {
  srcPort: number;
  dstPort: number;
  /** From parseUdp: a view into the parsed buffer (not a copy). */
  payload: Uint8Array;
}

export class UdpPacket {
  constructor(
    readonly buf: Uint8Array,
    readonly off = 0,
  ) {}
  get srcPort(): number {
    return readU16(this.buf, this.off + UdpField.SRC_PORT);
  }
  get dstPort(): number {
    return readU16(this.buf, this.off + UdpField.DST_PORT);
  }
  get length(): number {
    return readU16(this.buf, this.off + UdpField.LENGTH);
  }
  get checksum(): number {
    return readU16(this.buf, this.off + UdpField.CHECKSUM);
  }
  /** A zero checksum means the sender computed none (RFC 768): that verifies. */
  verifyChecksum(src: Ipv4Addr, dst: Ipv4Addr): boolean {
    if (this.checksum === 0) return true;
    const l = this.length;
    return sum16(this.buf, this.off, l, pseudoHeaderSum(src, dst, 17, l)) === 0xffff;
  }
  fillChecksum(src: Ipv4Addr, dst: Ipv4Addr): void {
    const c = tcpUdpChecksum(src, dst, 17, this.buf, this.off, this.length);
    writeU16(this.buf, this.off + UdpField.CHECKSUM, c === 0 ? 0xffff : c);
  }
}

/** Parses a UDP datagram; `len` is the bytes available (the IP payload length). */
export function parseUdp(buf: Uint8Array, off = 0, len = buf.length - off): UdpRepr | WireError {
  if (len < UDP_HEADER_LEN) return new WireError('truncated', off, `UDP header needs 8 bytes, have ${len}`);
  const l = readU16(buf, off + UdpField.LENGTH);
  if (l < UDP_HEADER_LEN) return new WireError('bad-length', off + UdpField.LENGTH, `UDP length ${l} < 8`);
  if (l > len) return new WireError('bad-length', off + UdpField.LENGTH, `UDP length ${l} past the ${len} bytes available`);
  return {
    srcPort: readU16(buf, off + UdpField.SRC_PORT),
    dstPort: readU16(buf, off + UdpField.DST_PORT),
    payload: buf.subarray(off + UDP_HEADER_LEN, off + l),
  };
}

export function udpBufferLen(repr: UdpRepr): number {
  return UDP_HEADER_LEN + repr.payload.length;
}

/** Writes header + payload and the checksum (0 is sent as 0xffff); returns the datagram length. */
export function emitUdp(repr: UdpRepr, buf: Uint8Array, off: number, src: Ipv4Addr, dst: Ipv4Addr): number {
  const l = UDP_HEADER_LEN + repr.payload.length;
  writeU16(buf, off + UdpField.SRC_PORT, repr.srcPort);
  writeU16(buf, off + UdpField.DST_PORT, repr.dstPort);
  writeU16(buf, off + UdpField.LENGTH, l);
  writeU16(buf, off + UdpField.CHECKSUM, 0);
  buf.set(repr.payload, off + UDP_HEADER_LEN);
  const c = tcpUdpChecksum(src, dst, 17, buf, off, l);
  writeU16(buf, off + UdpField.CHECKSUM, c === 0 ? 0xffff : c);
  return l;
}

export function verifyUdpChecksum(buf: Uint8Array, off: number, src: Ipv4Addr, dst: Ipv4Addr): boolean {
  return new UdpPacket(buf, off).verifyChecksum(src, dst);
}
