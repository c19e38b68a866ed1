// NAT rewrites checksums incrementally (RFC 1624); on packets whose checksums were right the
// result must be byte-for-byte what a full recompute gives. A seeded property test over TCP, UDP
// (with and without a checksum) and ICMP echo, with random addresses, ports and payloads, plus
// the ICMP error whose quoted packet is translated too.

import { describe, expect, it } from 'vitest';
import { TCP_ACK, TCP_PSH, TCP_SYN, icmpChecksum, readU16, verifySum } from '../../../src/wire/index.ts';
import { rngFor } from '../../../src/sim/index.ts';
import {
  append,
  dnat,
  forward,
  fullIpChecksum,
  fullTransportChecksum,
  icmpPacket,
  ip,
  makeSwitch,
  masquerade,
  newContext,
  roundRobinRules,
  rule,
  storedTransportChecksum,
  syn,
  tcpPacket,
  udpPacket,
} from './helpers.ts';

function expectChecksumsRecomputed(pkt: Uint8Array, what: string): void {
  expect(readU16(pkt, 10), `${what}: IP header checksum`).toBe(fullIpChecksum(pkt));
  const proto = pkt[9]!;
  if (proto === 17 && storedTransportChecksum(pkt) === 0) return;
  expect(storedTransportChecksum(pkt), `${what}: transport checksum`).toBe(fullTransportChecksum(pkt));
}

describe('incremental checksum updates', () => {
  it('equal a full recompute on 3000 random NATed packets (both directions)', () => {
    const rng = rngFor(7, 'test/nat-checksum');
    const { nf } = makeSwitch('sw', '10.0.0.1', '100.0.0.4');
    // DNAT anything for 10.0.0.1 to a random-ish server set; MASQUERADE out of eth1.
    append(nf, 'nat', 'PREROUTING', rule({ dst: '10.0.0.1', target: dnat('100.0.0.2') }));
    append(nf, 'nat', 'POSTROUTING', rule({ target: masquerade }));
    let checked = 0;
    for (let i = 0; i < 1000; i++) {
      const client = (ip('10.0.0.0') | rng.int(2, 254)) >>> 0;
      const cport = rng.int(1, 65535);
      const payload = new Uint8Array(rng.int(0, 40)).map(() => rng.int(0, 255));
      const kind = rng.int(0, 2);
      let out: Uint8Array;
      let back: Uint8Array;
      if (kind === 0) {
        out = tcpPacket({ src: client, dst: '10.0.0.1', sport: cport, dport: 80, flags: TCP_SYN, seq: rng.u32(), ident: rng.int(0, 65535) });
        const t = forward(nf, out, 'eth0', 'eth1');
        expect([...t.pkt.subarray(12, 20)].join('.')).toBe('100.0.0.4.100.0.0.2');
        expectChecksumsRecomputed(t.pkt, `tcp ${i}`);
        back = tcpPacket({ src: '100.0.0.2', dst: '100.0.0.4', sport: 80, dport: readU16(t.pkt, 20), flags: TCP_SYN | TCP_ACK, seq: rng.u32(), ack: 1, payload, ident: 0 });
        const b = forward(nf, back, 'eth1', 'eth0');
        expect(readU16(b.pkt, 22)).toBe(cport);
        expectChecksumsRecomputed(b.pkt, `tcp reply ${i}`);
        const data = forward(nf, tcpPacket({ src: client, dst: '10.0.0.1', sport: cport, dport: 80, flags: TCP_PSH | TCP_ACK, seq: 2, ack: 2, payload }), 'eth0', 'eth1');
        expectChecksumsRecomputed(data.pkt, `tcp data ${i}`);
      } else if (kind === 1) {
        out = udpPacket(`10.0.0.${client & 0xff}`, cport, '10.0.0.1', 53, payload, rng.int(0, 65535));
        if (rng.int(0, 3) === 0) {
          // A sender that did not compute a UDP checksum: it must stay 0.
          out[20 + 6] = 0;
          out[20 + 7] = 0;
        }
        const zero = readU16(out, 26) === 0;
        const t = forward(nf, out, 'eth0', 'eth1');
        expect(readU16(t.pkt, 26) === 0).toBe(zero);
        expectChecksumsRecomputed(t.pkt, `udp ${i}`);
        back = udpPacket('100.0.0.2', 53, '100.0.0.4', readU16(t.pkt, 20), payload);
        expectChecksumsRecomputed(forward(nf, back, 'eth1', 'eth0').pkt, `udp reply ${i}`);
      } else {
        const ident = rng.int(0, 65535);
        out = icmpPacket(`10.0.0.${client & 0xff}`, '10.0.0.1', { kind: 'echoRequest', ident, seq: rng.int(0, 65535), data: payload });
        const t = forward(nf, out, 'eth0', 'eth1');
        expectChecksumsRecomputed(t.pkt, `icmp ${i}`);
        back = icmpPacket('100.0.0.2', '100.0.0.4', { kind: 'echoReply', ident: readU16(t.pkt, 24), seq: 1, data: payload });
        const b = forward(nf, back, 'eth1', 'eth0');
        expect(readU16(b.pkt, 24)).toBe(ident);
        expectChecksumsRecomputed(b.pkt, `icmp reply ${i}`);
      }
      checked++;
    }
    expect(checked).toBe(1000);
  });

  it('keeps a wrong checksum wrong (and leaves such a packet un-NATed)', () => {
    const { nf } = makeSwitch('ws_round-robin', '10.0.0.1', '100.0.0.4');
    roundRobinRules(nf);
    const p = syn('10.0.0.10', 40000, '10.0.0.1');
    p[36] = p[36]! ^ 0x55;
    const before = fullTransportChecksum(p);
    const t = forward(nf, p, 'eth0', 'eth1');
    expect(storedTransportChecksum(t.pkt)).not.toBe(before);
    expect([...t.pkt.subarray(16, 20)]).toEqual([10, 0, 0, 1]);
  });
});

describe('ICMP errors', () => {
  it('translate the quoted packet with the outer header (port unreachable from a server)', () => {
    const { nf } = makeSwitch('ws_round-robin', '10.0.0.1', '100.0.0.4');
    roundRobinRules(nf);
    const q = forward(nf, udpPacket('10.0.0.10', 34953, '10.0.0.1', 53, new TextEncoder().encode('query')), 'eth0', 'eth1');
    // What server1 received, quoted in its port unreachable (IP header + all of the UDP datagram).
    const quoted = q.pkt.slice();
    const err = icmpPacket('100.0.0.1', '100.0.0.4', { kind: 'destUnreachable', code: 3, rest: 0, quoted }, 0);
    expect(verifySum(err, 20, err.length - 20)).toBe(true);
    const t = forward(nf, err, 'eth1', 'eth0');
    expect(t.verdict.kind).toBe('ACCEPT');
    const p = t.pkt;
    // Outer: from the VIP to the client.
    expect([...p.subarray(12, 16)].join('.')).toBe('10.0.0.1');
    expect([...p.subarray(16, 20)].join('.')).toBe('10.0.0.10');
    // Inner: the packet as the client sent it.
    const inner = p.subarray(28);
    expect([...inner.subarray(12, 16)].join('.')).toBe('10.0.0.10');
    expect([...inner.subarray(16, 20)].join('.')).toBe('10.0.0.1');
    expect(readU16(inner, 20)).toBe(34953);
    expect(readU16(inner, 22)).toBe(53);
    // Every checksum right: outer IP, ICMP, quoted IP header, quoted UDP.
    expect(readU16(p, 10)).toBe(fullIpChecksum(p));
    expect(readU16(p, 22)).toBe(icmpChecksum(p, 20, p.length - 20));
    expect(readU16(inner, 10)).toBe(fullIpChecksum(inner));
    expect(readU16(inner, 26)).toBe(fullTransportChecksum(inner.slice(0, readU16(inner, 2))));
    expect(t.notes.join('\n')).toContain('conntrack RELATED reply: ICMP type 3 code 3');
  });

  it('translate a quoted TCP header cut after 8 bytes (ports only)', () => {
    const { nf } = makeSwitch('ws_round-robin', '10.0.0.1', '100.0.0.4');
    roundRobinRules(nf);
    const s = forward(nf, syn('10.0.0.10', 40000, '10.0.0.1'), 'eth0', 'eth1');
    const quoted = s.pkt.slice(0, 28);
    const err = icmpPacket('100.0.0.1', '100.0.0.4', { kind: 'destUnreachable', code: 1, rest: 0, quoted }, 0);
    const t = forward(nf, err, 'eth1', 'eth0');
    const inner = t.pkt.subarray(28);
    expect([...inner.subarray(12, 16)].join('.')).toBe('10.0.0.10');
    expect([...inner.subarray(16, 20)].join('.')).toBe('10.0.0.1');
    expect(readU16(inner, 20)).toBe(40000);
    expect(readU16(t.pkt, 22)).toBe(icmpChecksum(t.pkt, 20, t.pkt.length - 20));
    expect(readU16(inner, 10)).toBe(fullIpChecksum(inner));
  });

  it("this switch's own error about a REJECTed first packet quotes it as the client sent it", () => {
    const { nf } = makeSwitch('ws_round-robin', '10.0.0.1', '100.0.0.4');
    roundRobinRules(nf);
    expect(nf.exec(['iptables', '-A', 'FORWARD', '-p', 'tcp', '--dport', '81', '-j', 'REJECT']).exitCode).toBe(0);
    const t = forward(nf, syn('10.0.0.10', 40000, '10.0.0.1', 81), 'eth0', 'eth1');
    expect(t.verdict).toEqual({ kind: 'REJECT', icmpType: 3, icmpCode: 3 });
    // What the stack sends back (icmp_send): from its eth0 address, quoting the packet as it is now.
    expect([...t.pkt.subarray(16, 20)].join('.')).toBe('100.0.0.1');
    const err = icmpPacket('10.0.0.1', '10.0.0.10', { kind: 'destUnreachable', code: 3, rest: 0, quoted: t.pkt.slice() }, 0);
    const notes: string[] = [];
    // icmp_send attaches the refused packet's (unconfirmed) entry to the error: nf_ct_attach.
    const ctx = newContext();
    nf.attach(ctx, t.ctx);
    expect(nf.hook('OUTPUT', err, null, 'eth0', notes, ctx).kind).toBe('ACCEPT');
    expect(nf.hook('POSTROUTING', err, null, 'eth0', notes, ctx).kind).toBe('ACCEPT');
    const inner = err.subarray(28);
    expect([...inner.subarray(12, 16)].join('.')).toBe('10.0.0.10');
    expect([...inner.subarray(16, 20)].join('.')).toBe('10.0.0.1');
    expect(readU16(inner, 22)).toBe(81);
    expect(readU16(err, 10)).toBe(fullIpChecksum(err));
    expect(readU16(err, 22)).toBe(icmpChecksum(err, 20, err.length - 20));
    expect(readU16(inner, 10)).toBe(fullIpChecksum(inner));
    expect(notes.length).toBe(1);
  });

  it("this switch's time-exceeded about an established connection's packet is translated too", () => {
    const { nf } = makeSwitch('ws_round-robin', '10.0.0.1', '100.0.0.4');
    roundRobinRules(nf);
    forward(nf, syn('10.0.0.10', 40000, '10.0.0.1'), 'eth0', 'eth1');
    forward(nf, tcpPacket({ src: '100.0.0.1', dst: '100.0.0.4', sport: 80, dport: 40000, flags: TCP_SYN | TCP_ACK, seq: 1, ack: 1001 }), 'eth1', 'eth0');
    // A client packet with TTL 1 gets as far as PREROUTING (DNATed), then the switch answers.
    const p = tcpPacket({ src: '10.0.0.10', dst: '10.0.0.1', sport: 40000, dport: 80, flags: TCP_ACK, seq: 1001, ack: 2, ttl: 1 });
    const pctx = newContext();
    expect(nf.hook('PREROUTING', p, 'eth0', null, [], pctx).kind).toBe('ACCEPT');
    expect([...p.subarray(16, 20)].join('.')).toBe('100.0.0.1');
    const err = icmpPacket('10.0.0.1', '10.0.0.10', { kind: 'timeExceeded', code: 0, rest: 0, quoted: p.slice(0, 28) }, 0);
    const ctx = newContext();
    nf.attach(ctx, pctx);
    nf.hook('OUTPUT', err, null, 'eth0', [], ctx);
    nf.hook('POSTROUTING', err, null, 'eth0', [], ctx);
    const inner = err.subarray(28);
    expect([...inner.subarray(16, 20)].join('.')).toBe('10.0.0.1');
    expect(readU16(err, 22)).toBe(icmpChecksum(err, 20, err.length - 20));
  });
});
