import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { MemorySink, PcapWriter, readCapture, readPcap, type PcapFile } from '../../src/pcap/index.ts';
import { fromHex, isWireError, toHex } from '../../src/wire/index.ts';
import { ARP_REQUEST_FRAME, SYN_FRAME } from '../wire/fixtures.ts';

const T0 = 1319625000; // 2011-10-26T10:30:00Z, the default scenario start

function ok(x: ReturnType<typeof readPcap>): PcapFile {
  if (isWireError(x)) throw new Error(x.toString());
  return x;
}

describe('pcap writer', () => {
  it('writes golden bytes (microseconds, little-endian, snaplen 262144, Ethernet)', () => {
    const sink = new MemorySink();
    const w = new PcapWriter(sink);
    w.writePacket(T0, 123_456_789, ARP_REQUEST_FRAME);
    w.close();
    expect(sink.isClosed).toBe(true);
    expect(toHex(sink.bytes())).toBe(
      'd4c3b2a1' + '0200' + '0400' + '00000000' + '00000000' + '00000400' + '01000000' +
        '28e1a74e' + '40e20100' + '2a000000' + '2a000000' + toHex(ARP_REQUEST_FRAME),
    );
  });
  it('writes golden bytes (nanoseconds)', () => {
    const sink = new MemorySink();
    const w = new PcapWriter(sink, { nanos: true });
    w.writePacket(T0, 123_456_789, ARP_REQUEST_FRAME);
    w.close();
    expect(toHex(sink.bytes())).toBe(
      '4d3cb2a1' + '0200' + '0400' + '00000000' + '00000000' + '00000400' + '01000000' +
        '28e1a74e' + '15cd5b07' + '2a000000' + '2a000000' + toHex(ARP_REQUEST_FRAME),
    );
  });
  it('round-trips through the reader, across buffer flushes and oversized packets', () => {
    const sink = new MemorySink();
    const w = new PcapWriter(sink, { nanos: true, bufferSize: 256 });
    const big = new Uint8Array(1000).map((_, i) => i & 0xff);
    const frames: Uint8Array[] = [];
    for (let i = 0; i < 50; i++) frames.push(i % 10 === 9 ? big : i % 2 ? SYN_FRAME : ARP_REQUEST_FRAME);
    frames.forEach((f, i) => w.writePacket(T0 + i, i * 1000 + 7, f));
    w.close();
    const r = ok(readPcap(sink.bytes()));
    expect(r.nanos).toBe(true);
    expect(r.snaplen).toBe(262144);
    expect(r.linktype).toBe(1);
    expect(r.packets.length).toBe(50);
    r.packets.forEach((p, i) => {
      expect(p.tsSec).toBe(T0 + i);
      expect(p.tsFracNs).toBe(i * 1000 + 7);
      expect(p.data).toEqual(frames[i]);
      expect(p.origLen).toBe(frames[i]!.length);
    });
  });
  it('keeps memory bounded: the sink receives chunks no larger than the buffer', () => {
    const sizes: number[] = [];
    const w = new PcapWriter({ write: (c) => void sizes.push(c.length), close: () => {} }, { bufferSize: 4096 });
    for (let i = 0; i < 1000; i++) w.writePacket(T0, 0, SYN_FRAME);
    w.close();
    expect(Math.max(...sizes)).toBeLessThanOrEqual(4096);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(24 + 1000 * (16 + 74));
  });
  it('reads the real-kernel capture (client1-eth0.pcap, 92 frames)', () => {
    const bytes = new Uint8Array(readFileSync(new URL('../wire/fixtures/real-kernel/e1-client1-eth0.pcap', import.meta.url)));
    const r = ok(readPcap(bytes));
    expect(r.packets.length).toBe(92);
    expect(r.packets[0]!.data).toEqual(ARP_REQUEST_FRAME);
    expect(r.packets[2]!.data).toEqual(SYN_FRAME);
  });
  it('truncates at the snaplen but keeps the original length', () => {
    const sink = new MemorySink();
    const w = new PcapWriter(sink, { snaplen: 20 });
    w.writePacket(T0, 0, SYN_FRAME);
    w.close();
    const r = ok(readPcap(sink.bytes()));
    expect(r.packets[0]!.data.length).toBe(20);
    expect(r.packets[0]!.origLen).toBe(74);
  });
});

describe('pcap reader errors', () => {
  const good = (): Uint8Array => {
    const s = new MemorySink();
    const w = new PcapWriter(s);
    w.writePacket(T0, 0, SYN_FRAME);
    w.close();
    return s.bytes();
  };
  it('rejects a short file', () => {
    const r = readPcap(fromHex('d4c3b2a1'));
    expect(isWireError(r) && r.kind).toBe('bad-file');
    expect(isWireError(r) && r.message).toMatch(/needs 24/);
  });
  it('rejects a foreign file', () => {
    const r = readPcap(new TextEncoder().encode('<html><body>not a capture at all</body></html>'));
    expect(isWireError(r) && r.message).toMatch(/not a pcap file: magic 0x3c68746d/);
  });
  it('says when it is given pcapng', () => {
    const r = readPcap(fromHex('0a0d0d0a1c0000004d3c2b1a01000000ffffffffffffffff1c000000'));
    expect(isWireError(r) && r.message).toMatch(/pcapng/);
  });
  it('rejects a truncated record header and a truncated record body', () => {
    const b = good();
    const r1 = readPcap(b.subarray(0, 24 + 10));
    expect(isWireError(r1) && r1.message).toMatch(/record 1 at offset 24 has 10 of its 16 header bytes/);
    const r2 = readPcap(b.subarray(0, b.length - 1));
    expect(isWireError(r2) && r2.message).toMatch(/record 1 at offset 24 says 74 bytes, 73 remain/);
    expect(isWireError(r2) && r2.offset).toBe(24);
  });
  it('rejects an absurd captured length', () => {
    const b = good().slice();
    b[24 + 8 + 3] = 0x7f;
    const r = readPcap(b);
    expect(isWireError(r) && r.message).toMatch(/exceeds the snaplen/);
  });
  it('never throws on random garbage', () => {
    let x = 12345;
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
