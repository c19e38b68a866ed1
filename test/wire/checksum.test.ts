import { describe, expect, it } from 'vitest';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import {
  finishChecksum,
  fromHex,
  ipv4HeaderChecksum,
  pseudoHeaderSum,
  sum16,
  tcpUdpChecksum,
  updateChecksum16,
  updateChecksum32,
} from '../../src/wire/index.ts';
import { SYN_FRAME } from './fixtures.ts';

describe('checksum', () => {
  it('RFC 1071 §3 example: 00 01 f2 03 f4 f5 f6 f7 sums to 0xddf2', () => {
    expect(sum16(fromHex('0001f203f4f5f6f7'), 0, 8)).toBe(0xddf2);
    expect(finishChecksum(0xddf2)).toBe(0x220d);
  });
  it('pads an odd trailing byte with zero and chains across even pieces', () => {
    expect(sum16(fromHex('0102ab'), 0, 3)).toBe(0x0102 + 0xab00);
    const b = fromHex('0001f203f4f5f6f7');
    expect(sum16(b, 4, 4, sum16(b, 0, 4))).toBe(0xddf2);
  });
  it('computes the IPv4 header checksum of a real SYN ignoring the stored field', () => {
    expect(ipv4HeaderChecksum(SYN_FRAME, 14, 20)).toBe(0x160f);
    expect(sum16(SYN_FRAME, 14, 20)).toBe(0xffff);
  });
  it('computes the TCP checksum of a real SYN with the pseudo-header', () => {
    expect(tcpUdpChecksum(0x0a00000a, 0x0a000001, 6, SYN_FRAME, 34, 40)).toBe(0x3a09);
    expect(sum16(SYN_FRAME, 34, 40, pseudoHeaderSum(0x0a00000a, 0x0a000001, 6, 40))).toBe(0xffff);
  });

  // gVisor-style property test: RFC 1624 incremental update == full recompute, 10,000 seeded cases.
  it('incremental update equals full recompute over 10,000 random headers', () => {
    const rng = xoroshiro128plus(20111026);
    const next = (max: number): number => uniformInt(rng, 0, max);
    for (let n = 0; n < 10_000; n++) {
      const words = 10 + next(20); // 20..60 bytes
      const b = new Uint8Array(words * 2);
      for (let i = 0; i < b.length; i++) b[i] = next(255);
      // Sprinkle extreme values: all-zero and all-one fields hit the -0/+0 corner of RFC 1624.
      if (n % 7 === 0) b.fill(0, 0, 8);
      if (n % 11 === 0) b.fill(0xff, 4, 12);
      const csumOff = 2 * next(words - 1);
      b[csumOff] = 0;
      b[csumOff + 1] = 0;
      const full = (x: Uint8Array): number => finishChecksum(sum16(x, 0, x.length));
      const c0 = full(b);
      b[csumOff] = c0 >>> 8;
      b[csumOff + 1] = c0 & 0xff;
      let fieldOff = 2 * next(words - 1);
      while (fieldOff === csumOff) fieldOff = 2 * next(words - 1);
      const wide = fieldOff + 3 < b.length && fieldOff + 2 !== csumOff && next(1) === 1;
      let incr: number;
      if (wide) {
        const old = ((b[fieldOff]! << 24) | (b[fieldOff + 1]! << 16) | (b[fieldOff + 2]! << 8) | b[fieldOff + 3]!) >>> 0;
        const nv = n % 13 === 0 ? 0 : n % 17 === 0 ? 0xffffffff : next(0xffffffff);
        b[fieldOff] = nv >>> 24;
        b[fieldOff + 1] = nv >>> 16;
        b[fieldOff + 2] = nv >>> 8;
        b[fieldOff + 3] = nv;
        incr = updateChecksum32(c0, old, nv);
      } else {
        const old = (b[fieldOff]! << 8) | b[fieldOff + 1]!;
        const nv = n % 13 === 0 ? 0 : n % 17 === 0 ? 0xffff : next(0xffff);
        b[fieldOff] = nv >>> 8;
        b[fieldOff + 1] = nv;
        incr = updateChecksum16(c0, old, nv);
      }
      b[csumOff] = 0;
      b[csumOff + 1] = 0;
      const recomputed = full(b);
      if (incr !== recomputed) {
        throw new Error(`case ${n}: incremental 0x${incr.toString(16)} != full 0x${recomputed.toString(16)} (field at ${fieldOff}, wide ${wide})`);
      }
    }
  });
});
