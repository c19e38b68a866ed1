// ipt_do_table semantics through Netfilter.hook: user chains (jump, goto, RETURN, falling off),
// REJECT verdicts, LOG lines, the locally generated path (OUTPUT DNAT, REDIRECT), address ranges,
// and conntrack staying off until a rule needs it.

import { describe, expect, it } from 'vitest';
import { TCP_ACK, TCP_SYN, readIpv4, readU16, ipv4ToString } from '../../../src/wire/index.ts';
import type { Netfilter } from '../../../src/netfilter/index.ts';
import { forward, icmpPacket, makeSwitch, newContext, syn, tcpPacket, udpPacket } from './helpers.ts';

function run(nf: Netfilter, line: string): void {
  const r = nf.exec(line.split(' '));
  expect(r.exitCode, `${line}\n${r.stderr}`).toBe(0);
}

function pkts(nf: Netfilter, table: 'filter' | 'nat', chain: string): number[] {
  return nf.iptables.nft.tables.get(table)!.chains.get(chain)!.rules.map((r) => r.counters.pkts);
}

const dstOf = (p: Uint8Array) => ipv4ToString(readIpv4(p, 16));

describe('chains', () => {
  it('jumps to a user chain, comes back on RETURN or at its end, and does not come back from a goto', () => {
    const { nf } = makeSwitch('fw', '10.0.1.1', '10.0.2.1');
    run(nf, 'iptables -N web');
    run(nf, 'iptables -N ssh');
    run(nf, 'iptables -A FORWARD -p tcp --dport 80 -j web');
    run(nf, 'iptables -A FORWARD -p tcp --dport 22 -g ssh');
    run(nf, 'iptables -A FORWARD -p tcp -j ACCEPT');
    run(nf, 'iptables -A FORWARD -j DROP');
    run(nf, 'iptables -A web -s 10.0.1.66 -j RETURN');
    run(nf, 'iptables -A web -s 10.0.1.2 -j ACCEPT');
    run(nf, 'iptables -A ssh -s 10.0.1.2 -j RETURN');
    expect(forward(nf, syn('10.0.1.2', 1000, '10.0.2.2', 80), 'eth0', 'eth1').verdict.kind).toBe('ACCEPT');
    // RETURN from web: back to FORWARD rule 3 (ACCEPT for tcp).
    expect(forward(nf, syn('10.0.1.66', 1000, '10.0.2.2', 80), 'eth0', 'eth1').verdict.kind).toBe('ACCEPT');
    // Falls off web: back to FORWARD, rule 3.
    expect(forward(nf, syn('10.0.1.77', 1000, '10.0.2.2', 80), 'eth0', 'eth1').verdict.kind).toBe('ACCEPT');
    // RETURN from a chain reached by goto: FORWARD's policy (ACCEPT), not rule 3.
    expect(forward(nf, syn('10.0.1.2', 1000, '10.0.2.2', 22), 'eth0', 'eth1').verdict.kind).toBe('ACCEPT');
    expect(pkts(nf, 'filter', 'FORWARD')).toEqual([3, 1, 2, 0]);
    expect(pkts(nf, 'filter', 'web')).toEqual([1, 1]);
    expect(pkts(nf, 'filter', 'ssh')).toEqual([1]);
    // UDP hits the final DROP.
    expect(forward(nf, udpPacket('10.0.1.2', 5, '10.0.2.2', 53, new Uint8Array(1)), 'eth0', 'eth1').verdict.kind).toBe('DROP');
  });

  it('returns REJECT verdicts with the ICMP type/code or a TCP reset', () => {
    const { nf } = makeSwitch('fw', '10.0.1.1', '10.0.2.1');
    run(nf, 'iptables -A FORWARD -p tcp --dport 23 -j REJECT --reject-with tcp-reset');
    run(nf, 'iptables -A FORWARD -p tcp --dport 25 -j REJECT');
    run(nf, 'iptables -A FORWARD -p udp -j REJECT --reject-with icmp-host-prohibited');
    expect(forward(nf, syn('10.0.1.2', 1, '10.0.2.2', 23), 'eth0', 'eth1').verdict).toEqual({ kind: 'REJECT_TCP_RST' });
    expect(forward(nf, syn('10.0.1.2', 1, '10.0.2.2', 25), 'eth0', 'eth1').verdict).toEqual({ kind: 'REJECT', icmpType: 3, icmpCode: 3 });
    expect(forward(nf, udpPacket('10.0.1.2', 1, '10.0.2.2', 9, new Uint8Array(1)), 'eth0', 'eth1').verdict).toEqual({
      kind: 'REJECT',
      icmpType: 3,
      icmpCode: 10,
    });
  });

  it('writes a LOG line into the packet notes and goes on with the next rule', () => {
    const { nf } = makeSwitch('fw', '10.0.1.1', '10.0.2.1');
    run(nf, 'iptables -A FORWARD -p tcp -j LOG --log-prefix fwd:');
    const t = forward(nf, syn('10.0.1.2', 40000, '10.0.2.2', 80), 'eth0', 'eth1');
    expect(t.verdict.kind).toBe('ACCEPT');
    expect(t.notes).toEqual([
      'fw FORWARD LOG fwd:IN=eth0 OUT=eth1 SRC=10.0.1.2 DST=10.0.2.2 LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID=15915 DF PROTO=TCP SPT=40000 DPT=80 WINDOW=64240 RES=0x00 SYN URGP=0',
    ]);
  });
});

describe('locally generated and locally delivered packets', () => {
  it('DNATs in nat OUTPUT and translates the reply back before INPUT', () => {
    const { nf } = makeSwitch('host', '10.0.1.1', '10.0.2.1');
    run(nf, 'iptables -t nat -A OUTPUT -d 192.0.2.1 -p tcp --dport 80 -j DNAT --to-destination 10.0.2.2:8080');
    const notes: string[] = [];
    const out = syn('10.0.2.1', 40000, '192.0.2.1', 80);
    const ctx = newContext();
    expect(nf.hook('OUTPUT', out, null, 'eth1', notes, ctx).kind).toBe('ACCEPT');
    expect(nf.hook('POSTROUTING', out, null, 'eth1', notes, ctx).kind).toBe('ACCEPT');
    expect([dstOf(out), readU16(out, 22)]).toEqual(['10.0.2.2', 8080]);
    expect(notes).toEqual(['host OUTPUT rule 1 (tcp dpt:80) DNAT 192.0.2.1:80 -> 10.0.2.2:8080 [NEW]']);
    const fixed = tcpPacket({ src: '10.0.2.2', dst: '10.0.2.1', sport: 8080, dport: 40000, flags: TCP_SYN | TCP_ACK, seq: 1, ack: 1001 });
    const n2: string[] = [];
    const c2 = newContext();
    expect(nf.hook('PREROUTING', fixed, 'eth1', null, n2, c2).kind).toBe('ACCEPT');
    expect(nf.hook('INPUT', fixed, 'eth1', null, n2, c2).kind).toBe('ACCEPT');
    expect([ipv4ToString(readIpv4(fixed, 12)), readU16(fixed, 20)]).toEqual(['192.0.2.1', 80]);
    expect(n2).toEqual(['host conntrack ESTABLISHED reply: 10.0.2.2:8080 -> 192.0.2.1:80 (de-DNAT)']);
  });

  it('REDIRECTs to the primary address of the interface a packet came in on', () => {
    const { nf } = makeSwitch('proxy', '10.0.1.1', '10.0.2.1');
    run(nf, 'iptables -t nat -A PREROUTING -i eth0 -p tcp --dport 80 -j REDIRECT --to-ports 3128');
    const p = syn('10.0.1.2', 40000, '93.184.216.34', 80);
    const notes: string[] = [];
    const ctx = newContext();
    nf.hook('PREROUTING', p, 'eth0', null, notes, ctx);
    nf.hook('INPUT', p, 'eth0', null, notes, ctx);
    expect([dstOf(p), readU16(p, 22)]).toEqual(['10.0.1.1', 3128]);
    expect(notes[0]).toBe('proxy PREROUTING rule 1 (tcp dpt:80) REDIRECT 93.184.216.34:80 -> 10.0.1.1:3128 [NEW]');
  });
});

describe('NAT comments', () => {
  it('give the rule\'s matches exactly as `iptables -L -n` lists them', () => {
    const { nf } = makeSwitch('gw', '10.0.1.1', '10.0.2.1');
    run(nf, 'iptables -t nat -A PREROUTING -p icmp --icmp-type 8 -m conntrack --ctstate NEW -j DNAT --to-destination 10.0.2.2');
    const t = forward(nf, icmpPacket('10.0.1.2', '10.0.1.1', { kind: 'echoRequest', ident: 7, seq: 1, data: new Uint8Array(4) }), 'eth0', 'eth1');
    expect(t.verdict.kind).toBe('ACCEPT');
    const listed = nf.exec(['iptables', '-t', 'nat', '-L', 'PREROUTING', '-n']).stdout.split('\n')[2]!;
    expect(listed).toMatch(/icmptype 8 ctstate NEW to:10.0.2.2$/);
    expect(t.notes).toEqual(['gw PREROUTING rule 1 (icmptype 8 ctstate NEW) DNAT 10.0.1.1 -> 10.0.2.2 [NEW]']);
  });
});

describe('DNAT to an address range', () => {
  it('spreads clients over the range with the kernel hash and keeps each client on one address', () => {
    const { nf } = makeSwitch('lb', '10.0.0.1', '100.0.0.4');
    run(nf, 'iptables -t nat -A PREROUTING -d 10.0.0.1 -j DNAT --to-destination 100.0.0.1-100.0.0.3');
    const seen = new Map<string, string>();
    for (let c = 2; c < 200; c++) {
      for (const port of [1000, 2000]) {
        const t = forward(nf, syn(`10.0.${c >> 8}.${c & 0xff}`, port, '10.0.0.1'), 'eth0', 'eth1');
        const d = dstOf(t.pkt);
        const key = `client ${c}`;
        if (seen.has(key)) expect(d, key).toBe(seen.get(key));
        seen.set(key, d);
      }
    }
    const counts = new Map<string, number>();
    for (const d of seen.values()) counts.set(d, (counts.get(d) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual(['100.0.0.1', '100.0.0.2', '100.0.0.3']);
    for (const n of counts.values()) expect(n).toBeGreaterThan(30);
  });
});

describe('conntrack activation', () => {
  it('stays off with only stateless filter rules, and turns on with the first nat rule', () => {
    const { nf } = makeSwitch('fw', '10.0.1.1', '10.0.2.1');
    run(nf, 'iptables -A FORWARD -p tcp -j ACCEPT');
    forward(nf, syn('10.0.1.2', 1, '10.0.2.2'), 'eth0', 'eth1');
    expect(nf.tracking).toBe(false);
    expect(nf.exec(['conntrack', '-C']).stdout).toBe('0\n');
    run(nf, 'iptables -t nat -A POSTROUTING -o eth1 -j MASQUERADE');
    expect(nf.tracking).toBe(true);
    forward(nf, syn('10.0.1.2', 2, '10.0.2.2'), 'eth0', 'eth1');
    expect(nf.exec(['conntrack', '-C']).stdout).toBe('1\n');
  });
});

describe('SNAT to a port range', () => {
  it('maps into the range, never reuses a taken port, and drops when the range is full', () => {
    const { nf } = makeSwitch('nat', '10.0.1.1', '10.0.2.1');
    run(nf, 'iptables -t nat -A POSTROUTING -o eth1 -p tcp -j SNAT --to-source 10.0.2.1:2000-2001');
    const ports: number[] = [];
    for (let i = 0; i < 2; i++) {
      const t = forward(nf, syn('10.0.1.2', 40000 + i, '10.0.2.2'), 'eth0', 'eth1');
      expect(t.verdict.kind).toBe('ACCEPT');
      expect(ipv4ToString(readIpv4(t.pkt, 12))).toBe('10.0.2.1');
      ports.push(readU16(t.pkt, 20));
    }
    expect(ports.sort()).toEqual([2000, 2001]);
    expect(forward(nf, syn('10.0.1.2', 40002, '10.0.2.2'), 'eth0', 'eth1').verdict.kind).toBe('DROP');
    expect(nf.exec(['conntrack', '-C']).stdout).toBe('2\n');
  });
});
