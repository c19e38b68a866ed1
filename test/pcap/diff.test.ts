import { describe, expect, it } from 'vitest';
import { diffCaptures, MemorySink, PcapngWriter, PcapWriter } from '../../src/pcap/index.ts';
import { httpExchange } from '../support/http-exchange.ts';

const T0 = 1319625000;

function pcap(edit?: (i: number, f: Uint8Array) => Uint8Array | undefined, nanos = true): Uint8Array {
  const s = new MemorySink();
  const w = new PcapWriter(s, { nanos });
  httpExchange().forEach((f, i) => {
    const frame = edit === undefined ? f.frame : edit(i, f.frame.slice());
    if (frame !== undefined) w.writePacket(T0, f.tNs, frame);
  });
  w.close();
  return s.bytes();
}

describe('diffCaptures', () => {
  it('says nothing for identical files', () => {
    expect(diffCaptures(pcap(), pcap())).toBeUndefined();
  });
  it('names the first differing packet, its time, the offset and both summaries', () => {
    const d = diffCaptures(
      pcap(),
      pcap((i, f) => {
        if (i === 6) f[14 + 20 + 15] = 0x20; // server ACK window 509 (0x01fd) -> 288 (0x0120)
        return f;
      }),
    );
    expect(d?.index).toBe(6);
    expect(d?.message).toBe(
      'packet 7 at 1319625000.000401000 differs: bytes from offset 49 (lengths 66/66)\n' +
        '  expected: IP 10.0.0.1.80 > 10.0.0.10.44656: Flags [.], ack 105850341, win 509, options [nop,nop,TS val 1398749879 ecr 3442824986], length 0\n' +
        '  actual:   IP 10.0.0.1.80 > 10.0.0.10.44656: Flags [.], ack 105850341, win 288, options [nop,nop,TS val 1398749879 ecr 3442824986], length 0',
    );
  });
  it('reports a missing packet and file-level differences', () => {
    const d = diffCaptures(pcap(), pcap((i, f) => (i === 11 ? undefined : f)));
    expect(d?.message).toMatch(/^expected 12 packets, actual has 11; first missing packet 12 at 1319625000.004671000: IP 10.0.0.10.44656 > 10.0.0.1.80: Flags \[\.\]/);
    expect(diffCaptures(pcap(), pcap(undefined, false))?.message).toBe('file header nanos: expected true, actual false');
    expect(diffCaptures(pcap(), new Uint8Array(3))?.message).toMatch(/^actual file unreadable: not a pcap file/);
  });
  it('compares pcapng interfaces, directions and comments', () => {
    const make = (name: string, comment: string): Uint8Array => {
      const s = new MemorySink();
      const w = new PcapngWriter(s);
      const id = w.addInterface(name);
      for (const f of httpExchange()) w.writePacket(id, T0, f.tNs, f.frame, { direction: 'out', comment: f.note === 'ARP reply' ? comment : f.note });
      w.close();
      return s.bytes();
    };
    expect(diffCaptures(make('eth0', 'ARP reply'), make('eth1', 'ARP reply'))?.message).toMatch(/^interface 0: expected eth0/);
    const d = diffCaptures(make('eth0', 'ARP reply'), make('eth0', 'changed'));
    expect(d?.index).toBe(1);
    expect(d?.message).toMatch(/packet 2 .* differs: comments\n  expected: ARP, Reply .* \(out\) \[ARP reply\]\n  actual: .*\[changed\]$/);
  });
});
