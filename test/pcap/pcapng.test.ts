import { describe, expect, it } from 'vitest';
import { MemorySink, nanosToHiLo, PcapngWriter, readCapture, readPcapng, type PcapngFile } from '../../src/pcap/index.ts';
import { isWireError, toHex } from '../../src/wire/index.ts';
import { ARP_REQUEST_FRAME, SYN_FRAME } from '../wire/fixtures.ts';

const T0 = 1319625000;

function ok(x: ReturnType<typeof readPcapng>): PcapngFile {
  if (isWireError(x)) throw new Error(x.toString());
  return x;
}

describe('pcapng writer', () => {
  it('writes golden bytes: SHB (comment, userappl), IDB (name, description, tsresol 9), EPB (flags, comment)', () => {
    const sink = new MemorySink();
    const w = new PcapngWriter(sink);
    expect(w.addInterface('eth0', 'lan A')).toBe(0);
    w.writePacket(0, T0, 123_456_789, ARP_REQUEST_FRAME, { direction: 'out', comment: 'hi' });
    w.close();
    const shb =
      '0a0d0d0a' + '38000000' + '4d3c2b1a' + '0100' + '0000' + 'ffffffffffffffff' +
      '0100' + '0500' + '6c6273696d000000' + // opt_comment "lbsim"
      '0400' + '0500' + '6c6273696d000000' + // shb_userappl "lbsim"
      '00000000' + '38000000';
    const idb =
      '01000000' + '34000000' + '0100' + '0000' + '00000400' +
      '0200' + '0400' + '65746830' + // if_name "eth0"
      '0300' + '0500' + '6c616e2041000000' + // if_description "lan A"
      '0900' + '0100' + '09000000' + // if_tsresol 9
      '00000000' + '34000000';
    const epb =
      '06000000' + '60000000' + '00000000' + 'f23f5012' + '155d1529' + '2a000000' + '2a000000' +
      toHex(ARP_REQUEST_FRAME) + '0000' +
      '0200' + '0400' + '02000000' + // epb_flags: outbound
      '0100' + '0200' + '68690000' + // opt_comment "hi"
      '00000000' + '60000000';
    expect(toHex(sink.bytes())).toBe(shb + idb + epb);
  });
  it('splits 64-bit nanosecond timestamps exactly without BigInt', () => {
    for (const [s, ns] of [[T0, 123_456_789], [0, 0], [0xffffffff, 999_999_999], [T0 + 86400 * 365, 1]] as const) {
      const t = BigInt(s) * 1_000_000_000n + BigInt(ns);
      expect(nanosToHiLo(s, ns)).toEqual([Number(t >> 32n), Number(t & 0xffffffffn)]);
    }
  });
  it('round-trips interfaces, directions, comments and nanosecond times, across flushes', () => {
    const sink = new MemorySink();
    const w = new PcapngWriter(sink, { comment: 'lbsim test', bufferSize: 300 });
    const a = w.addInterface('client1-eth0', 'client1 eth0 (domain A)');
    const b = w.addInterface('ws-eth1');
    const big = new Uint8Array(700).fill(7);
    w.writePacket(a, T0, 1, SYN_FRAME, { direction: 'out' });
    w.writePacket(b, T0 + 1, 999_999_999, ARP_REQUEST_FRAME, { direction: 'in', comment: ['DNAT 10.0.0.1 -> 10.0.1.1', 'rule 1'] });
    w.writePacket(b, T0 + 2, 5, big, { comment: 'big' });
    w.writePacket(a, T0 + 3, 6, SYN_FRAME);
    w.close();
    const r = ok(readPcapng(sink.bytes()));
    expect(r.comments).toEqual(['lbsim test']);
    expect(r.application).toBe('lbsim');
    expect(r.interfaces.map((i) => [i.name, i.description, i.unitsPerSec, i.linktype, i.snaplen])).toEqual([
      ['client1-eth0', 'client1 eth0 (domain A)', 1_000_000_000n, 1, 262144],
      ['ws-eth1', undefined, 1_000_000_000n, 1, 262144],
    ]);
    expect(r.packets.map((p) => [p.interfaceId, p.tsSec, p.tsFracNs, p.direction, p.comments, p.data.length])).toEqual([
      [0, T0, 1, 'out', [], 74],
      [1, T0 + 1, 999_999_999, 'in', ['DNAT 10.0.0.1 -> 10.0.1.1', 'rule 1'], 42],
      [1, T0 + 2, 5, undefined, ['big'], 700],
      [0, T0 + 3, 6, undefined, [], 74],
    ]);
    expect(r.packets[2]!.data).toEqual(big);
    expect(readCapture(sink.bytes())).toEqual(r);
  });
  it('refuses a packet on an interface that was never added', () => {
    const w = new PcapngWriter(new MemorySink());
    expect(() => w.writePacket(0, T0, 0, SYN_FRAME)).toThrow(/interface 0 was not added/);
  });
});

describe('pcapng reader errors', () => {
  const good = (): Uint8Array => {
    const s = new MemorySink();
    const w = new PcapngWriter(s);
    w.addInterface('eth0');
    w.writePacket(0, T0, 0, SYN_FRAME, { direction: 'in' });
    w.close();
    return s.bytes();
  };
  it('rejects a foreign file and a classic pcap', () => {
    const r = readPcapng(new TextEncoder().encode('GIF89a, certainly not a capture file'));
    expect(isWireError(r) && r.message).toMatch(/not a pcapng file: first block type/);
    const p = readPcapng(new Uint8Array([0xd4, 0xc3, 0xb2, 0xa1, ...new Uint8Array(40)]));
    expect(isWireError(p) && p.message).toMatch(/classic pcap/);
  });
  it('rejects a truncated block', () => {
    const b = good();
    const r = readPcapng(b.subarray(0, b.length - 3));
    expect(isWireError(r) && r.kind).toBe('bad-file');
    expect(isWireError(r) && r.message).toMatch(/truncated pcapng: block type 0x00000006/);
  });
  it('rejects mismatched block lengths', () => {
    const b = good().slice();
    b[b.length - 4] = b[b.length - 4]! ^ 4;
    const r = readPcapng(b);
    expect(isWireError(r) && r.message).toMatch(/trailing length/);
  });
  it('rejects a packet naming an undefined interface', () => {
    const b = good().slice();
    const epbAt = 56 + 40; // SHB 56, IDB with if_name "eth0" and tsresol = 40
    b[epbAt + 8] = 3;
    const r = readPcapng(b);
    expect(isWireError(r) && r.message).toMatch(/names interface 3, but only 1 are defined/);
  });
  it('never throws on random garbage', () => {
    let x = 777;
    for (let n = 0; n < 300; n++) {
      const b = good().slice();
      for (let k = 0; k < 4; k++) {
        x = (x * 1103515245 + 12345) >>> 0;
        b[x % b.length] = x >>> 24;
      }
      expect(() => readCapture(b.subarray(0, (x >>> 8) % (b.length + 1)))).not.toThrow();
    }
  });
});
