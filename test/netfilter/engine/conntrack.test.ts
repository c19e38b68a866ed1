// Conntrack through the hooks: TCP states and timers as the measured listings of FORMATS.md §4
// show them, UDP and ICMP entries, expiry on the virtual clock, and `conntrack -L/-C/-F` text.

import { describe, expect, it } from 'vitest';
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN } from '../../../src/wire/index.ts';
import type { Netfilter } from '../../../src/netfilter/index.ts';
import {
  SEC,
  append,
  forward,
  icmpPacket,
  makeSwitch,
  masquerade,
  roundRobinRules,
  rule,
  syn,
  tcpPacket,
  udpPacket,
  dnat,
  type Switch,
} from './helpers.ts';

/** The FORMATS.md §4.1 router: eth0 10.0.1.1 (clients), eth1 10.0.2.1 (servers), MASQUERADE out eth1. */
function fmtRouter(): Switch {
  const sw = makeSwitch('fmt-rtr', '10.0.1.1', '10.0.2.1');
  const m = rule({ target: masquerade });
  m.outIface = { name: 'eth1', invert: false };
  append(sw.nf, 'nat', 'POSTROUTING', m);
  return sw;
}

const up = (nf: Netfilter, flags: number, seq: number, ack: number, payload?: Uint8Array, sport = 35722, dport = 9102) =>
  forward(nf, tcpPacket({ src: '10.0.1.2', dst: '10.0.2.2', sport, dport, flags, seq, ack, ...(payload ? { payload } : {}) }), 'eth0', 'eth1');
const down = (nf: Netfilter, flags: number, seq: number, ack: number, payload?: Uint8Array, dport = 35722, sport = 9102) =>
  forward(nf, tcpPacket({ src: '10.0.2.2', dst: '10.0.2.1', sport, dport, flags, seq, ack, ...(payload ? { payload } : {}) }), 'eth1', 'eth0');

function list(nf: Netfilter): string {
  const r = nf.exec(['conntrack', '-L']);
  expect(r.exitCode).toBe(0);
  return r.stdout;
}

const LINE = (state: string, secs: number, flags: string) =>
  `tcp      6 ${secs} ${state} src=10.0.1.2 dst=10.0.2.2 sport=35722 dport=9102 ${flags.startsWith('[UNREPLIED]') ? '[UNREPLIED] ' : ''}src=10.0.2.2 dst=10.0.2.1 sport=9102 dport=35722 ${flags.endsWith('[ASSURED]') ? '[ASSURED] ' : ''}mark=0 use=1\n`;

describe('TCP states and the listing', () => {
  it('walks SYN_SENT, SYN_RECV, ESTABLISHED, FIN_WAIT, CLOSE_WAIT, LAST_ACK, TIME_WAIT with the measured timers', () => {
    const { nf, clock } = fmtRouter();
    up(nf, TCP_SYN, 100, 0);
    expect(list(nf)).toBe(LINE('SYN_SENT', 119, '[UNREPLIED]'));
    expect(nf.exec(['conntrack', '-L']).stderr).toBe('conntrack v1.4.7 (conntrack-tools): 1 flow entries have been shown.\n');
    clock.advance(SEC / 100);
    down(nf, TCP_SYN | TCP_ACK, 500, 101);
    expect(list(nf)).toBe(LINE('SYN_RECV', 59, ''));
    up(nf, TCP_ACK, 101, 501);
    expect(list(nf)).toBe(LINE('ESTABLISHED', 431999, '[ASSURED]'));
    up(nf, TCP_PSH | TCP_ACK, 101, 501, new Uint8Array(10));
    down(nf, TCP_ACK, 501, 111);
    expect(list(nf)).toBe(LINE('ESTABLISHED', 431999, '[ASSURED]'));
    up(nf, TCP_FIN | TCP_ACK, 111, 501);
    expect(list(nf)).toBe(LINE('FIN_WAIT', 119, '[ASSURED]'));
    down(nf, TCP_ACK, 501, 112);
    expect(list(nf)).toBe(LINE('CLOSE_WAIT', 59, '[ASSURED]'));
    down(nf, TCP_FIN | TCP_ACK, 501, 112);
    expect(list(nf)).toBe(LINE('LAST_ACK', 29, '[ASSURED]'));
    up(nf, TCP_ACK, 112, 502);
    expect(list(nf)).toBe(LINE('TIME_WAIT', 119, '[ASSURED]'));
    clock.advance(37 * SEC);
    expect(list(nf)).toBe(LINE('TIME_WAIT', 82, '[ASSURED]'));
    clock.advance(83 * SEC);
    expect(list(nf)).toBe('');
    expect(nf.exec(['conntrack', '-L']).stderr).toBe('conntrack v1.4.7 (conntrack-tools): 0 flow entries have been shown.\n');
  });

  it('moves FIN_WAIT to LAST_ACK on a retransmitted FIN', () => {
    const { nf } = fmtRouter();
    up(nf, TCP_SYN, 100, 0);
    down(nf, TCP_SYN | TCP_ACK, 500, 101);
    up(nf, TCP_ACK, 101, 501);
    up(nf, TCP_FIN | TCP_ACK, 101, 501);
    expect(list(nf)).toBe(LINE('FIN_WAIT', 119, '[ASSURED]'));
    up(nf, TCP_FIN | TCP_ACK, 101, 501);
    expect(list(nf)).toBe(LINE('LAST_ACK', 29, '[ASSURED]'));
  });

  it('goes to CLOSE (10 s) on a RST of an established connection', () => {
    const { nf, clock } = fmtRouter();
    up(nf, TCP_SYN, 100, 0);
    down(nf, TCP_SYN | TCP_ACK, 500, 101);
    up(nf, TCP_ACK, 101, 501);
    up(nf, TCP_RST | TCP_ACK, 101, 501);
    expect(list(nf)).toBe(LINE('CLOSE', 9, '[ASSURED]'));
    clock.advance(10 * SEC);
    expect(nf.conntrack.size).toBe(0);
  });

  it('leaves no entry for a SYN answered by RST (connection refused)', () => {
    const { nf } = fmtRouter();
    up(nf, TCP_SYN, 100, 0);
    const rst = down(nf, TCP_RST | TCP_ACK, 0, 101);
    // The RST itself is still translated back to the client.
    expect([...rst.pkt.subarray(16, 20)]).toEqual([10, 0, 1, 2]);
    expect(nf.exec(['conntrack', '-L']).stderr).toBe('conntrack v1.4.7 (conntrack-tools): 0 flow entries have been shown.\n');
  });

  it('keeps the SYN_SENT timer when the SYN is retransmitted, and expires the entry after 120 s', () => {
    const { nf, clock } = fmtRouter();
    up(nf, TCP_SYN, 100, 0);
    clock.advance(3 * SEC);
    up(nf, TCP_SYN, 100, 0);
    expect(list(nf)).toBe(LINE('SYN_SENT', 116, '[UNREPLIED]'));
    clock.advance(117 * SEC);
    expect(nf.exec(['conntrack', '-C']).stdout).toBe('0\n');
  });

  it('treats a segment with a bad TCP checksum as INVALID: no entry, no NAT', () => {
    const { nf } = fmtRouter();
    const p = tcpPacket({ src: '10.0.1.2', dst: '10.0.2.2', sport: 1, dport: 2, flags: TCP_SYN });
    p[36] = p[36]! ^ 0xff;
    const t = forward(nf, p, 'eth0', 'eth1');
    expect([...t.pkt.subarray(12, 16)]).toEqual([10, 0, 1, 2]);
    expect(nf.conntrack.size).toBe(0);
  });

  it('counts a SYN+FIN segment as INVALID', () => {
    const { nf } = fmtRouter();
    forward(nf, tcpPacket({ src: '10.0.1.2', dst: '10.0.2.2', sport: 1, dport: 2, flags: TCP_SYN | TCP_FIN }), 'eth0', 'eth1');
    expect(nf.conntrack.size).toBe(0);
  });

  it('deletes a TIME_WAIT entry and starts anew when the client reuses its port (RFC 1122 reopen)', () => {
    const { nf } = makeSwitch('ws_round-robin', '10.0.0.1', '100.0.0.4');
    roundRobinRules(nf);
    const c = '10.0.0.10';
    const vip = '10.0.0.1';
    const a = forward(nf, syn(c, 40000, vip), 'eth0', 'eth1');
    const srv = [...a.pkt.subarray(16, 20)].join('.');
    const d = (flags: number, seq: number, ack: number) =>
      forward(nf, tcpPacket({ src: srv, dst: '100.0.0.4', sport: 80, dport: 40000, flags, seq, ack }), 'eth1', 'eth0');
    const u = (flags: number, seq: number, ack: number) =>
      forward(nf, tcpPacket({ src: c, dst: vip, sport: 40000, dport: 80, flags, seq, ack }), 'eth0', 'eth1');
    d(TCP_SYN | TCP_ACK, 1, 1001);
    u(TCP_ACK, 1001, 2);
    u(TCP_FIN | TCP_ACK, 1001, 2);
    d(TCP_FIN | TCP_ACK, 2, 1002);
    u(TCP_ACK, 1002, 3);
    expect(nf.conntrack.entries()[0]!.tcpStateName()).toBe('TIME_WAIT');
    const again = forward(nf, syn(c, 40000, vip, 80, 7000), 'eth0', 'eth1');
    // A new connection: the nat rules ran again (rule 2 this time) and the entry is SYN_SENT.
    expect([...again.pkt.subarray(16, 20)].join('.')).toBe('100.0.0.2');
    const e = nf.conntrack.entries();
    expect(e.length).toBe(1);
    expect(e[0]!.tcpStateName()).toBe('SYN_SENT');
  });
});

describe('UDP and ICMP entries', () => {
  it('lists a DNAT-only UDP flow with 30 s, then 120 s [ASSURED] once it is a stream', () => {
    const { nf, clock } = makeSwitch('fmt-rtr', '10.0.1.1', '10.0.2.1');
    const d = rule({ target: dnat('10.0.2.2') });
    d.protocol = { num: 17, invert: false };
    d.matches = [{ kind: 'udp', sport: null, sportInvert: false, dport: { min: 53, max: 53 }, dportInvert: false, tcpFlags: null }];
    const dnatPort = d.target as { kind: 'DNAT'; range: { protoSpecified: boolean; minPort: number; maxPort: number } };
    dnatPort.range.protoSpecified = true;
    dnatPort.range.minPort = 5353;
    dnatPort.range.maxPort = 5353;
    append(nf, 'nat', 'PREROUTING', d);
    const q = forward(nf, udpPacket('10.0.1.2', 34953, '10.0.1.1', 53, new TextEncoder().encode('q1\n')), 'eth0', 'eth1');
    expect([...q.pkt.subarray(16, 20)]).toEqual([10, 0, 2, 2]);
    forward(nf, udpPacket('10.0.2.2', 5353, '10.0.1.2', 34953, new TextEncoder().encode('q1\n')), 'eth1', 'eth0');
    expect(nf.exec(['conntrack', '-L']).stdout).toBe(
      'udp      17 29 src=10.0.1.2 dst=10.0.1.1 sport=34953 dport=53 src=10.0.2.2 dst=10.0.1.2 sport=5353 dport=34953 mark=0 use=1\n',
    );
    clock.advance(2.7 * SEC);
    forward(nf, udpPacket('10.0.1.2', 34953, '10.0.1.1', 53, new TextEncoder().encode('q2\n')), 'eth0', 'eth1');
    forward(nf, udpPacket('10.0.2.2', 5353, '10.0.1.2', 34953, new TextEncoder().encode('q2\n')), 'eth1', 'eth0');
    expect(nf.exec(['conntrack', '-L']).stdout).toBe(
      'udp      17 119 src=10.0.1.2 dst=10.0.1.1 sport=34953 dport=53 src=10.0.2.2 dst=10.0.1.2 sport=5353 dport=34953 [ASSURED] mark=0 use=1\n',
    );
  });

  it('lists an unanswered UDP flow as [UNREPLIED] and an answered ping without it', () => {
    const { nf } = fmtRouter();
    forward(nf, udpPacket('10.0.1.2', 53946, '10.0.2.2', 5354, new Uint8Array(3)), 'eth0', 'eth1');
    forward(nf, icmpPacket('10.0.1.2', '10.0.2.2', { kind: 'echoRequest', ident: 12689, seq: 1, data: new Uint8Array(56) }), 'eth0', 'eth1');
    const reply = forward(nf, icmpPacket('10.0.2.2', '10.0.2.1', { kind: 'echoReply', ident: 12689, seq: 1, data: new Uint8Array(56) }), 'eth1', 'eth0');
    expect([...reply.pkt.subarray(16, 20)]).toEqual([10, 0, 1, 2]);
    const lines = nf.exec(['conntrack', '-L']).stdout.split('\n').filter(Boolean).sort();
    expect(lines).toEqual([
      'icmp     1 29 src=10.0.1.2 dst=10.0.2.2 type=8 code=0 id=12689 src=10.0.2.2 dst=10.0.2.1 type=0 code=0 id=12689 mark=0 use=1',
      'udp      17 29 src=10.0.1.2 dst=10.0.2.2 sport=53946 dport=5354 [UNREPLIED] src=10.0.2.2 dst=10.0.2.1 sport=5354 dport=53946 mark=0 use=1',
    ]);
  });
});

describe('the conntrack command', () => {
  it('filters, counts, flushes, and reports errors like conntrack-tools', () => {
    const { nf } = fmtRouter();
    up(nf, TCP_SYN, 100, 0);
    forward(nf, udpPacket('10.0.1.2', 53946, '10.0.2.2', 5354, new Uint8Array(3)), 'eth0', 'eth1');
    expect(nf.exec(['conntrack', '-C'])).toEqual({ stdout: '2\n', stderr: '', exitCode: 0 });
    const p = nf.exec(['conntrack', '-L', '-p', 'udp']);
    expect(p.stdout.startsWith('udp      17 29 ')).toBe(true);
    expect(p.stderr).toBe('conntrack v1.4.7 (conntrack-tools): 1 flow entries have been shown.\n');
    const s = nf.exec(['conntrack', '-L', '-p', 'tcp', '--state', 'SYN_SENT']);
    expect(s.stdout.split('\n').filter(Boolean).length).toBe(1);
    const x = nf.exec(['conntrack', '-L', '-o', 'extended', '-p', 'tcp']);
    expect(x.stdout.startsWith('ipv4     2 tcp      6 119 SYN_SENT ')).toBe(true);
    expect(nf.exec(['conntrack', '-L', '--src-nat']).stdout.split('\n').filter(Boolean).length).toBe(2);
    expect(nf.exec(['conntrack', '-L', '--dst-nat']).stdout).toBe('');
    expect(nf.exec(['conntrack', '-F'])).toEqual({
      stdout: '',
      stderr: 'conntrack v1.4.7 (conntrack-tools): connection tracking table has been emptied.\n',
      exitCode: 0,
    });
    expect(nf.exec(['conntrack', '-C']).stdout).toBe('0\n');
    const bad = nf.exec(['conntrack', '-L', '--bogus']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('--bogus');
    expect(bad.stderr.endsWith("Try `conntrack -h' or 'conntrack --help' for more information.\n")).toBe(true);
  });

  function nineConnections(seed: number): { nf: Netfilter; ports: number[]; expectedServer: string[] } {
    const { nf, clock } = makeSwitch('ws_round-robin', '10.0.0.1', '100.0.0.4', seed);
    roundRobinRules(nf);
    const ports = [44656, 44662, 44670, 44684, 44698, 44706, 44718, 44726, 44728];
    const expectedServer = ['100.0.0.1', '100.0.0.2', '100.0.0.3'];
    ports.forEach((port, i) => {
      const a = forward(nf, syn('10.0.0.10', port, '10.0.0.1'), 'eth0', 'eth1');
      const srv = expectedServer[i % 3]!;
      expect([...a.pkt.subarray(16, 20)].join('.')).toBe(srv);
      const d = (flags: number, seq: number, ack: number) =>
        forward(nf, tcpPacket({ src: srv, dst: '100.0.0.4', sport: 80, dport: port, flags, seq, ack }), 'eth1', 'eth0');
      const u = (flags: number, seq: number, ack: number) =>
        forward(nf, tcpPacket({ src: '10.0.0.10', dst: '10.0.0.1', sport: port, dport: 80, flags, seq, ack }), 'eth0', 'eth1');
      d(TCP_SYN | TCP_ACK, 1, 1001);
      u(TCP_ACK, 1001, 2);
      u(TCP_FIN | TCP_ACK, 1001, 2);
      d(TCP_FIN | TCP_ACK, 2, 1002);
      u(TCP_ACK, 1002, 3);
      clock.advance(SEC / 100);
    });
    clock.advance(7 * SEC);
    return { nf, ports, expectedServer };
  }

  it('prints the lab listing of ws_round-robin after 9 connections (hash order, TIME_WAIT)', () => {
    const { nf, ports, expectedServer } = nineConnections(1);
    const r = nf.exec(['conntrack', '-L']);
    const lines = r.stdout.split('\n').filter(Boolean);
    const expected = ports.map(
      (port, i) =>
        `tcp      6 112 TIME_WAIT src=10.0.0.10 dst=10.0.0.1 sport=${port} dport=80 src=${expectedServer[i % 3]} dst=100.0.0.4 sport=80 dport=${port} [ASSURED] mark=0 use=1`,
    );
    // Same lines as the reference's e1/conntrack/ws_round-robin.txt; their order is the hash's.
    expect([...lines].sort()).toEqual([...expected].sort());
    expect(lines).not.toEqual(expected);
    expect(r.stderr).toBe('conntrack v1.4.7 (conntrack-tools): 9 flow entries have been shown.\n');
    // Deterministic: the same seed gives the same order; another seed, another order.
    expect(nineConnections(1).nf.exec(['conntrack', '-L']).stdout).toBe(r.stdout);
    expect(nineConnections(2).nf.exec(['conntrack', '-L']).stdout).not.toBe(r.stdout);
  });
});
