import { describe, expect, it } from 'vitest';
import { emitUdp, fromHex, isWireError, parseUdp, udpBufferLen, UdpPacket, type UdpRepr } from '../../src/wire/index.ts';
import { a5 } from './fixtures.ts';

// A DNS-sized datagram 10.0.0.10.40000 > 10.0.0.1.53 with payload "abc"; checksum computed by hand:
// pseudo 0a00+000a+0a00+0001+0011+000b = 0x1427; header 9c40+0035+000b = 0x9c80; data 6162+6300
// total 0x1427+0x9c80+0x6162+0x6300 = 0x1_7509 -> 0x750a -> ~ = 0x8af5.
const SRC = 0x0a00000a;
const DST = 0x0a000001;
const DGRAM = fromHex('9c400035000b8af5616263');
const REPR: UdpRepr = { srcPort: 40000, dstPort: 53, payload: fromHex('616263') };

describe('UDP', () => {
  it('deconstructs fixed bytes through the view', () => {
    const u = new UdpPacket(DGRAM);
    expect(u.srcPort).toBe(40000);
    expect(u.dstPort).toBe(53);
    expect(u.length).toBe(11);
    expect(u.checksum).toBe(0x8af5);
    expect(u.verifyChecksum(SRC, DST)).toBe(true);
  });
  it('constructs into a 0xa5-filled buffer', () => {
    const b = a5(11);
    expect(emitUdp(REPR, b, 0, SRC, DST)).toBe(11);
    expect(b).toEqual(DGRAM);
  });
  it('parses', () => {
    expect(parseUdp(DGRAM)).toEqual(REPR);
    expect(udpBufferLen(REPR)).toBe(11);
  });
  it('emits every byte and sends a zero checksum as 0xffff', () => {
    const b = a5(11);
    emitUdp(REPR, b, 0, SRC, DST);
    expect(b).toEqual(DGRAM);
    // Find a payload whose checksum is 0: adjust the last two bytes so the sum is 0xffff.
    const r: UdpRepr = { srcPort: 1, dstPort: 2, payload: new Uint8Array(2) };
    const z = new Uint8Array(10);
    emitUdp(r, z, 0, 0, 0);
    const c = (z[6]! << 8) | z[7]!;
    r.payload = new Uint8Array([c >>> 8, c & 0xff]);
    emitUdp(r, z, 0, 0, 0);
    expect((z[6]! << 8) | z[7]!).toBe(0xffff);
    expect(new UdpPacket(z).verifyChecksum(0, 0)).toBe(true);
  });
  it('malformed: truncated', () => {
    const r = parseUdp(DGRAM, 0, 7);
    expect(isWireError(r) && r.kind).toBe('truncated');
  });
  it('malformed: length field past the buffer', () => {
    const r = parseUdp(DGRAM, 0, 10);
    expect(isWireError(r) && r.kind).toBe('bad-length');
    expect(isWireError(r) && r.offset).toBe(4);
  });
  it('malformed: length field below 8', () => {
    const b = DGRAM.slice();
    b[5] = 7;
    const r = parseUdp(b);
    expect(isWireError(r) && r.kind).toBe('bad-length');
  });
});
