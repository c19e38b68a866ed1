// The lab's three web switches, driven with hand-built packets through the hooks: who gets which
// connection, what the counters say, and that nothing but a connection's first packet touches
// the nat table.

import { describe, expect, it } from 'vitest';
import { TCP_ACK, TCP_SYN, ipv4ToString, readIpv4, readU16 } from '../../../src/wire/index.ts';
import type { Netfilter } from '../../../src/netfilter/index.ts';
import {
  connection,
  forward,
  ip,
  makeSwitch,
  newContext,
  randomRules,
  roundRobinRules,
  sourceIpRules,
  syn,
  tcpPacket,
  LINUX_SYN_OPTIONS,
} from './helpers.ts';

const dstOf = (p: Uint8Array) => ipv4ToString(readIpv4(p, 16));
const srcOf = (p: Uint8Array) => ipv4ToString(readIpv4(p, 12));
const sportOf = (p: Uint8Array) => readU16(p, 20);
const dportOf = (p: Uint8Array) => readU16(p, 22);

function counters(nf: Netfilter, chain: string): [number, number][] {
  return nf.iptables.nft.tables.get('nat')!.chains.get(chain)!.rules.map((r) => [r.counters.pkts, r.counters.bytes]);
}

describe('ws_round-robin', () => {
  it('sends new connections to servers 1,2,3,1,2,3… and counts 3/3/3 packets, 180 bytes after 9', () => {
    const { nf } = makeSwitch('ws_round-robin', '10.0.0.1', '100.0.0.4');
    roundRobinRules(nf);
    const servers: string[] = [];
    for (let i = 0; i < 9; i++) servers.push(connection(nf, '10.0.0.10', 44656 + 8 * i, '10.0.0.1').server);
    expect(servers).toEqual([
      '100.0.0.1',
      '100.0.0.2',
      '100.0.0.3',
      '100.0.0.1',
      '100.0.0.2',
      '100.0.0.3',
      '100.0.0.1',
      '100.0.0.2',
      '100.0.0.3',
    ]);
    expect(counters(nf, 'PREROUTING')).toEqual([
      [3, 180],
      [3, 180],
      [3, 180],
    ]);
    expect(counters(nf, 'POSTROUTING')).toEqual([[9, 540]]);
    // iptables-nft: policy counters stay 0.
    const pre = nf.iptables.nft.tables.get('nat')!.chains.get('PREROUTING')!;
    expect(pre.policyCounters).toEqual({ pkts: 0, bytes: 0 });
  });

  it('moves no counter for requests on an established (keep-alive) connection', () => {
    const { nf } = makeSwitch('ws_round-robin', '10.0.0.1', '100.0.0.4');
    roundRobinRules(nf);
    const a = connection(nf, '10.0.0.10', 40000, '10.0.0.1', 5);
    expect(a.server).toBe('100.0.0.1');
    expect(counters(nf, 'PREROUTING')).toEqual([
      [1, 60],
      [0, 0],
      [0, 0],
    ]);
    expect(counters(nf, 'POSTROUTING')).toEqual([[1, 60]]);
  });

  it('does not run the nat rules again for a retransmitted SYN of a confirmed connection', () => {
    const { nf, clock } = makeSwitch('ws_round-robin', '10.0.0.1', '100.0.0.4');
    roundRobinRules(nf);
    const first = forward(nf, syn('10.0.0.10', 40000, '10.0.0.1'), 'eth0', 'eth1');
    clock.advance(1_000_000_000);
    const again = forward(nf, syn('10.0.0.10', 40000, '10.0.0.1'), 'eth0', 'eth1');
    expect(dstOf(again.pkt)).toBe(dstOf(first.pkt));
    expect(counters(nf, 'PREROUTING')[0]).toEqual([1, 60]);
    expect(again.notes).toEqual([
      'ws_round-robin conntrack NEW original: 10.0.0.1:80 -> 100.0.0.1:80 (DNAT)',
      'ws_round-robin conntrack NEW original: 10.0.0.10:40000 -> 100.0.0.4:40000 (MASQUERADE)',
    ]);
  });

  it('comments each NATed packet', () => {
    const { nf } = makeSwitch('ws_round-robin', '10.0.0.1', '100.0.0.4');
    roundRobinRules(nf);
    forward(nf, syn('10.0.0.10', 48700, '10.0.0.1'), 'eth0', 'eth1');
    const t = forward(nf, syn('10.0.0.10', 48794, '10.0.0.1'), 'eth0', 'eth1');
    expect(t.notes).toEqual([
      'ws_round-robin PREROUTING rule 2 (statistic mode nth every 2) DNAT 10.0.0.1:80 -> 100.0.0.2:80 [NEW]',
      'ws_round-robin POSTROUTING rule 1 MASQUERADE 10.0.0.10:48794 -> 100.0.0.4:48794 [NEW]',
    ]);
    const back = forward(
      nf,
      tcpPacket({ src: '100.0.0.2', dst: '100.0.0.4', sport: 80, dport: 48794, flags: TCP_SYN | TCP_ACK, seq: 1, ack: 1001, options: LINUX_SYN_OPTIONS }),
      'eth1',
      'eth0',
    );
    expect(back.notes).toEqual([
      'ws_round-robin conntrack ESTABLISHED reply: 100.0.0.4:48794 -> 10.0.0.10:48794 (de-MASQUERADE)',
      'ws_round-robin conntrack ESTABLISHED reply: 100.0.0.2:80 -> 10.0.0.1:80 (de-DNAT)',
    ]);
  });

  it('runs the nat rules again for each retransmission of a SYN dropped before confirmation', () => {
    const { nf } = makeSwitch('ws_round-robin', '10.0.0.1', '100.0.0.4');
    roundRobinRules(nf);
    expect(nf.exec(['iptables', '-P', 'FORWARD', 'DROP']).exitCode).toBe(0);
    for (let i = 0; i < 3; i++) {
      expect(forward(nf, syn('10.0.0.10', 40000, '10.0.0.1'), 'eth0', 'eth1').verdict.kind).toBe('DROP');
    }
    expect(counters(nf, 'PREROUTING')).toEqual([
      [1, 60],
      [1, 60],
      [1, 60],
    ]);
    expect(nf.conntrack.size).toBe(0);
  });
});

describe('a packet copied between hooks', () => {
  it('keeps its conntrack entry (the stack copies a frame it does not own before FORWARD)', () => {
    const { nf } = makeSwitch('ws_round-robin', '10.0.0.1', '100.0.0.4');
    roundRobinRules(nf);
    const notes: string[] = [];
    const ctx = newContext();
    const first = syn('10.0.0.10', 40000, '10.0.0.1');
    expect(nf.hook('PREROUTING', first, 'eth0', null, notes, ctx).kind).toBe('ACCEPT');
    const copy = first.slice();
    expect(nf.hook('FORWARD', copy, 'eth0', 'eth1', notes, ctx).kind).toBe('ACCEPT');
    expect(nf.hook('POSTROUTING', copy, null, 'eth1', notes, ctx).kind).toBe('ACCEPT');
    expect([srcOf(copy), dstOf(copy)]).toEqual(['100.0.0.4', '100.0.0.1']);
    expect(nf.conntrack.size).toBe(1);
  });

  it('never takes another packet\'s entry, even one with the same IP ID, protocol and length at the same instant', () => {
    const { nf } = makeSwitch('ws_round-robin', '10.0.0.1', '100.0.0.4');
    roundRobinRules(nf);
    // Two first packets, alike in everything NAT leaves alone, interleaved between their hooks.
    const a = syn('10.0.0.10', 40000, '10.0.0.1');
    const b = syn('10.0.0.11', 40001, '10.0.0.1');
    const ca = newContext();
    const cb = newContext();
    expect(nf.hook('PREROUTING', a, 'eth0', null, [], ca).kind).toBe('ACCEPT');
    expect(nf.hook('PREROUTING', b, 'eth0', null, [], cb).kind).toBe('ACCEPT');
    expect([dstOf(a), dstOf(b)]).toEqual(['100.0.0.1', '100.0.0.2']);
    const copyA = a.slice();
    const copyB = b.slice();
    for (const [p, c] of [
      [copyA, ca],
      [copyB, cb],
    ] as const) {
      expect(nf.hook('FORWARD', p, 'eth0', 'eth1', [], c).kind).toBe('ACCEPT');
      expect(nf.hook('POSTROUTING', p, null, 'eth1', [], c).kind).toBe('ACCEPT');
    }
    expect(nf.conntrack.size).toBe(2);
    // Each server's SYN-ACK goes back to the client that asked it.
    for (const [p, client] of [
      [copyA, '10.0.0.10'],
      [copyB, '10.0.0.11'],
    ] as const) {
      const reply = forward(nf, tcpPacket({ src: dstOf(p), dst: srcOf(p), sport: 80, dport: sportOf(p), flags: TCP_SYN | TCP_ACK, seq: 1, ack: 1001 }), 'eth1', 'eth0');
      expect([srcOf(reply.pkt), dstOf(reply.pkt)]).toEqual(['10.0.0.1', client]);
    }
  });
});

describe('ws_random', () => {
  it('splits 100,000 first packets within 4 sigma of 0.330/0.335/0.335', () => {
    const { nf } = makeSwitch('ws_random', '10.0.0.2', '100.0.0.5', 20111026);
    randomRules(nf);
    const n = 100_000;
    const hits = new Map<string, number>();
    const notes: string[] = [];
    for (let i = 0; i < n; i++) {
      // A different client address/port each time: every SYN is a new connection. Only the nat
      // table (PREROUTING) sees it, as the issue asks.
      const src = (ip('10.0.0.0') | (1 + (i % 250))) >>> 0;
      const pkt = syn(src, 1024 + Math.floor(i / 250), '10.0.0.2');
      nf.hook('PREROUTING', pkt, 'eth0', null, notes, newContext());
      const d = dstOf(pkt);
      hits.set(d, (hits.get(d) ?? 0) + 1);
      notes.length = 0;
    }
    const expected: [string, number][] = [
      ['100.0.0.1', 0.330000000075],
      ['100.0.0.2', 0.334999999963],
      ['100.0.0.3', 0.334999999963],
    ];
    for (const [server, p] of expected) {
      const sigma = Math.sqrt((p * (1 - p)) / n);
      const got = (hits.get(server) ?? 0) / n;
      expect(Math.abs(got - p), `${server}: ${got} vs ${p}`).toBeLessThan(4 * sigma);
    }
    expect([...hits.keys()].sort()).toEqual(['100.0.0.1', '100.0.0.2', '100.0.0.3']);
  });
});

describe('ws_ip', () => {
  it('sends 10.0.0.10 to server1 and 10.0.0.11 to server2, and leaves other sources alone', () => {
    const { nf } = makeSwitch('ws_ip', '10.0.0.3', '100.0.0.6');
    sourceIpRules(nf);
    for (let i = 0; i < 3; i++) {
      expect(connection(nf, '10.0.0.10', 41000 + i * 2, '10.0.0.3').server).toBe('100.0.0.1');
      expect(connection(nf, '10.0.0.11', 42000 + i * 2, '10.0.0.3').server).toBe('100.0.0.2');
    }
    const other = forward(nf, syn('10.0.0.12', 43000, '10.0.0.3'), 'eth0', 'eth1');
    expect(dstOf(other.pkt)).toBe('10.0.0.3');
    expect(counters(nf, 'PREROUTING')).toEqual([
      [3, 180],
      [3, 180],
    ]);
  });
});

describe('MASQUERADE', () => {
  it("keeps the client's port, and picks another of the same class when two connections would clash", () => {
    const { nf } = makeSwitch('ws_ip', '10.0.0.3', '100.0.0.6');
    sourceIpRules(nf);
    // Both clients to server1 through a rule of their own, from the same port.
    nf.iptables.nft.tables.get('nat')!.chains.get('PREROUTING')!.rules[1]!.target = {
      kind: 'DNAT',
      range: { mapIps: true, minIp: ip('100.0.0.1'), maxIp: ip('100.0.0.1'), protoSpecified: false, minPort: 0, maxPort: 0 },
      random: false,
      persistent: false,
    };
    const a = forward(nf, syn('10.0.0.10', 50000, '10.0.0.3'), 'eth0', 'eth1');
    expect(sportOf(a.pkt)).toBe(50000);
    const b = forward(nf, syn('10.0.0.11', 50000, '10.0.0.3'), 'eth0', 'eth1');
    expect(dstOf(b.pkt)).toBe('100.0.0.1');
    expect(sportOf(b.pkt)).not.toBe(50000);
    expect(sportOf(b.pkt)).toBeGreaterThanOrEqual(1024);
    // The reply to the second connection finds its way back to 10.0.0.11:50000.
    const r = forward(
      nf,
      tcpPacket({ src: '100.0.0.1', dst: '100.0.0.6', sport: 80, dport: sportOf(b.pkt), flags: TCP_SYN | TCP_ACK, seq: 1, ack: 1001 }),
      'eth1',
      'eth0',
    );
    expect([srcOf(r.pkt), dstOf(r.pkt), sportOf(r.pkt), dportOf(r.pkt)]).toEqual(['10.0.0.3', '10.0.0.11', 80, 50000]);
    // A low port keeps its class (1-511).
    const c = forward(nf, syn('10.0.0.11', 80, '10.0.0.3'), 'eth0', 'eth1');
    const d = forward(nf, syn('10.0.0.10', 80, '10.0.0.3'), 'eth0', 'eth1');
    expect(sportOf(c.pkt)).toBe(80);
    expect(sportOf(d.pkt)).toBeGreaterThanOrEqual(1);
    expect(sportOf(d.pkt)).toBeLessThanOrEqual(511);
    expect(sportOf(d.pkt)).not.toBe(80);
  });

  it('counts a TIME_WAIT entry as taken until it expires', () => {
    const { nf, clock } = makeSwitch('ws_ip', '10.0.0.3', '100.0.0.6');
    sourceIpRules(nf);
    nf.iptables.nft.tables.get('nat')!.chains.get('PREROUTING')!.rules[1]!.target = nf.iptables.nft.tables.get('nat')!.chains.get('PREROUTING')!.rules[0]!.target;
    connection(nf, '10.0.0.10', 50000, '10.0.0.3');
    expect(nf.conntrack.entries()[0]!.tcpStateName()).toBe('TIME_WAIT');
    clock.advance(119 * 1_000_000_000);
    const b = forward(nf, syn('10.0.0.11', 50000, '10.0.0.3'), 'eth0', 'eth1');
    expect(sportOf(b.pkt)).not.toBe(50000);
    clock.advance(2 * 1_000_000_000);
    // 121 s after the close the TIME_WAIT entry is gone: the port is free towards server1 again.
    const c = forward(nf, syn('10.0.0.10', 50000, '10.0.0.3'), 'eth0', 'eth1');
    expect([dstOf(c.pkt), sportOf(c.pkt)]).toEqual(['100.0.0.1', 50000]);
  });
});
