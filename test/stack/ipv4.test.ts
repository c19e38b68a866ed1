import { describe, expect, it } from 'vitest';
import {
  Pinger,
  UdpLayer,
  type HookName,
  type HookVerdict,
  type Host,
  type IcmpErrorInfo,
  type PacketFilter,
  type PingError,
  type PingReply,
} from '../../src/stack/index.ts';
import {
  ETHERNET_HEADER_LEN,
  ICMP_DEST_UNREACHABLE,
  ICMP_NET_UNREACHABLE,
  ICMP_PORT_UNREACHABLE,
  ICMP_PROTOCOL_UNREACHABLE,
  ICMP_TIME_EXCEEDED,
  Ipv4Packet,
  IP_PROTO_ICMP,
} from '../../src/wire/index.ts';
import { ip, recordFrames, routed, twoHosts } from './support.ts';

const SEC = 1e9;

function pingOnce(host: Host, dst: number, opts: { ttl?: number } = {}) {
  const replies: PingReply[] = [];
  const errors: PingError[] = [];
  const sendErrors: string[] = [];
  new Pinger(host, { dst, count: 1, ...opts }, {
    onReply: (r) => replies.push(r),
    onError: (e) => errors.push(e),
    onSendError: (_s, e) => sendErrors.push(e),
  }).start();
  return { replies, errors, sendErrors };
}

function ipv4Frames(frames: ReturnType<typeof recordFrames>, dir: 'in' | 'out') {
  return frames.filter((f) => f.ethertype === 0x0800 && f.dir === dir).map((f) => new Ipv4Packet(f.bytes, ETHERNET_HEADER_LEN));
}

describe('IPv4 forwarding and ICMP', () => {
  it('ping across a router: TTL 63 on the far side, IP ID kept, checksums right', () => {
    const { net, client, router, server } = routed();
    const fc = recordFrames(client, 'eth0');
    const fs = recordFrames(server, 'eth0');
    const run = pingOnce(client, ip('100.0.0.1'));
    net.scheduler.runUntil(2 * SEC);
    expect(run.replies.length).toBe(1);
    expect(run.replies[0]?.ttl).toBe(63);
    expect(run.replies[0]?.from).toBe(ip('100.0.0.1'));
    const sent = ipv4Frames(fc, 'out')[0]!;
    const arrived = ipv4Frames(fs, 'in')[0]!;
    expect(sent.ttl).toBe(64);
    expect(arrived.ttl).toBe(63);
    expect(arrived.ident).toBe(sent.ident);
    expect(arrived.verifyChecksum()).toBe(true);
    const reply = ipv4Frames(fc, 'in')[0]!;
    expect(reply.ttl).toBe(63);
    expect(reply.verifyChecksum()).toBe(true);
    expect(router.stats.ipForwDatagrams).toBe(2);
    // The echo request as iputils sends it: DF, ID 0; the reply: no DF, an ID from the hashed counter.
    expect(sent.flags).toBe(0b010);
    expect(sent.ident).toBe(0);
    expect(reply.flags).toBe(0);
  });

  it('TTL 1 through the router gives time exceeded from the router, quoting the packet', () => {
    const { net, client } = routed();
    const fc = recordFrames(client, 'eth0');
    const run = pingOnce(client, ip('100.0.0.1'), { ttl: 1 });
    net.scheduler.runUntil(2 * SEC);
    expect(run.replies).toEqual([]);
    expect(run.errors).toEqual([{ seq: 1, from: ip('10.0.0.1'), icmpType: ICMP_TIME_EXCEEDED, code: 0 }]);
    const err = ipv4Frames(fc, 'in')[0]!;
    expect(err.protocol).toBe(IP_PROTO_ICMP);
    expect(err.tos).toBe(0xc0); // precedence "internetwork control", as icmp_send sets it
    expect(err.verifyChecksum()).toBe(true);
    // 20 (IP) + 8 (ICMP) + the 84-byte request quoted in full
    expect(err.totalLength).toBe(20 + 8 + 84);
  });

  it('ICMP errors to one destination are rate-limited: a burst of 6, then one a second', () => {
    const { net, client, router } = routed();
    const errors: PingError[] = [];
    // 20 requests with TTL 1, 10 ms apart: all expire at the router within 0.2 s.
    new Pinger(client, { dst: ip('100.0.0.1'), count: 20, intervalNs: 10_000_000, ttl: 1 }, { onError: (e) => errors.push(e) }).start();
    net.scheduler.runUntil(2 * SEC);
    expect(errors.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(router.stats.icmpRateLimited).toBe(14);
    // Tokens accrue at one a second from the first burst on: by 2 s there are two again.
    new Pinger(client, { dst: ip('100.0.0.1'), count: 2, intervalNs: 10_000_000, ttl: 1 }, { onError: (e) => errors.push(e) }).start();
    net.scheduler.runUntil(4 * SEC);
    expect(errors.length).toBe(8);
  });

  it('no route on the router gives net unreachable; no route locally gives ENETUNREACH', () => {
    const { net, client, server } = routed();
    const run = pingOnce(client, ip('192.168.7.7'));
    net.scheduler.runUntil(2 * SEC);
    expect(run.errors).toEqual([{ seq: 1, from: ip('10.0.0.1'), icmpType: ICMP_DEST_UNREACHABLE, code: ICMP_NET_UNREACHABLE }]);
    server.delRoute({ dst: 0, prefixLen: 0 });
    const local = pingOnce(server, ip('10.0.0.10'));
    expect(local.sendErrors).toEqual(['ENETUNREACH']);
  });

  it('a host that does not forward drops silently', () => {
    const { net, client, router } = routed();
    router.ipForward = false;
    const run = pingOnce(client, ip('100.0.0.1'));
    net.scheduler.runUntil(12 * SEC);
    expect(run.replies).toEqual([]);
    expect(run.errors).toEqual([]);
    expect(router.stats.ipInAddrErrors).toBe(1);
  });

  it('UDP to a closed port: ICMP port unreachable back to the sender', () => {
    const { net, a, b } = twoHosts();
    const ua = new UdpLayer(a);
    new UdpLayer(b);
    const errs: IcmpErrorInfo[] = [];
    ua.bind(40000, { onDatagram: () => {}, onError: (e) => errs.push(e) });
    expect(ua.send(40000, ip('10.0.0.1'), 9, new Uint8Array([1, 2, 3]))).toBe('ok');
    net.scheduler.runUntil(SEC);
    expect(errs.length).toBe(1);
    expect(errs[0]?.icmpType).toBe(ICMP_DEST_UNREACHABLE);
    expect(errs[0]?.code).toBe(ICMP_PORT_UNREACHABLE);
    expect(errs[0]?.from).toBe(ip('10.0.0.1'));
  });

  it('UDP to a bound port is delivered', () => {
    const { net, a, b } = twoHosts();
    const ua = new UdpLayer(a);
    const ub = new UdpLayer(b);
    const got: string[] = [];
    ub.bind(53, { onDatagram: (d) => got.push(`${d.srcPort} ${[...d.data].join(',')}`) });
    ua.send(40000, ip('10.0.0.1'), 53, new Uint8Array([7, 8]));
    net.scheduler.runUntil(SEC);
    expect(got).toEqual(['40000 7,8']);
  });

  it('an unknown protocol gets protocol unreachable', () => {
    const { net, a, b } = twoHosts();
    const fb = recordFrames(b, 'eth0');
    expect(a.sendIpv4({ dst: ip('10.0.0.1'), protocol: 99, payload: new Uint8Array(8) })).toBe('ok');
    net.scheduler.runUntil(SEC);
    const out = ipv4Frames(fb, 'out')[0]!;
    expect(out.protocol).toBe(IP_PROTO_ICMP);
    const icmpType = out.buf[out.payloadOffset];
    const icmpCode = out.buf[out.payloadOffset + 1];
    expect([icmpType, icmpCode]).toEqual([ICMP_DEST_UNREACHABLE, ICMP_PROTOCOL_UNREACHABLE]);
  });

  it('drops martians from the wire: our own address or a loopback one as source', () => {
    const { net, a, b } = twoHosts();
    // a forges b's own address as source, then a loopback source.
    a.sendIpv4({ src: ip('10.0.0.1'), dst: ip('10.0.0.1'), protocol: IP_PROTO_ICMP, payload: new Uint8Array(8) });
    a.sendIpv4({ src: ip('127.0.0.1'), dst: ip('10.0.0.1'), protocol: IP_PROTO_ICMP, payload: new Uint8Array(8) });
    net.scheduler.runUntil(SEC);
    expect(b.stats.martians).toBe(2);
    expect(b.stats.ipInDelivers).toBe(0);
  });

  it('a packet to our own address goes through the loopback, not the wire', () => {
    const { net, a } = twoHosts();
    const fa = recordFrames(a, 'eth0');
    const run = pingOnce(a, ip('10.0.0.10'));
    net.scheduler.runUntil(SEC);
    expect(run.replies.length).toBe(1);
    expect(run.replies[0]?.rttNs).toBe(0);
    expect(fa).toEqual([]);
  });
});

describe('link counters', () => {
  it('count frames and bytes both ways, and the loopback separately', () => {
    const { net, a, b } = twoHosts();
    pingOnce(a, ip('10.0.0.1'));
    net.scheduler.runUntil(SEC);
    // ARP request (42) + echo request (98) out; ARP reply (42) + echo reply (98) in.
    expect(a.iface('eth0').counters).toEqual({ rxPackets: 2, rxBytes: 140, rxDropped: 0, txPackets: 2, txBytes: 140, txDropped: 0 });
    expect(b.iface('eth0').counters.rxPackets).toBe(2);
    pingOnce(a, ip('10.0.0.10'));
    net.scheduler.runUntil(2 * SEC);
    expect(a.loopbackCounters.txPackets).toBe(2);
    expect(a.loopbackCounters.rxBytes).toBe(168);
  });
});

describe('routes', () => {
  it('connected routes come with addresses; longest prefix wins, then the lowest metric', () => {
    const { client } = routed();
    expect(client.lookupRoute(ip('10.0.0.77'))?.gateway).toBe(null);
    expect(client.lookupRoute(ip('8.8.8.8'))?.gateway).toBe(ip('10.0.0.1'));
    expect(client.addRoute({ dst: ip('8.8.0.0'), prefixLen: 16, gateway: ip('10.0.0.2') })).toBe('ok');
    expect(client.lookupRoute(ip('8.8.8.8'))?.gateway).toBe(ip('10.0.0.2'));
    expect(client.addRoute({ dst: ip('8.8.0.0'), prefixLen: 16, gateway: ip('10.0.0.3'), metric: 5 })).toBe('ok');
    expect(client.lookupRoute(ip('8.8.8.8'))?.gateway).toBe(ip('10.0.0.2'));
    expect(client.delRoute({ dst: ip('8.8.0.0'), prefixLen: 16, metric: 0 })).toBe('ok');
    expect(client.lookupRoute(ip('8.8.8.8'))?.gateway).toBe(ip('10.0.0.3'));
    expect(client.selectSource(ip('8.8.8.8'))).toBe(ip('10.0.0.10'));
  });

  it('refuses what Linux refuses', () => {
    const { client } = routed();
    expect(client.addRoute({ dst: 0, prefixLen: 0, gateway: ip('10.0.0.1') })).toBe('EEXIST');
    expect(client.addRoute({ dst: ip('20.0.0.0'), prefixLen: 8, gateway: ip('99.0.0.1') })).toBe('ENETUNREACH');
    expect(client.addRoute({ dst: ip('20.0.0.1'), prefixLen: 8, gateway: ip('10.0.0.1') })).toBe('EINVAL');
    expect(client.addRoute({ dst: ip('20.0.0.0'), prefixLen: 8, iface: 'eth9' })).toBe('ENODEV');
    expect(client.addRoute({ dst: ip('20.0.0.0'), prefixLen: 8 })).toBe('ENODEV');
    expect(client.delRoute({ dst: ip('30.0.0.0'), prefixLen: 8 })).toBe('ESRCH');
    expect(client.routes.list().map((r) => [r.dst, r.prefixLen, r.proto])).toEqual([
      [0, 0, 'static'],
      [ip('10.0.0.0'), 24, 'kernel'],
    ]);
  });

  it('a link going down takes its routes with it; up brings the connected ones back', () => {
    const { client } = routed();
    client.setLinkUp('eth0', false);
    expect(client.routes.list()).toEqual([]);
    client.setLinkUp('eth0', true);
    expect(client.routes.list().map((r) => r.proto)).toEqual(['kernel']);
  });
});

describe('netfilter hooks', () => {
  class Recorder implements PacketFilter {
    seen: string[] = [];
    constructor(
      private readonly host: string,
      private readonly verdicts: Partial<Record<HookName, HookVerdict>> = {},
      private readonly note = '',
    ) {}
    hook(h: HookName, _pkt: Uint8Array, inIface: string | null, outIface: string | null, notes: string[]): HookVerdict {
      this.seen.push(`${this.host} ${h} ${inIface ?? '-'} ${outIface ?? '-'}`);
      if (this.note !== '') notes.push(`${this.host} ${h} ${this.note}`);
      return this.verdicts[h] ?? { kind: 'ACCEPT' };
    }
  }

  it('are called in the kernel order on the sender, the router and the receiver', () => {
    const { net, client, router, server } = routed();
    const rc = new Recorder('client1');
    const rr = new Recorder('router');
    const rs = new Recorder('server1');
    client.filter = rc;
    router.filter = rr;
    server.filter = rs;
    pingOnce(client, ip('100.0.0.1'));
    net.scheduler.runUntil(SEC);
    expect(rc.seen).toEqual(['client1 OUTPUT - eth0', 'client1 POSTROUTING - eth0', 'client1 PREROUTING eth0 -', 'client1 INPUT eth0 -']);
    expect(rr.seen).toEqual([
      'router PREROUTING eth0 -',
      'router FORWARD eth0 eth1',
      'router POSTROUTING - eth1',
      'router PREROUTING eth1 -',
      'router FORWARD eth1 eth0',
      'router POSTROUTING - eth0',
    ]);
    expect(rs.seen).toEqual(['server1 PREROUTING eth0 -', 'server1 INPUT eth0 -', 'server1 OUTPUT - eth0', 'server1 POSTROUTING - eth0']);
  });

  it('DROP in FORWARD stops the packet; REJECT answers with the ICMP error asked for', () => {
    const { net, client, router } = routed();
    router.filter = new Recorder('router', { FORWARD: { kind: 'DROP' } });
    const dropped = pingOnce(client, ip('100.0.0.1'));
    net.scheduler.runUntil(12 * SEC);
    expect(dropped.replies).toEqual([]);
    expect(dropped.errors).toEqual([]);
    expect(router.stats.filterDrops).toBe(1);
    router.filter = new Recorder('router', { FORWARD: { kind: 'REJECT', icmpType: 3, icmpCode: 13 } });
    const rejected = pingOnce(client, ip('100.0.0.1'));
    net.scheduler.runUntil(24 * SEC);
    expect(rejected.errors).toEqual([{ seq: 1, from: ip('10.0.0.1'), icmpType: 3, code: 13 }]);
  });

  it('REJECT with tcp-reset answers a SYN with RST,ACK from the destination', () => {
    const { net, client, router } = routed();
    router.filter = new Recorder('router', { FORWARD: { kind: 'REJECT_TCP_RST' } });
    const fc = recordFrames(client, 'eth0');
    // A bare SYN from port 40000 to 100.0.0.1:80, seq 1000.
    const syn = new Uint8Array(20);
    syn.set([0x9c, 0x40, 0, 80, 0, 0, 0x03, 0xe8, 0, 0, 0, 0, 0x50, 0x02, 0xfa, 0xf0]);
    expect(client.sendIpv4({ dst: ip('100.0.0.1'), protocol: 6, payload: syn, fillChecksum: true, ipId: 1 })).toBe('ok');
    net.scheduler.runUntil(SEC);
    const rst = ipv4Frames(fc, 'in')[0]!;
    expect(rst.src).toBe(ip('100.0.0.1'));
    expect(rst.ident).toBe(0);
    const t = rst.payloadOffset;
    const flags = rst.buf[t + 13];
    expect(flags).toBe(0x14); // RST, ACK
    const ack = ((rst.buf[t + 8]! << 24) | (rst.buf[t + 9]! << 16) | (rst.buf[t + 10]! << 8) | rst.buf[t + 11]!) >>> 0;
    expect(ack).toBe(1001);
  });
});

describe('learning switch', () => {
  it('floods until it learns, then sends unicast only to the right port', () => {
    const { net, a, b } = twoHosts();
    const c = net.addHost('c');
    net.connect(c, 'eth0', 'A');
    c.addAddress('eth0', ip('10.0.0.5'), 24);
    const fc = recordFrames(c, 'eth0');
    const run = pingOnce(a, ip('10.0.0.1'));
    net.scheduler.runUntil(SEC);
    expect(run.replies.length).toBe(1);
    // c saw only a's broadcast request.
    expect(fc.map((f) => [f.dir, f.ethertype])).toEqual([['in', 0x0806]]);
    expect(net.domain('A').lookup(a.iface('eth0').mac)?.hostName).toBe('a');
    expect(net.domain('A').lookup(b.iface('eth0').mac)?.hostName).toBe('b');
    expect(c.stats.otherHostFrames).toBe(0);
    void b;
  });

  it('drops frames over the MTU and loses frames at the seeded rate', () => {
    const { net, a } = twoHosts();
    const d = net.domain('A');
    expect(a.sendIpv4({ dst: ip('10.0.0.1'), protocol: 99, payload: new Uint8Array(1481) })).toBe('EMSGSIZE');
    expect(d.stats.oversize).toBe(0);
    const lossy = net.addDomain('L', { lossRate: 0.25 });
    const x = net.addHost('x');
    const y = net.addHost('y');
    net.connect(x, 'eth0', lossy);
    net.connect(y, 'eth0', lossy);
    for (let i = 0; i < 4000; i++) lossy.transmit(x.iface('eth0'), new Uint8Array(60).fill(0xff));
    expect(lossy.stats.lost).toBeGreaterThan(850);
    expect(lossy.stats.lost).toBeLessThan(1150);
  });
});
