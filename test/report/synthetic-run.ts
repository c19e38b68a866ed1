// A small run built frame by frame, as the simulator would capture it: client1 browses the
// round-robin VIP with links (load, reload, close, load), then runs the script against the random
// VIP (3 reference wgets routed through ws_round-robin, then N requests). Each TCP segment is
// captured where it passes: client1-eth0, the switch's eth0 (same addresses) and eth1 (after NAT).

import type { CapturedFrame, RunCapture, RunHost, RunOutput, RunStepResult } from '../../src/report/index.ts';
import { buildEthIpv4Tcp, ipv4FromString, macFromString, TCP_ACK, TCP_FIN, TCP_PSH, TCP_SYN, type TcpOption } from '../../src/wire/index.ts';

export interface SyntheticOptions {
  /** Servers of the random VIP's connections, in order (one connection each). */
  randomServers: number[];
  /** First client port; connections take the next even ports. */
  firstPort: number;
  /** Round-robin listing counters: DNAT pkts per rule and the PREROUTING policy packets. */
  rrPolicy: number;
}

const mac = (ip: string): string =>
  `02:00:${ip
    .split('.')
    .map((x) => Number(x).toString(16).padStart(2, '0'))
    .join(':')}`;

const HOSTS: RunHost[] = [
  { name: 'client1', interfaces: [{ name: 'eth0', domain: 'A', address: '10.0.0.10/24', mac: mac('10.0.0.10') }] },
  {
    name: 'ws_round-robin',
    interfaces: [
      { name: 'eth0', domain: 'A', address: '10.0.0.1/24', mac: mac('10.0.0.1') },
      { name: 'eth1', domain: 'B', address: '100.0.0.4/24', mac: mac('100.0.0.4') },
    ],
  },
  {
    name: 'ws_random',
    interfaces: [
      { name: 'eth0', domain: 'A', address: '10.0.0.2/24', mac: mac('10.0.0.2') },
      { name: 'eth1', domain: 'B', address: '100.0.0.5/24', mac: mac('100.0.0.5') },
    ],
  },
  { name: 'server1', interfaces: [{ name: 'eth0', domain: 'B', address: '100.0.0.1/24', mac: mac('100.0.0.1') }] },
  { name: 'server2', interfaces: [{ name: 'eth0', domain: 'B', address: '100.0.0.2/24', mac: mac('100.0.0.2') }] },
  { name: 'server3', interfaces: [{ name: 'eth0', domain: 'B', address: '100.0.0.3/24', mac: mac('100.0.0.3') }] },
];

type Seg = { up: boolean; flags: number; payload: string; dt: number };

const enc = new TextEncoder();
const SYN_OPTS: TcpOption[] = [
  { kind: 'mss', value: 1460 },
  { kind: 'sackPermitted' },
  { kind: 'timestamps', tsVal: 1000, tsEcr: 0 },
  { kind: 'nop' },
  { kind: 'wscale', shift: 7 },
];

const page = (n: number): string => `<html><body><h1>This reply comes from server ${n}!</h1></body></html>\n`;
const response = (n: number): string => `HTTP/1.1 200 OK\r\nServer: Apache/2.4.71 (Debian)\r\nContent-Length: ${page(n).length}\r\nContent-Type: text/html\r\n\r\n${page(n)}`;
const GET = 'GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n';

/** One capture point: its frames and how it sees each connection's endpoints. */
class Cap {
  readonly frames: CapturedFrame[] = [];
  constructor(
    readonly file: string,
    readonly host: string,
    readonly iface: string,
  ) {}
}

interface Leg {
  cap: Cap;
  cli: string;
  cliMac: string;
  srv: string;
  srvMac: string;
}

class Conn {
  private seqUp: number;
  private seqDown: number;
  private t: number;
  private ipId = 100;
  constructor(
    private readonly legs: Leg[],
    private readonly port: number,
    isn: number,
    start: number,
  ) {
    this.seqUp = isn;
    this.seqDown = isn ^ 0x5a5a5a5a;
    this.t = start;
  }

  /** Later segments start from virtual time t (a later console step on the same connection). */
  at(t: number): void {
    this.t = t;
  }

  /** Sends segments; each leg sees it 10 µs after the previous one (client side first going up). */
  send(segs: Seg[]): number {
    for (const s of segs) {
      this.t += s.dt;
      const payload = enc.encode(s.payload);
      const order = s.up ? this.legs : [...this.legs].reverse();
      order.forEach((leg, k) => {
        const src = s.up ? leg.cli : leg.srv;
        const dst = s.up ? leg.srv : leg.cli;
        const frame = buildEthIpv4Tcp(
          macFromString(s.up ? leg.cliMac : leg.srvMac),
          macFromString(s.up ? leg.srvMac : leg.cliMac),
          { src: ipv4FromString(src), dst: ipv4FromString(dst), ident: this.ipId, ttl: 64 - k },
          {
            srcPort: s.up ? this.port : 80,
            dstPort: s.up ? 80 : this.port,
            seq: s.up ? this.seqUp : this.seqDown,
            ack: (s.flags & TCP_ACK) !== 0 ? (s.up ? this.seqDown : this.seqUp) : 0,
            flags: s.flags,
            window: 502,
            urgentPtr: 0,
            options: (s.flags & TCP_SYN) !== 0 ? SYN_OPTS : [],
            payload,
          },
        );
        leg.cap.frames.push({ timeNs: this.t + k * 10_000, data: frame });
      });
      this.ipId++;
      const adv = payload.length + ((s.flags & (TCP_SYN | TCP_FIN)) !== 0 ? 1 : 0);
      if (s.up) this.seqUp = (this.seqUp + adv) >>> 0;
      else this.seqDown = (this.seqDown + adv) >>> 0;
    }
    return this.t + 100_000;
  }

  open(): number {
    return this.send([
      { up: true, flags: TCP_SYN, payload: '', dt: 0 },
      { up: false, flags: TCP_SYN | TCP_ACK, payload: '', dt: 200_000 },
      { up: true, flags: TCP_ACK, payload: '', dt: 200_000 },
    ]);
  }

  request(server: number): number {
    return this.send([
      { up: true, flags: TCP_PSH | TCP_ACK, payload: GET, dt: 100_000 },
      { up: false, flags: TCP_ACK, payload: '', dt: 200_000 },
      { up: false, flags: TCP_PSH | TCP_ACK, payload: response(server), dt: 300_000 },
      { up: true, flags: TCP_ACK, payload: '', dt: 200_000 },
    ]);
  }

  close(): number {
    return this.send([
      { up: true, flags: TCP_FIN | TCP_ACK, payload: '', dt: 100_000 },
      { up: false, flags: TCP_FIN | TCP_ACK, payload: '', dt: 200_000 },
      { up: true, flags: TCP_ACK, payload: '', dt: 200_000 },
    ]);
  }
}

function pad(n: number, w: number): string {
  return String(n).padStart(w);
}

function ruleLine(pkts: number, target: string, src: string, dst: string, extra: string): string {
  const base = `${pad(pkts, 5)} ${pad(pkts * 60, 5)} ${target.padEnd(9)}  0    --  *      *       ${src.padEnd(19)}  ${dst.padEnd(19)}`;
  return extra === '' ? base : `${base} ${extra}`;
}

function listing(pre: string[], policy: number, post: string[]): string {
  const head = ' pkts bytes target     prot opt in     out     source               destination         ';
  return [
    `Chain PREROUTING (policy ACCEPT ${policy} packets, ${policy * 60} bytes)`,
    head,
    ...pre,
    '',
    'Chain INPUT (policy ACCEPT 0 packets, 0 bytes)',
    head,
    '',
    'Chain OUTPUT (policy ACCEPT 0 packets, 0 bytes)',
    head,
    '',
    'Chain POSTROUTING (policy ACCEPT 0 packets, 0 bytes)',
    head,
    ...post,
    '',
  ].join('\n');
}

export function syntheticRun(o: SyntheticOptions): RunOutput {
  const c1 = new Cap('client1-eth0.pcap', 'client1', 'eth0');
  const rrOut = new Cap('ws_round-robin-eth0.pcap', 'ws_round-robin', 'eth0');
  const rrIn = new Cap('ws_round-robin-eth1.pcap', 'ws_round-robin', 'eth1');
  const rdOut = new Cap('ws_random-eth0.pcap', 'ws_random', 'eth0');
  const rdIn = new Cap('ws_random-eth1.pcap', 'ws_random', 'eth1');
  const cm = mac('10.0.0.10');
  const legsVia = (vip: string, out: Cap, inn: Cap, inside: string, server: string, routedDst?: string): Leg[] => {
    const swOutMac = mac(vip);
    const dst = routedDst ?? vip;
    return [
      { cap: c1, cli: '10.0.0.10', cliMac: cm, srv: dst, srvMac: swOutMac },
      { cap: out, cli: '10.0.0.10', cliMac: cm, srv: dst, srvMac: swOutMac },
      { cap: inn, cli: inside, cliMac: mac(inside), srv: server, srvMac: mac(server) },
    ];
  };
  const steps: RunStepResult[] = [];
  const step = (host: string, command: string, startNs: number, endNs: number, stdout = '', extras: RunStepResult['extras'] = null): void => {
    steps.push({ host, command, startNs, endNs, stdout, stderr: '', exitCode: 0, extras });
  };
  let port = o.firstPort;
  let isn = 0x10000000;
  const nextConn = (legs: Leg[], t: number): Conn => {
    const c = new Conn(legs, port, isn, t);
    port += 2;
    isn += 0x01000000;
    return c;
  };

  // Q1: links on 10.0.0.1, round robin from a fresh chain: server 1, then server 2.
  let t = 1e9;
  const a = nextConn(legsVia('10.0.0.1', rrOut, rrIn, '100.0.0.4', '100.0.0.1'), t);
  let end = a.open();
  end = a.request(1);
  step('client1', 'links http://10.0.0.1/', t, end, 'This reply comes from server 1!\n');
  t = 3e9;
  a.at(t);
  end = a.request(1);
  step('client1', 'links reload', t, end, 'This reply comes from server 1!\n');
  t = 5e9;
  a.at(t);
  end = a.close();
  step('client1', 'links close', t, end);
  t = 7e9;
  const b = nextConn(legsVia('10.0.0.1', rrOut, rrIn, '100.0.0.4', '100.0.0.2'), t);
  b.open();
  end = b.request(2);
  step('client1', 'links http://10.0.0.1/', t, end, 'This reply comes from server 2!\n', { kind: 'links', server: 2 });

  // Q2: the script on 10.0.0.2: reference wgets through ws_round-robin as a router, then N requests.
  t = 10e9;
  const start = t;
  for (const s of [1, 2, 3]) {
    const addr = `100.0.0.${s}`;
    const c = nextConn(legsVia('10.0.0.1', rrOut, rrIn, '100.0.0.4', addr, addr), t);
    c.open();
    c.request(s);
    t = c.close();
  }
  const counts = new Map<number, number>();
  for (const s of o.randomServers) {
    const c = nextConn(legsVia('10.0.0.2', rdOut, rdIn, '100.0.0.5', `100.0.0.${s}`), t);
    c.open();
    c.request(s);
    t = c.close();
    counts.set(s, (counts.get(s) ?? 0) + 1);
  }
  const stdout = [...counts.entries()]
    .sort((x, y) => x[0] - y[0])
    .map(([s, n]) => `${pad(n, 7)} replies received from server ${s}\n`)
    .join('');
  step('client1', './count_server_replies.sh 10.0.0.2', start, t, stdout);

  // Q3: the listings, as the switches would print them.
  const rc = [1, 2, 3].map((s) => o.randomServers.filter((x) => x === s).length);
  const rrListing = listing(
    [
      ruleLine(1, 'DNAT', '0.0.0.0/0', '10.0.0.1', 'statistic mode nth every 3 to:100.0.0.1'),
      ruleLine(1, 'DNAT', '0.0.0.0/0', '10.0.0.1', 'statistic mode nth every 2 to:100.0.0.2'),
      ruleLine(0, 'DNAT', '0.0.0.0/0', '10.0.0.1', 'to:100.0.0.3'),
    ],
    o.rrPolicy,
    [ruleLine(5, 'MASQUERADE', '10.0.0.0/24', '100.0.0.0/24', '')],
  );
  const rdListing = listing(
    [
      ruleLine(rc[0]!, 'DNAT', '0.0.0.0/0', '10.0.0.2', 'statistic mode random probability 0.33000000007 to:100.0.0.1'),
      ruleLine(rc[1]!, 'DNAT', '0.0.0.0/0', '10.0.0.2', 'statistic mode random probability 0.50000000000 to:100.0.0.2'),
      ruleLine(rc[2]!, 'DNAT', '0.0.0.0/0', '10.0.0.2', 'to:100.0.0.3'),
    ],
    0,
    [ruleLine(o.randomServers.length, 'MASQUERADE', '10.0.0.0/24', '100.0.0.0/24', '')],
  );
  t += 1e9;
  step('ws_round-robin', 'iptables -t nat -vnL', t, t + 1e6, rrListing);
  step('ws_random', 'iptables -t nat -vnL', t + 2e9, t + 2e9 + 1e6, rdListing);

  const caps = [c1, rrOut, rrIn, rdOut, rdIn];
  for (const c of caps) c.frames.sort((x, y) => x.timeNs - y.timeNs);
  const captures: RunCapture[] = caps.map((c) => ({ file: c.file, kind: 'interface', host: c.host, iface: c.iface, domain: null, frames: c.frames }));
  captures.push({ file: 'lab.pcapng', kind: 'merged', host: null, iface: null, domain: null, frames: null });
  return { scenarioName: 'synthetic', seed: 42, startEpochSec: 1319625000, endNs: t + 3e9, hosts: HOSTS, steps, listings: [], captures };
}
