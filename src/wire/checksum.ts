// The one Internet checksum module (RFC 1071, RFC 1624). Sums chain without complementing:
// sum16(b2, ..., sum16(b1, ...)) == sum over b1 then b2 (for even-length pieces except the last).
// A received header is valid when its sum, checksum field included, folds to 0xffff.

import type { Ipv4Addr } from './addr.ts';

/** Folds a (possibly large) accumulated sum to 16 bits with end-around carry. */
export function foldSum(sum: number): number {
  // Doubles hold integers exactly up to 2^53, so a wide accumulator folds safely in a loop.
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

/**
 * One's-complement sum of bytes [off, off+len) as big-endian 16-bit words, added to `initial`.
 * An odd trailing byte is padded with zero (RFC 1071 §4.1). Returns a folded, uncomplemented sum.
 */
export function sum16(b: Uint8Array, off: number, len: number, initial = 0): number {
  let sum = initial;
  const end = off + len - 1;
  let i = off;
  // Two words per iteration; the accumulator stays well below 2^53 for any realistic frame.
  for (; i + 3 <= end; i += 4) {
    sum += ((b[i]! << 8) | b[i + 1]!) + ((b[i + 2]! << 8) | b[i + 3]!);
  }
  for (; i < end; i += 2) sum += (b[i]! << 8) | b[i + 1]!;
  if (i === end) sum += b[i]! << 8;
  return foldSum(sum);
}

/** Complements a sum into the value written in a checksum field. */
export function finishChecksum(sum: number): number {
  return ~foldSum(sum) & 0xffff;
}

/** Sum of the TCP/UDP pseudo-header (RFC 793 §3.1, RFC 768): src, dst, zero+protocol, length. */
export function pseudoHeaderSum(src: Ipv4Addr, dst: Ipv4Addr, protocol: number, length: number): number {
  return foldSum((src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + protocol + length);
}

/** Checksum of an IPv4 header, computed as if its checksum field (bytes 10-11) were zero. */
export function ipv4HeaderChecksum(b: Uint8Array, off: number, headerLen: number): number {
  const s = sum16(b, off + 12, headerLen - 12, sum16(b, off, 10));
  return finishChecksum(s);
}

/** Offset of the checksum field inside a TCP (16) or UDP (6) header; other protocols: -1. */
export function transportChecksumOffset(protocol: number): number {
  return protocol === 6 ? 16 : protocol === 17 ? 6 : -1;
}

/**
 * TCP or UDP checksum of the segment at [off, off+len) with the pseudo-header, computed as if the
 * checksum field were zero. For UDP the caller maps a result of 0 to 0xffff (RFC 768).
 */
export function tcpUdpChecksum(
  src: Ipv4Addr,
  dst: Ipv4Addr,
  protocol: number,
  b: Uint8Array,
  off: number,
  len: number,
): number {
  const csumOff = transportChecksumOffset(protocol);
  if (csumOff < 0) throw new RangeError(`tcpUdpChecksum: protocol ${protocol} is neither TCP (6) nor UDP (17)`);
  let s = pseudoHeaderSum(src, dst, protocol, len);
  s = sum16(b, off, csumOff, s);
  s = sum16(b, off + csumOff + 2, len - csumOff - 2, s);
  return finishChecksum(s);
}

/** True when the bytes, checksum field included, sum to 0xffff (with an optional initial sum). */
export function verifySum(b: Uint8Array, off: number, len: number, initial = 0): boolean {
  return sum16(b, off, len, initial) === 0xffff;
}

/**
 * RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'). Returns the new checksum after a 16-bit field of the
 * covered data changed from oldValue to newValue. Same bytes as a full recompute for any header
 * whose checksum was correct (the -0/+0 ambiguity of eqn. 2 cannot arise).
 */
export function updateChecksum16(oldChecksum: number, oldValue: number, newValue: number): number {
  const s = (~oldChecksum & 0xffff) + (~oldValue & 0xffff) + (newValue & 0xffff);
  return ~foldSum(s) & 0xffff;
}

/** RFC 1624 for a 32-bit field (an IPv4 address): both halves at once, as Linux csum_replace4. */
export function updateChecksum32(oldChecksum: number, oldValue: number, newValue: number): number {
  const s =
    (~oldChecksum & 0xffff) +
    (~(oldValue >>> 16) & 0xffff) +
    (~oldValue & 0xffff) +
    ((newValue >>> 16) & 0xffff) +
    (newValue & 0xffff);
  return ~foldSum(s) & 0xffff;
}
