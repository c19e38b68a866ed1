// Wireshark as the judge of the NATed bytes: three HTTP connections and a ping through
// ws_round-robin, captured on both sides of the switch (eth0 outside, eth1 inside), must show no
// malformed packet, no bad checksum and no TCP analysis flag; the inside shows the DNATed
// destinations and the masqueraded source, the outside only the VIP; the merged pcapng carries
// the NAT comments.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ETHERTYPE_IPV4, buildEthFrame } from '../../../src/wire/index.ts';
import { MemorySink, PcapWriter, PcapngWriter } from '../../../src/pcap/index.ts';
import { requireTsharkOrSkip, tsharkCheck, tsharkFields } from '../../support/tshark.ts';
import { connection, forward, icmpPacket, makeSwitch, roundRobinRules, setTap, SEC } from './helpers.ts';

afterEach(() => setTap(null));

describe('NATed traffic in Wireshark', () => {
  it('has 0 malformed packets and 0 bad checksums on both sides of ws_round-robin', (ctx) => {
    requireTsharkOrSkip(ctx);
    const { nf, clock } = makeSwitch('ws_round-robin', '10.0.0.1', '100.0.0.4');
    roundRobinRules(nf);
    const sinks = { eth0: new MemorySink(), eth1: new MemorySink(), merged: new MemorySink() };
    const pcaps = { eth0: new PcapWriter(sinks.eth0, { nanos: true }), eth1: new PcapWriter(sinks.eth1, { nanos: true }) };
    const merged = new PcapngWriter(sinks.merged, { comment: 'netfilter engine test' });
    const ifId = { eth0: merged.addInterface('ws_round-robin-eth0', 'outside'), eth1: merged.addInterface('ws_round-robin-eth1', 'inside') };
    const macs: Record<string, [number, number]> = { eth0: [0x02000a00000a, 0x02000a000001], eth1: [0x020064000004, 0x020064000001] };
    setTap((iface, direction, pkt, notes) => {
      clock.advance(100_000);
      const [a, b] = macs[iface]!;
      const frame = buildEthFrame(direction === 'in' ? a : b, direction === 'in' ? b : a, ETHERTYPE_IPV4, pkt);
      const sec = Math.floor(clock.t / SEC);
      const ns = clock.t % SEC;
      pcaps[iface as 'eth0' | 'eth1'].writePacket(1319625000 + sec, ns, frame);
      merged.writePacket(ifId[iface as 'eth0' | 'eth1'], 1319625000 + sec, ns, frame, {
        direction,
        ...(direction === 'out' && notes.length > 0 ? { comment: [...notes] } : {}),
      });
    });
    for (let i = 0; i < 3; i++) connection(nf, '10.0.0.10', 44656 + 6 * i, '10.0.0.1');
    forward(nf, icmpPacket('10.0.0.10', '10.0.0.1', { kind: 'echoRequest', ident: 7, seq: 1, data: new Uint8Array(56) }), 'eth0', 'eth1');
    forward(nf, icmpPacket('100.0.0.1', '100.0.0.4', { kind: 'echoReply', ident: 7, seq: 1, data: new Uint8Array(56) }), 'eth1', 'eth0');
    pcaps.eth0.close();
    pcaps.eth1.close();
    merged.close();

    const dir = mkdtempSync(join(tmpdir(), 'lbsim-nf-'));
    const files = { eth0: join(dir, 'eth0.pcap'), eth1: join(dir, 'eth1.pcap'), merged: join(dir, 'merged.pcapng') };
    writeFileSync(files.eth0, sinks.eth0.bytes());
    writeFileSync(files.eth1, sinks.eth1.bytes());
    writeFileSync(files.merged, sinks.merged.bytes());

    for (const f of [files.eth0, files.eth1]) {
      const r = tsharkCheck(f);
      expect(r.stderr, f).toBe('');
      expect(r.frames, f).toBe(3 * 10 + 2);
      expect(r.malformed, f).toEqual([]);
      expect(r.badChecksums, f).toEqual([]);
      expect(r.analysisFlags, f).toEqual([]);
    }
    const inside = tsharkFields(files.eth1, ['ip.src', 'ip.dst'], { filter: 'tcp.flags.syn == 1 && tcp.flags.ack == 0' });
    expect(inside.map((r) => `${r['ip.src']![0]} > ${r['ip.dst']![0]}`)).toEqual([
      '100.0.0.4 > 100.0.0.1',
      '100.0.0.4 > 100.0.0.2',
      '100.0.0.4 > 100.0.0.3',
    ]);
    const outside = tsharkFields(files.eth0, ['ip.src', 'ip.dst']);
    for (const r of outside) expect([r['ip.src']![0], r['ip.dst']![0]].sort()).toEqual(['10.0.0.1', '10.0.0.10']);
    const comments = tsharkFields(files.merged, ['frame.comment'], { filter: 'frame.comment' }).flatMap((r) => r['frame.comment']!);
    expect(comments).toContain('ws_round-robin PREROUTING rule 2 (statistic mode nth every 2) DNAT 10.0.0.1:80 -> 100.0.0.2:80 [NEW]');
    expect(comments).toContain('ws_round-robin POSTROUTING rule 1 MASQUERADE 10.0.0.10:44662 -> 100.0.0.4:44662 [NEW]');
    expect(comments).toContain('ws_round-robin conntrack ESTABLISHED reply: 100.0.0.4:44662 -> 10.0.0.10:44662 (de-MASQUERADE)');
    expect(tsharkCheck(files.merged).badChecksums).toEqual([]);
  });
});
