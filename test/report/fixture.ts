// Hand-built LabRunData for the lab's topology. Two variants with different numbers let the tests
// check that what the report prints follows the data.

import type { LabRunData, NatChain, NatRewrite, Q1Case, Q2Run, Q3Switch, Topology, Vip } from '../../src/report/index.ts';
import { dnatRulesFor, parseNatListing, policyOf } from '../../src/report/index.ts';

export interface Variant {
  seed: number;
  /** Per client, the counts the random switch gave (server 1..3). */
  randomCounts: [number[], number[]];
  /** Per client, counts from ws_round-robin and ws_ip. */
  rrCounts: [number[], number[]];
  ipCounts: [number[], number[]];
  rrBefore: [number, number];
  /** Counter values of the three switches: [rule pkts...], policy pkts, masquerade pkts. */
  rr: { rules: number[]; policy: number; masq: number; routed: number; packets: number };
  random: { rules: number[]; policy: number; masq: number; packets: number };
  ip: { rules: number[]; policy: number; masq: number; packets: number };
  clientPorts: number[];
}

export const VARIANT_A: Variant = {
  seed: 1,
  randomCounts: [
    [37, 32, 31],
    [29, 38, 33],
  ],
  rrCounts: [
    [33, 33, 34],
    [34, 33, 33],
  ],
  ipCounts: [
    [100, 0, 0],
    [0, 100, 0],
  ],
  rrBefore: [2, 102],
  rr: { rules: [68, 68, 68], policy: 6, masq: 210, routed: 6, packets: 2049 },
  random: { rules: [67, 69, 68], policy: 0, masq: 204, packets: 2043 },
  ip: { rules: [102, 101], policy: 0, masq: 203, packets: 2031 },
  clientPorts: [44656, 44662, 44670],
};

export const VARIANT_B: Variant = {
  seed: 7,
  randomCounts: [
    [41, 30, 29],
    [24, 31, 45],
  ],
  rrCounts: [
    [33, 34, 33],
    [33, 33, 34],
  ],
  ipCounts: [
    [100, 0, 0],
    [0, 100, 0],
  ],
  rrBefore: [4, 104],
  rr: { rules: [70, 69, 69], policy: 0, masq: 214, routed: 6, packets: 2087 },
  random: { rules: [66, 62, 76], policy: 0, masq: 204, packets: 2051 },
  ip: { rules: [103, 102], policy: 0, masq: 205, packets: 2052 },
  clientPorts: [51234, 51240, 51252],
};

function pad(n: number, w: number): string {
  return String(n).padStart(w);
}

function ruleLine(pkts: number, bytes: number, target: string, src: string, dst: string, extra: string): string {
  const base = `${pad(pkts, 5)} ${pad(bytes, 5)} ${target.padEnd(9)}  ${'0'.padEnd(4)} --  ${'*'.padEnd(6)} ${'*'.padEnd(6)}  ${src.padEnd(19)}  ${dst.padEnd(19)}`;
  return extra === '' ? base : `${base} ${extra}`;
}

const HEADER = ' pkts bytes target     prot opt in     out     source               destination         ';

export function listing(pre: string[], policyPre: number, post: string[]): string {
  return [
    `Chain PREROUTING (policy ACCEPT ${policyPre} packets, ${policyPre * 60} bytes)`,
    HEADER,
    ...pre,
    '',
    'Chain INPUT (policy ACCEPT 0 packets, 0 bytes)',
    HEADER,
    '',
    'Chain OUTPUT (policy ACCEPT 0 packets, 0 bytes)',
    HEADER,
    '',
    'Chain POSTROUTING (policy ACCEPT 0 packets, 0 bytes)',
    HEADER,
    ...post,
    '',
  ].join('\n');
}

function topology(): Omit<Topology, 'vips'> {
  const mac = (a: string): string =>
    `02:00:${a
      .split('.')
      .map((x) => Number(x).toString(16).padStart(2, '0'))
      .join(':')}`;
  const iface = (name: string, domain: string, address: string) => ({ name, domain, address, prefixLen: 24, mac: mac(address) });
  return {
    domains: [
      { name: 'A', subnet: '10.0.0.0/24' },
      { name: 'B', subnet: '100.0.0.0/24' },
    ],
    hosts: [
      { name: 'client1', role: 'client', interfaces: [iface('eth0', 'A', '10.0.0.10')] },
      { name: 'client2', role: 'client', interfaces: [iface('eth0', 'A', '10.0.0.11')] },
      { name: 'ws_round-robin', role: 'switch', interfaces: [iface('eth0', 'A', '10.0.0.1'), iface('eth1', 'B', '100.0.0.4')] },
      { name: 'ws_random', role: 'switch', interfaces: [iface('eth0', 'A', '10.0.0.2'), iface('eth1', 'B', '100.0.0.5')] },
      { name: 'ws_ip', role: 'switch', interfaces: [iface('eth0', 'A', '10.0.0.3'), iface('eth1', 'B', '100.0.0.6')] },
      { name: 'server1', role: 'server', interfaces: [iface('eth0', 'B', '100.0.0.1')] },
      { name: 'server2', role: 'server', interfaces: [iface('eth0', 'B', '100.0.0.2')] },
      { name: 'server3', role: 'server', interfaces: [iface('eth0', 'B', '100.0.0.3')] },
    ],
    servers: [
      { index: 1, host: 'server1', address: '100.0.0.1' },
      { index: 2, host: 'server2', address: '100.0.0.2' },
      { index: 3, host: 'server3', address: '100.0.0.3' },
    ],
  };
}

function uniqLines(counts: number[]): string {
  return counts
    .map((c, i) => ({ c, i }))
    .filter((x) => x.c > 0)
    .map((x) => `${pad(x.c, 7)} replies received from server ${x.i + 1}`)
    .join('\n')
    .concat('\n');
}

export function makeData(v: Variant): LabRunData {
  const topo = topology();
  const masq = (n: number): string => ruleLine(n, n * 60, 'MASQUERADE', '10.0.0.0/24', '100.0.0.0/24', '');
  const listings: Record<string, string> = {
    'ws_round-robin': listing(
      [
        ruleLine(v.rr.rules[0]!, v.rr.rules[0]! * 60, 'DNAT', '0.0.0.0/0', '10.0.0.1', 'statistic mode nth every 3 to:100.0.0.1'),
        ruleLine(v.rr.rules[1]!, v.rr.rules[1]! * 60, 'DNAT', '0.0.0.0/0', '10.0.0.1', 'statistic mode nth every 2 to:100.0.0.2'),
        ruleLine(v.rr.rules[2]!, v.rr.rules[2]! * 60, 'DNAT', '0.0.0.0/0', '10.0.0.1', 'to:100.0.0.3'),
      ],
      v.rr.policy,
      [masq(v.rr.masq)],
    ),
    ws_random: listing(
      [
        ruleLine(v.random.rules[0]!, v.random.rules[0]! * 60, 'DNAT', '0.0.0.0/0', '10.0.0.2', 'statistic mode random probability 0.33000000007 to:100.0.0.1'),
        ruleLine(v.random.rules[1]!, v.random.rules[1]! * 60, 'DNAT', '0.0.0.0/0', '10.0.0.2', 'statistic mode random probability 0.50000000000 to:100.0.0.2'),
        ruleLine(v.random.rules[2]!, v.random.rules[2]! * 60, 'DNAT', '0.0.0.0/0', '10.0.0.2', 'to:100.0.0.3'),
      ],
      v.random.policy,
      [masq(v.random.masq)],
    ),
    ws_ip: listing(
      [
        ruleLine(v.ip.rules[0]!, v.ip.rules[0]! * 60, 'DNAT', '10.0.0.10', '10.0.0.3', 'to:100.0.0.1'),
        ruleLine(v.ip.rules[1]!, v.ip.rules[1]! * 60, 'DNAT', '10.0.0.11', '10.0.0.3', 'to:100.0.0.2'),
      ],
      v.ip.policy,
      [masq(v.ip.masq)],
    ),
  };
  const chains: Record<string, NatChain[]> = {};
  for (const k of Object.keys(listings)) chains[k] = parseNatListing(listings[k]!);
  const vipDefs: [string, string, string][] = [
    ['10.0.0.1', 'ws_round-robin', '100.0.0.4'],
    ['10.0.0.2', 'ws_random', '100.0.0.5'],
    ['10.0.0.3', 'ws_ip', '100.0.0.6'],
  ];
  const vips: Vip[] = vipDefs.map(([address, sw, inside]) => {
    const rules = dnatRulesFor(chains[sw]!, address, topo.servers);
    return { address, switchHost: sw, outsideIface: 'eth0', insideIface: 'eth1', insideAddress: inside, policy: policyOf(rules), rules };
  });

  const clients: [string, string][] = [
    ['client1', '10.0.0.10'],
    ['client2', '10.0.0.11'],
  ];
  const q1: Q1Case[] = [];
  let stream = 0;
  const rrServers = [1, 2, 3];
  for (const [vi, [vip]] of vipDefs.entries()) {
    for (const [ci, [client, addr]] of clients.entries()) {
      const file = `${client}-eth0.pcap`;
      const s0 = stream++;
      const s1 = stream++;
      const p0 = v.clientPorts[0]! + vi * 20 + ci * 100;
      const first = vi === 2 ? ci + 1 : rrServers[(vi + ci) % 3]!;
      const second = vi === 2 ? ci + 1 : rrServers[(vi + ci + 1) % 3]!;
      q1.push({
        vip,
        client,
        steps: [
          { action: 'load', timeNs: 1e9 * (10 + vi * 20 + ci * 10), server: first, newConnection: true, tcpStream: s0, captureFile: file, conn: { srcAddr: addr, srcPort: p0, dstAddr: vip, dstPort: 80 } },
          { action: 'reload', timeNs: 1e9 * (12 + vi * 20 + ci * 10), server: first, newConnection: false, tcpStream: s0, captureFile: file, conn: { srcAddr: addr, srcPort: p0, dstAddr: vip, dstPort: 80 } },
          { action: 'close', timeNs: 1e9 * (14 + vi * 20 + ci * 10), server: null, newConnection: false, tcpStream: s0, captureFile: file, conn: { srcAddr: addr, srcPort: p0, dstAddr: vip, dstPort: 80 } },
          { action: 'load', timeNs: 1e9 * (16 + vi * 20 + ci * 10), server: second, newConnection: true, tcpStream: s1, captureFile: file, conn: { srcAddr: addr, srcPort: p0 + 6, dstAddr: vip, dstPort: 80 } },
        ],
      });
    }
  }
  const q2: Q2Run[] = [];
  const counts: Record<string, [number[], number[]]> = { '10.0.0.1': v.rrCounts, '10.0.0.2': v.randomCounts, '10.0.0.3': v.ipCounts };
  for (const [vip] of vipDefs) {
    for (const [ci, [client]] of clients.entries()) {
      const c = counts[vip]![ci]!;
      const first = stream + 3;
      stream += 103;
      q2.push({
        vip,
        client,
        command: `./count_server_replies.sh ${vip}`,
        stdout: uniqLines(c),
        requests: 100,
        counts: c.map((count, i) => ({ server: i + 1, count })),
        connectionsBefore: vip === '10.0.0.1' ? v.rrBefore[ci]! : 0,
        captureFile: `${client}-eth0.pcap`,
        firstStream: first,
        lastStream: first + 99,
      });
    }
  }
  const sum = (a: number[]): number => a.reduce((x, y) => x + y, 0);
  const q3: Q3Switch[] = [
    ['ws_round-robin', v.rr.rules, v.rr.masq, v.rr.routed, v.rr.packets],
    ['ws_random', v.random.rules, v.random.masq, 0, v.random.packets],
    ['ws_ip', v.ip.rules, v.ip.masq, 0, v.ip.packets],
  ].map(([host, rules, masqPkts, routed, packets]) => {
    const h = host as string;
    const r = rules as number[];
    return {
      host: h,
      command: 'iptables -t nat -vnL',
      listing: listings[h]!,
      chains: chains[h]!,
      observed: {
        outsideCapture: `${h}-eth0.pcap`,
        insideCapture: `${h}-eth1.pcap`,
        connectionsToVip: sum(r),
        packetsToVip: packets as number,
        connectionsToVipByServer: r.map((count, i) => ({ server: i + 1, count })),
        connectionsMasqueradedByServer: r.map((count, i) => ({ server: i + 1, count: count + (routed as number) / 3 })),
        connectionsRouted: routed as number,
        connectionsMasqueraded: masqPkts as number,
        firstPacketIpLengths: [{ length: 60, count: sum(r) }],
      },
    };
  });
  const port = v.clientPorts[0]!;
  const t0 = 10e9;
  const out = (dt: number, dir: 'toServer' | 'toClient', flags: string, len: number, frame: number, nat: NatRewrite[] = []) => ({
    timeNs: t0 + dt,
    side: 'outside' as const,
    direction: dir,
    src: dir === 'toServer' ? '10.0.0.10' : '10.0.0.1',
    srcPort: dir === 'toServer' ? port : 80,
    dst: dir === 'toServer' ? '10.0.0.1' : '10.0.0.10',
    dstPort: dir === 'toServer' ? 80 : port,
    flags,
    payloadLen: len,
    ipTotalLen: 52 + len,
    frameNumber: frame,
    nat,
  });
  const ins = (dt: number, dir: 'toServer' | 'toClient', flags: string, len: number, frame: number, byRule: boolean) => ({
    timeNs: t0 + dt,
    side: 'inside' as const,
    direction: dir,
    src: dir === 'toServer' ? '100.0.0.4' : '100.0.0.1',
    srcPort: dir === 'toServer' ? port : 80,
    dst: dir === 'toServer' ? '100.0.0.1' : '100.0.0.4',
    dstPort: dir === 'toServer' ? 80 : port,
    flags,
    payloadLen: len,
    ipTotalLen: 52 + len,
    frameNumber: frame,
    nat:
      dir === 'toServer'
        ? [
            { kind: 'dnat' as const, byRule, from: '10.0.0.1', to: '100.0.0.1' },
            { kind: 'masquerade' as const, byRule, from: '10.0.0.10', to: '100.0.0.4' },
          ]
        : [],
  });
  const un = [
    { kind: 'undnat' as const, byRule: false, from: '100.0.0.1', to: '10.0.0.1' },
    { kind: 'unmasquerade' as const, byRule: false, from: '100.0.0.4', to: '10.0.0.10' },
  ];
  const ladder: LabRunData['ladder'] = {
    switchHost: 'ws_round-robin',
    vip: '10.0.0.1',
    client: 'client1',
    clientAddr: '10.0.0.10',
    clientPort: port,
    serverAddr: '100.0.0.1',
    server: 1,
    insideAddr: '100.0.0.4',
    insidePort: port,
    outsideCapture: 'ws_round-robin-eth0.pcap',
    outsideStream: 0,
    insideCapture: 'ws_round-robin-eth1.pcap',
    insideStream: 0,
    packets: [
      out(0, 'toServer', 'SYN', 0, 3),
      ins(20_000, 'toServer', 'SYN', 0, 3, true),
      ins(150_000, 'toClient', 'SYN, ACK', 0, 4, false),
      out(170_000, 'toClient', 'SYN, ACK', 0, 4, un),
      out(300_000, 'toServer', 'ACK', 0, 5),
      ins(320_000, 'toServer', 'ACK', 0, 5, false),
      out(400_000, 'toServer', 'PSH, ACK', 601, 6),
      ins(420_000, 'toServer', 'PSH, ACK', 601, 6, false),
      ins(900_000, 'toClient', 'PSH, ACK', 350, 7, false),
      out(920_000, 'toClient', 'PSH, ACK', 350, 7, un),
    ],
  };
  return {
    meta: { scenarioName: 'lab', seed: v.seed, startEpochSec: 1319625000, endNs: 312_400_000_000 + v.seed * 1e9 },
    topology: { ...topo, vips },
    q1,
    q2,
    q3,
    ladder,
    captures: {
      interfaces: topo.hosts.flatMap((hh) => hh.interfaces.map((i) => ({ host: hh.name, iface: i.name, file: `${hh.name}-${i.name}.pcap` }))),
      domains: [
        { domain: 'A', file: 'A.pcap' },
        { domain: 'B', file: 'B.pcap' },
      ],
      merged: 'lab.pcapng',
    },
  };
}
