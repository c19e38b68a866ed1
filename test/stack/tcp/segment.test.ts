import { describe, expect, it } from 'vitest';
import { readSegment, segFromRepr } from '../../../src/stack/tcp/segment.ts';
import { emitTcp, isWireError, parseTcp, tcpBufferLen, TCP_ACK, TCP_SYN, type TcpRepr } from '../../../src/wire/index.ts';
import { rngFor } from '../../../src/sim/index.ts';

function build(r: TcpRepr): Uint8Array {
  const b = new Uint8Array(tcpBufferLen(r));
  emitTcp(r, b, 0, 0x0a00000a, 0x0a000001);
  return b;
}

describe('readSegment (the receive fast path)', () => {
  it('reads what the wire codec parses, for seeded random segments', () => {
    const rng = rngFor(1, 'test/segment');
    for (let n = 0; n < 2000; n++) {
      const r: TcpRepr = {
        srcPort: rng.int(1, 65535),
        dstPort: rng.int(1, 65535),
        seq: rng.u32(),
        ack: rng.u32(),
        flags: rng.int(0, 0xfff),
        window: rng.int(0, 65535),
        urgentPtr: 0,
        options: [],
      };
      if (rng.chance(0.5)) r.options.push({ kind: 'mss', value: rng.int(0, 65535) });
      if (rng.chance(0.5)) r.options.push({ kind: 'sackPermitted' });
      if (rng.chance(0.7)) r.options.push({ kind: 'nop' }, { kind: 'nop' }, { kind: 'timestamps', tsVal: rng.u32(), tsEcr: rng.u32() });
      if (rng.chance(0.3)) r.options.push({ kind: 'nop' }, { kind: 'wscale', shift: rng.int(0, 20) });
      if (rng.chance(0.2)) r.options.push({ kind: 'unknown', type: 254, data: new Uint8Array([1, 2]) });
      if (rng.chance(0.2)) r.options.push({ kind: 'sack', blocks: [{ left: rng.u32(), right: rng.u32() }] });
      if (rng.chance(0.5)) r.payload = new Uint8Array(rng.int(1, 100)).fill(7);
      const bytes = build(r);
      const viaCodec = parseTcp(bytes, 0, bytes.length);
      if (isWireError(viaCodec)) throw new Error(viaCodec.message);
      expect(readSegment(bytes, 0, bytes.length)).toEqual(segFromRepr(viaCodec));
    }
  });

  it('rejects a data offset below 5, past the segment, and an option overrunning the header', () => {
    const ok = build({ srcPort: 1, dstPort: 2, seq: 3, ack: 4, flags: TCP_SYN | TCP_ACK, window: 5, urgentPtr: 0, options: [{ kind: 'mss', value: 1460 }] });
    expect(readSegment(ok, 0, ok.length)).not.toBeNull();
    const low = ok.slice();
    low[12] = 4 << 4;
    expect(readSegment(low, 0, low.length)).toBeNull();
    const past = ok.slice();
    past[12] = 15 << 4;
    expect(readSegment(past, 0, past.length)).toBeNull();
    const overrun = ok.slice();
    overrun[21] = 9; // MSS option claims 9 bytes in a 4-byte option area
    expect(readSegment(overrun, 0, overrun.length)).toBeNull();
    expect(readSegment(ok, 0, 19)).toBeNull();
  });
});
