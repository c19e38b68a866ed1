// Shared fixtures for the netfilter engine tests: a web switch of the lab (HostEnv with a clock the
// test moves), packets built with src/wire, and a forwarding walk through the hooks.

import { expect } from 'vitest';
import {
  IP_PROTO_TCP,
  TCP_FIN,
  TCP_PSH,
  ipv4ToString,
  readIpv4,
  TCP_ACK,
  TCP_SYN,
  buildEthIpv4Icmp,
  buildEthIpv4Tcp,
  buildEthIpv4Udp,
  ipv4FromString,
  ipv4HeaderChecksum,
  readU16,
  tcpUdpChecksum,
  icmpChecksum,
  type IcmpRepr,
  type TcpOption,
} from '../../../src/wire/index.ts';
import { rngFor } from '../../../src/sim/index.ts';
import {
  BUILTIN_CHAINS,
  newRule,
  type Match,
  type NatRange,
  type Rule,
  type StatisticMatch,
  type Target,
} from '../../../src/netfilter/index.ts';
import { Netfilter, type HookName, type PacketContext, type Verdict } from '../../../src/netfilter/index.ts';

export const ip = ipv4FromString;
export const SEC = 1_000_000_000;

/** A clock the test moves by hand. */
export class Clock {
  t = 0;
  advance(ns: number): void {
    this.t += ns;
  }
}

export interface Switch {
  nf: Netfilter;
  clock: Clock;
}

/** One of the lab's web switches: eth0 on 10.0.0.0/24 (the VIP), eth1 on 100.0.0.0/24. */
export function makeSwitch(name: string, vip: string, inside: string, seed = 1): Switch {
  const clock = new Clock();
  const eth0 = ip(vip);
  const eth1 = ip(inside);
  const nf = new Netfilter(
    {
      hostName: name,
      now: () => clock.t,
      ifaceAddress: (iface) => (iface === 'eth0' ? eth0 : iface === 'eth1' ? eth1 : undefined),
    },
    rngFor(seed, `${name}/netfilter`),
  );
  return { nf, clock };
}

/** Linux's SYN options: MSS 1460, SACK permitted, timestamps, NOP, window scale 7 (20 bytes). */
export const LINUX_SYN_OPTIONS: TcpOption[] = [
  { kind: 'mss', value: 1460 },
  { kind: 'sackPermitted' },
  { kind: 'timestamps', tsVal: 1000, tsEcr: 0 },
  { kind: 'nop' },
  { kind: 'wscale', shift: 7 },
];

export interface TcpSpec {
  src: string | number;
  dst: string | number;
  sport: number;
  dport: number;
  flags: number;
  seq?: number;
  ack?: number;
  window?: number;
  options?: TcpOption[];
  payload?: Uint8Array;
  ident?: number;
  ttl?: number;
}

const addr = (a: string | number): number => (typeof a === 'string' ? ip(a) : a);

/** An IPv4 packet (header at offset 0, length = total length) carrying one TCP segment. */
export function tcpPacket(s: TcpSpec): Uint8Array {
  const frame = buildEthIpv4Tcp(
    0x020000000001,
    0x020000000002,
    { src: addr(s.src), dst: addr(s.dst), ident: s.ident ?? 0x3e2b, ttl: s.ttl ?? 64 },
    {
      srcPort: s.sport,
      dstPort: s.dport,
      seq: s.seq ?? 1000,
      ack: s.ack ?? 0,
      flags: s.flags,
      window: s.window ?? 64240,
      urgentPtr: 0,
      options: s.options ?? [],
      ...(s.payload ? { payload: s.payload } : {}),
    },
  );
  return frame.slice(14);
}

/** A Linux SYN: 60 bytes of IP total length. */
export function syn(src: string | number, sport: number, dst: string | number, dport = 80, seq = 1000): Uint8Array {
  return tcpPacket({ src, dst, sport, dport, flags: TCP_SYN, seq, options: LINUX_SYN_OPTIONS });
}

export function udpPacket(src: string, sport: number, dst: string, dport: number, payload: Uint8Array, ident = 1): Uint8Array {
  return buildEthIpv4Udp(0x020000000001, 0x020000000002, { src: ip(src), dst: ip(dst), ident, ttl: 64 }, { srcPort: sport, dstPort: dport, payload }).slice(14);
}

export function icmpPacket(src: string, dst: string, icmp: IcmpRepr, ident = 1): Uint8Array {
  return buildEthIpv4Icmp(0x020000000001, 0x020000000002, { src: ip(src), dst: ip(dst), ident, ttl: 64 }, icmp).slice(14);
}

export interface Trip {
  verdict: Verdict;
  notes: string[];
  pkt: Uint8Array;
  /** The packet's context through its hooks (what the stack keeps for it), e.g. for nf.attach. */
  ctx: PacketContext;
}

/** A packet's context at the start of its trip, as the stack makes it. */
export function newContext(): PacketContext {
  return { ct: null };
}

/** Sees each forwarded packet as it arrives on `inIface` and, if it passes, as it leaves on `outIface`. */
export type Tap = (iface: string, direction: 'in' | 'out', pkt: Uint8Array, notes: readonly string[]) => void;
let tap: Tap | null = null;
export function setTap(t: Tap | null): void {
  tap = t;
}

/** A forwarded packet: PREROUTING(in) -> FORWARD(in, out) -> POSTROUTING(out), stopping at a non-ACCEPT verdict. */
export function forward(nf: Netfilter, pkt: Uint8Array, inIface: string, outIface: string): Trip {
  const notes: string[] = [];
  const ctx = newContext();
  tap?.(inIface, 'in', pkt.slice(), notes);
  const steps: [HookName, string | null, string | null][] = [
    ['PREROUTING', inIface, null],
    ['FORWARD', inIface, outIface],
    ['POSTROUTING', null, outIface],
  ];
  for (const [hook, i, o] of steps) {
    const verdict = nf.hook(hook, pkt, i, o, notes, ctx);
    if (verdict.kind !== 'ACCEPT') return { verdict, notes, pkt, ctx };
  }
  tap?.(outIface, 'out', pkt.slice(), notes);
  return { verdict: { kind: 'ACCEPT' }, notes, pkt, ctx };
}

// ---------------------------------------------------------------------------------------------
// Rules built on the model directly (the engine's input), as the lab's command lines produce them.

export function nth(every: number, packet = 0): StatisticMatch {
  return {
    kind: 'statistic',
    mode: 'nth',
    invert: false,
    every: every - 1,
    packet,
    nthStart: every - 1 - packet,
    nthCount: every - 1 - packet,
    threshold: 0,
    packetDefaulted: packet === 0,
  };
}

export function random(p: number): StatisticMatch {
  return {
    kind: 'statistic',
    mode: 'random',
    invert: false,
    every: 0,
    packet: 0,
    nthStart: 0,
    nthCount: 0,
    threshold: Math.round(p * 2 ** 31),
    packetDefaulted: false,
  };
}

export function toAddr(a: string): NatRange {
  const n = ip(a);
  return { mapIps: true, minIp: n, maxIp: n, protoSpecified: false, minPort: 0, maxPort: 0 };
}

export function rule(opts: { src?: string; dst?: string; matches?: Match[]; target: Target | null }): Rule {
  const r = newRule();
  const cidr = (s: string) => {
    const [a, len] = s.split('/');
    const l = len === undefined ? 32 : Number(len);
    return { addr: ip(a!), mask: l === 0 ? 0 : (0xffffffff << (32 - l)) >>> 0, invert: false };
  };
  if (opts.src) r.src = cidr(opts.src);
  if (opts.dst) r.dst = cidr(opts.dst);
  r.matches = opts.matches ?? [];
  r.target = opts.target;
  return r;
}

export const dnat = (to: string): Target => ({ kind: 'DNAT', range: toAddr(to), random: false, persistent: false });
export const masquerade: Target = { kind: 'MASQUERADE', ports: null, random: false, randomFully: false };

/** Appends rules to a chain of the nft rule set (what `iptables` = iptables-nft edits). */
export function append(nf: Netfilter, table: 'nat' | 'filter', chain: string, ...rules: Rule[]): void {
  const t = nf.iptables.nft.tables.get(table)!;
  if (!BUILTIN_CHAINS[table].includes(chain as never)) throw new Error(`no chain ${chain}`);
  t.instantiated = true;
  const c = t.chains.get(chain)!;
  c.instantiated = true;
  c.rules.push(...rules);
}

/** The lab's ws_round-robin rules. */
export function roundRobinRules(nf: Netfilter): void {
  append(
    nf,
    'nat',
    'PREROUTING',
    rule({ dst: '10.0.0.1', matches: [nth(3)], target: dnat('100.0.0.1') }),
    rule({ dst: '10.0.0.1', matches: [nth(2)], target: dnat('100.0.0.2') }),
    rule({ dst: '10.0.0.1', target: dnat('100.0.0.3') }),
  );
  append(nf, 'nat', 'POSTROUTING', rule({ src: '10.0.0.0/24', dst: '100.0.0.0/24', target: masquerade }));
}

export function randomRules(nf: Netfilter): void {
  append(
    nf,
    'nat',
    'PREROUTING',
    rule({ dst: '10.0.0.2', matches: [random(0.33)], target: dnat('100.0.0.1') }),
    rule({ dst: '10.0.0.2', matches: [random(0.5)], target: dnat('100.0.0.2') }),
    rule({ dst: '10.0.0.2', target: dnat('100.0.0.3') }),
  );
  append(nf, 'nat', 'POSTROUTING', rule({ src: '10.0.0.0/24', dst: '100.0.0.0/24', target: masquerade }));
}

export function sourceIpRules(nf: Netfilter): void {
  append(
    nf,
    'nat',
    'PREROUTING',
    rule({ dst: '10.0.0.3', src: '10.0.0.10', target: dnat('100.0.0.1') }),
    rule({ dst: '10.0.0.3', src: '10.0.0.11', target: dnat('100.0.0.2') }),
  );
  append(nf, 'nat', 'POSTROUTING', rule({ src: '10.0.0.0/24', dst: '100.0.0.0/24', target: masquerade }));
}

// ---------------------------------------------------------------------------------------------
// Checksums, recomputed in full (the oracle for the incremental updates).

export function fullIpChecksum(pkt: Uint8Array): number {
  return ipv4HeaderChecksum(pkt, 0, (pkt[0]! & 0x0f) * 4);
}

export function fullTransportChecksum(pkt: Uint8Array): number {
  const hl = (pkt[0]! & 0x0f) * 4;
  const total = readU16(pkt, 2);
  const proto = pkt[9]!;
  const src = readU32be(pkt, 12);
  const dst = readU32be(pkt, 16);
  if (proto === 1) return icmpChecksum(pkt, hl, total - hl);
  const c = tcpUdpChecksum(src, dst, proto, pkt, hl, total - hl);
  return proto === 17 && c === 0 ? 0xffff : c;
}

export function storedTransportChecksum(pkt: Uint8Array): number {
  const hl = (pkt[0]! & 0x0f) * 4;
  const proto = pkt[9]!;
  return readU16(pkt, hl + (proto === IP_PROTO_TCP ? 16 : proto === 17 ? 6 : 2));
}

export function readU32be(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

const dstOf = (p: Uint8Array) => ipv4ToString(readIpv4(p, 16));
const srcOf = (p: Uint8Array) => ipv4ToString(readIpv4(p, 12));
const sportOf = (p: Uint8Array) => readU16(p, 20);

/**
 * One HTTP connection through a switch, as curl makes it: handshake, GET, the server's ACK and
 * response, the client's ACK, then FIN/ACK, FIN/ACK, ACK. Returns the server the SYN went to and
 * the port the server saw.
 */
export function connection(nf: Netfilter, client: string, cport: number, vip: string, requests = 1): { server: string; port: number } {
  const first = forward(nf, syn(client, cport, vip, 80, 5000), 'eth0', 'eth1');
  expect(first.verdict.kind).toBe('ACCEPT');
  const server = dstOf(first.pkt);
  const port = sportOf(first.pkt);
  const router = srcOf(first.pkt);
  const up = (flags: number, seq: number, ack: number, payload?: Uint8Array) =>
    forward(nf, tcpPacket({ src: client, dst: vip, sport: cport, dport: 80, flags, seq, ack, ...(payload ? { payload } : {}) }), 'eth0', 'eth1');
  const down = (flags: number, seq: number, ack: number, payload?: Uint8Array) =>
    forward(nf, tcpPacket({ src: server, dst: router, sport: 80, dport: port, flags, seq, ack, ...(payload ? { payload } : {}) }), 'eth1', 'eth0');

  const synAck = down(TCP_SYN | TCP_ACK, 9000, 5001);
  expect(dstOf(synAck.pkt)).toBe(client);
  expect(srcOf(synAck.pkt)).toBe(vip);
  let cseq = 5001;
  let sseq = 9001;
  up(TCP_ACK, cseq, sseq);
  const get = new TextEncoder().encode('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  const page = new TextEncoder().encode('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
  for (let i = 0; i < requests; i++) {
    const r = up(TCP_PSH | TCP_ACK, cseq, sseq, get);
    expect(dstOf(r.pkt)).toBe(server);
    cseq += get.length;
    down(TCP_ACK, sseq, cseq);
    down(TCP_PSH | TCP_ACK, sseq, cseq, page);
    sseq += page.length;
    up(TCP_ACK, cseq, sseq);
  }
  up(TCP_FIN | TCP_ACK, cseq, sseq);
  cseq++;
  down(TCP_FIN | TCP_ACK, sseq, cseq);
  sseq++;
  up(TCP_ACK, cseq, sseq);
  return { server, port };
}

export { TCP_ACK, TCP_SYN };

