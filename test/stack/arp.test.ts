import { describe, expect, it } from 'vitest';
import { Network, Pinger, type Host, type PingError, type PingReply, type PingSummary } from '../../src/stack/index.ts';
import {
  ARP_REPLY,
  ARP_REQUEST,
  ArpField,
  ETHERNET_HEADER_LEN,
  ETHERTYPE_ARP,
  ICMP_DEST_UNREACHABLE,
  ICMP_HOST_UNREACHABLE,
  MAC_BROADCAST,
  macFromString,
  readIpv4,
  readU16,
} from '../../src/wire/index.ts';
import { ip, recordFrames, routed, twoHosts } from './support.ts';

const SEC = 1e9;

function arpOp(bytes: Uint8Array): number {
  return readU16(bytes, ETHERNET_HEADER_LEN + ArpField.OPER);
}
function arpTarget(bytes: Uint8Array): number {
  return readIpv4(bytes, ETHERNET_HEADER_LEN + ArpField.TPA);
}

function ping(host: Host, dst: number, count: number) {
  const replies: PingReply[] = [];
  const errors: PingError[] = [];
  let summary: PingSummary | undefined;
  const p = new Pinger(host, { dst, count }, {
    onReply: (r) => replies.push(r),
    onError: (e) => errors.push(e),
    onDone: (s) => (summary = s),
  });
  p.start();
  return { p, replies, errors, get summary() { return summary; } };
}

describe('ARP', () => {
  it('uses the lab MACs: 02:00 + the IPv4 address', () => {
    const { a, b } = twoHosts();
    expect(a.iface('eth0').mac).toBe(macFromString('02:00:0a:00:00:0a'));
    expect(b.iface('eth0').mac).toBe(macFromString('02:00:0a:00:00:01'));
  });

  it('hashes a MAC for an interface without an address; a lab may set its own', () => {
    const { net, a } = twoHosts();
    const bare = net.addInterface(a, 'eth1');
    const m = bare.mac;
    expect(Math.floor(m / 2 ** 40)).toBe(0x02); // locally administered, unicast
    expect(Math.floor(m / 2 ** 32) & 0xff).not.toBe(0); // never collides with 02:00:<IPv4>
    expect(net.addHost('z').addInterface('eth1').mac).not.toBe(m);
    const own = net.connect(net.addHost('y'), 'eth0', 'A', { mac: macFromString('aa:bb:cc:dd:ee:ff') });
    own.addresses.push({ addr: ip('10.0.0.3'), prefixLen: 24 });
    expect(own.mac).toBe(macFromString('aa:bb:cc:dd:ee:ff'));
    net.checkMacs();
  });

  it('checking MACs before addresses are configured does not fix them', () => {
    const net = new Network();
    const h = net.addHost('h');
    net.connect(h, 'eth0', 'A');
    net.checkMacs();
    h.addAddress('eth0', ip('10.0.0.10'), 24);
    expect(h.iface('eth0').mac).toBe(macFromString('02:00:0a:00:00:0a'));
  });

  it('two pings from one host get different identifiers', () => {
    const { a } = twoHosts();
    const p1 = new Pinger(a, { dst: ip('10.0.0.1') });
    const p2 = new Pinger(a, { dst: ip('10.0.0.1') });
    expect(p1.ident).not.toBe(p2.ident);
  });

  it('sends one broadcast request per pair; the target learns the requester from it', () => {
    const { net, a, b } = twoHosts();
    const fa = recordFrames(a, 'eth0');
    const fb = recordFrames(b, 'eth0');
    const run = ping(a, ip('10.0.0.1'), 3);
    net.scheduler.runUntil(10 * SEC);
    expect(run.replies.map((r) => r.seq)).toEqual([1, 2, 3]);
    const arpA = fa.filter((f) => f.ethertype === ETHERTYPE_ARP);
    const arpB = fb.filter((f) => f.ethertype === ETHERTYPE_ARP);
    // The only broadcast of the run: a's first request.
    const bcasts = [...arpA, ...arpB].filter((f) => f.dir === 'out' && f.dstMac === MAC_BROADCAST);
    expect(bcasts.length).toBe(1);
    expect(bcasts[0]?.bytes.length).toBe(42);
    expect(arpA.slice(0, 2).map((f) => [f.dir, arpOp(f.bytes)])).toEqual([
      ['out', ARP_REQUEST],
      ['in', ARP_REPLY],
    ]);
    expect(arpA[1]?.dstMac).toBe(a.iface('eth0').mac);
    expect(arpB.slice(0, 2).map((f) => [f.dir, arpOp(f.bytes)])).toEqual([
      ['in', ARP_REQUEST],
      ['out', ARP_REPLY],
    ]);
    // b learned a from the request (STALE), used it for its first echo reply (DELAY), and with
    // nothing confirming a in 5 s, probed it by unicast: Linux does the same under ping.
    const probe = arpB[2];
    expect(probe?.dir).toBe('out');
    expect(probe?.dstMac).toBe(a.iface('eth0').mac);
    expect(arpOp(probe!.bytes)).toBe(ARP_REQUEST);
    expect(probe?.t).toBe(5 * SEC + 90_000); // 5 s after its echo reply
    // b never asked for a: it learned a's MAC from the request.
    const eb = b.iface('eth0').neighbours.get(ip('10.0.0.10'));
    expect(eb?.mac).toBe(a.iface('eth0').mac);
    expect(a.iface('eth0').neighbours.get(ip('10.0.0.1'))?.state).toBe('REACHABLE');
  });

  it('the first echo request waits for the reply and leaves right after it', () => {
    const { net, a } = twoHosts();
    const fa = recordFrames(a, 'eth0');
    ping(a, ip('10.0.0.1'), 1);
    net.scheduler.runUntil(SEC);
    const [req, rep, echo] = fa;
    expect(req?.t).toBe(0);
    expect(rep?.dir).toBe('in');
    expect(echo?.dir).toBe('out');
    expect(echo?.ethertype).toBe(0x0800);
    // request and reply each cross the segment once (30 µs by default)
    expect(rep?.t).toBe(60_000);
    expect(echo?.dstMac).toBe(macFromString('02:00:0a:00:00:01'));
    expect(echo?.t).toBe(60_000);
  });

  it('REACHABLE ages to STALE; reuse goes through DELAY and a unicast probe 5 s later', () => {
    const { net, a, b } = twoHosts();
    const fa = recordFrames(a, 'eth0');
    ping(a, ip('10.0.0.1'), 1);
    net.scheduler.runUntil(SEC);
    const tbl = a.iface('eth0').neighbours;
    const e = tbl.get(ip('10.0.0.1'));
    const reach = tbl.reachableTime();
    expect(reach).toBeGreaterThanOrEqual(15 * SEC);
    expect(reach).toBeLessThan(45 * SEC);
    net.scheduler.runUntil(46 * SEC);
    expect(e?.state).toBe('STALE');

    // A new ping at 50 s: the packet goes at once with the cached MAC, the entry goes to DELAY.
    net.scheduler.runUntil(50 * SEC);
    const before = fa.length;
    ping(a, ip('10.0.0.1'), 1);
    expect(e?.state).toBe('DELAY');
    net.scheduler.runUntil(55 * SEC - 1);
    expect(fa.slice(before).some((f) => f.ethertype === ETHERTYPE_ARP)).toBe(false);
    net.scheduler.runUntil(56 * SEC);
    const arps = fa.slice(before).filter((f) => f.ethertype === ETHERTYPE_ARP);
    // The probe: unicast to b's cached MAC, exactly 5 s after the use; b's reply makes it REACHABLE.
    const probes = arps.filter((f) => f.dir === 'out' && arpOp(f.bytes) === ARP_REQUEST);
    expect(probes.map((f) => f.t)).toEqual([55 * SEC]);
    expect(probes[0]?.dstMac).toBe(b.iface('eth0').mac);
    expect(arpTarget(probes[0]!.bytes)).toBe(ip('10.0.0.1'));
    const reply = arps.find((f) => f.dir === 'in' && arpOp(f.bytes) === ARP_REPLY);
    expect(reply?.t).toBe(55 * SEC + 60_000);
    expect(e?.state).toBe('REACHABLE');
  });

  it('a confirmation during DELAY avoids the probe', () => {
    const { net, a } = twoHosts();
    const fa = recordFrames(a, 'eth0');
    ping(a, ip('10.0.0.1'), 1);
    net.scheduler.runUntil(50 * SEC);
    const e = a.iface('eth0').neighbours.get(ip('10.0.0.1'));
    expect(e?.state).toBe('STALE');
    const before = fa.length;
    ping(a, ip('10.0.0.1'), 1);
    net.scheduler.runUntil(52 * SEC);
    a.iface('eth0').neighbours.confirm(ip('10.0.0.1')); // what TCP does when an ACK advances
    net.scheduler.runUntil(60 * SEC);
    // a sent no ARP at all (b, which nothing confirms, may still probe a).
    expect(fa.slice(before).some((f) => f.ethertype === ETHERTYPE_ARP && f.dir === 'out' && arpOp(f.bytes) === ARP_REQUEST)).toBe(false);
    expect(e?.state).toBe('REACHABLE');
  });

  it('an absent neighbour: 3 broadcasts 1 s apart, then FAILED and host unreachable to the sender', () => {
    const { net, a } = twoHosts();
    const fa = recordFrames(a, 'eth0');
    const run = ping(a, ip('10.0.0.99'), 1);
    net.scheduler.runUntil(20 * SEC);
    const arps = fa.filter((f) => f.ethertype === ETHERTYPE_ARP);
    expect(arps.map((f) => f.t)).toEqual([0, SEC, 2 * SEC]);
    for (const f of arps) {
      expect(f.dstMac).toBe(MAC_BROADCAST);
      expect(arpTarget(f.bytes)).toBe(ip('10.0.0.99'));
    }
    // The echo request itself never left.
    expect(fa.some((f) => f.ethertype === 0x0800)).toBe(false);
    expect(run.errors).toEqual([{ seq: 1, from: ip('10.0.0.10'), icmpType: ICMP_DEST_UNREACHABLE, code: ICMP_HOST_UNREACHABLE }]);
    expect(a.iface('eth0').neighbours.get(ip('10.0.0.99'))?.state).toBe('FAILED');
    expect(run.summary?.received).toBe(0);
    expect(run.summary?.errors).toBe(1);
    expect(a.stats.neighFailDrops).toBe(1);
  });

  it('queued packets are all dropped on failure, each reported', () => {
    const { net, a } = twoHosts();
    const run = ping(a, ip('10.0.0.99'), 3);
    net.scheduler.runUntil(20 * SEC);
    // requests at 0, 1, 2 s queue behind the same resolution; all fail at 3 s
    expect(run.errors.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(a.stats.neighFailDrops).toBe(3);
  });

  it('a router whose next hop does not answer sends host unreachable back to the client', () => {
    const { net, client, router } = routed();
    const fr = recordFrames(router, 'eth1');
    const run = ping(client, ip('100.0.0.77'), 1);
    net.scheduler.runUntil(20 * SEC);
    expect(fr.filter((f) => f.ethertype === ETHERTYPE_ARP && f.dir === 'out').length).toBe(3);
    expect(run.errors).toEqual([{ seq: 1, from: ip('10.0.0.1'), icmpType: ICMP_DEST_UNREACHABLE, code: ICMP_HOST_UNREACHABLE }]);
  });

  it('neighbour caches are per interface and the router never ARPs for a client that asked it', () => {
    const { net, client, router, server } = routed();
    const fr0 = recordFrames(router, 'eth0');
    const fs = recordFrames(server, 'eth0');
    const run = ping(client, ip('100.0.0.1'), 2);
    net.scheduler.runUntil(5 * SEC);
    expect(run.replies.length).toBe(2);
    expect(fr0.filter((f) => f.ethertype === ETHERTYPE_ARP && f.dir === 'out').map((f) => arpOp(f.bytes))).toEqual([ARP_REPLY]);
    expect(fs.filter((f) => f.ethertype === ETHERTYPE_ARP && f.dir === 'out').map((f) => arpOp(f.bytes))).toEqual([ARP_REPLY]);
    expect(router.iface('eth0').neighbours.get(ip('10.0.0.10'))).toBeDefined();
    expect(router.iface('eth1').neighbours.get(ip('10.0.0.10'))).toBeUndefined();
  });
});
