// From what a run produced to LabRunData: the console steps' results, the switches' listings and
// the captured frames. The report's numbers are only as good as this reading, so it reads the
// captures the way Wireshark does (tcp.stream numbering, frame numbers) and the listings the way a
// student does (the text iptables printed).

import type { PcapFile, PcapngFile } from '../pcap/index.ts';
import {
  ETHERNET_HEADER_LEN,
  ETHERTYPE_IPV4,
  IP_PROTO_ICMP,
  IP_PROTO_TCP,
  ipv4HeaderLen,
  ipv4ToString,
  isWireError,
  parseEthernet,
  parseIpv4,
  parseTcp,
  TCP_ACK,
  TCP_FIN,
  TCP_PSH,
  TCP_RST,
  TCP_SYN,
  TCP_URG,
} from '../wire/index.ts';
import { dnatRulesFor, parseNatListing, policyOf } from './listing.ts';
import type {
  CaptureFiles,
  Domain,
  Host,
  HostRole,
  LabRunData,
  LadderConnection,
  LadderPacket,
  NatChain,
  NatRewrite,
  Q1Case,
  Q1Step,
  Q2Run,
  Q3Switch,
  ServerInfo,
  Topology,
  Vip,
} from './model.ts';
import { addressInCidr } from './stats.ts';

// ---------------------------------------------------------------------------------------------
// The input: what the scenario runner hands over after a run.

export interface RunOutput {
  scenarioName: string;
  seed: number;
  /** Wall-clock epoch of virtual time 0 (captures are stamped from it). */
  startEpochSec: number;
  /** Virtual time at the end of the run, ns. */
  endNs: number;
  /** The hosts as built, in scenario order. */
  hosts: RunHost[];
  /** Every console step that ran, in order ('sleep' and 'note' steps need not be included). */
  steps: RunStepResult[];
  /**
   * The final `iptables -t nat -vnL` (or `-L -v -n`, with or without -x) of each web switch. When a
   * host has none here, the last such command among `steps` is used.
   */
  listings: RunListing[];
  /** Every capture file written, with its frames (interface captures at least). */
  captures: RunCapture[];
}

export interface RunHost {
  name: string;
  interfaces: { name: string; domain: string; /** 'a.b.c.d/n', or null */ address: string | null; /** lower-case colon form */ mac: string }[];
}

export interface RunStepResult {
  host: string;
  /** The command as typed, e.g. 'links http://10.0.0.1/', 'links reload', './count_server_replies.sh 10.0.0.2'. */
  command: string;
  startNs: number;
  endNs: number;
  stdout: string;
  stderr: string;
  exitCode: number;
  /** The script's per-server counts as the scenario runner parses them ("1" -> 34); optional. */
  counts?: Record<string, number>;
  /**
   * Structured results the program gave besides its text: a StepExtras is used, anything else is
   * ignored (then the server comes from the page in the capture or in stdout, and the counts from
   * `counts` or stdout). The scenario runner's StepOutcome fits this type once host and command are set.
   */
  extras?: unknown;
}

export function isStepExtras(x: unknown): x is StepExtras {
  if (typeof x !== 'object' || x === null) return false;
  const o = x as Record<string, unknown>;
  if (o['kind'] === 'links') return o['server'] === null || typeof o['server'] === 'number';
  if (o['kind'] === 'count_server_replies') {
    return typeof o['vip'] === 'string' && typeof o['requests'] === 'number' && Array.isArray(o['counts']) &&
      (o['counts'] as unknown[]).every((c) => typeof c === 'object' && c !== null && typeof (c as Record<string, unknown>)['server'] === 'number' && typeof (c as Record<string, unknown>)['count'] === 'number');
  }
  return false;
}

function extrasOf(step: RunStepResult): StepExtras | null {
  return isStepExtras(step.extras) ? step.extras : null;
}

export type StepExtras =
  /** links: the server the displayed page names (null for a close or when no page came). */
  | { kind: 'links'; server: number | null }
  /** count_server_replies.sh: requests sent to the VIP and replies recognised per server. */
  | { kind: 'count_server_replies'; vip: string; requests: number; counts: { server: number; count: number }[] };

export interface RunListing {
  host: string;
  command: string;
  text: string;
}

export interface RunCapture {
  /** File name, relative to the report's directory (e.g. 'client1-eth0.pcap'). */
  file: string;
  kind: 'interface' | 'domain' | 'merged';
  host: string | null;
  iface: string | null;
  domain: string | null;
  /** The file's frames in file order (Ethernet); null when not handed over (e.g. the merged pcapng). */
  frames: CapturedFrame[] | null;
}

export interface CapturedFrame {
  /** Virtual time, ns since the scenario start. */
  timeNs: number;
  /** The Ethernet frame as captured. */
  data: Uint8Array;
}

/** The frames of a file read with src/pcap's readCapture, on the run's virtual clock. */
export function framesFromCapture(file: PcapFile | PcapngFile, startEpochSec: number): CapturedFrame[] {
  return file.packets.map((p) => ({ timeNs: (p.tsSec - startEpochSec) * 1e9 + p.tsFracNs, data: p.data }));
}

// ---------------------------------------------------------------------------------------------
// Decoded packets and Wireshark-numbered TCP streams of one capture.

interface Pkt {
  frameNumber: number;
  timeNs: number;
  srcMac: number;
  dstMac: number;
  src: string;
  dst: string;
  protocol: number;
  ipLen: number;
  icmpType: number;
  icmpId: number;
  tcp: { srcPort: number; dstPort: number; seq: number; ack: number; flags: number; payload: Uint8Array } | null;
  stream: number;
}

interface Conn {
  stream: number;
  /** The side that sent the SYN (or, without one, the first packet). */
  cliAddr: string;
  cliPort: number;
  srvAddr: string;
  srvPort: number;
  syn: Pkt | null;
  packets: Pkt[];
  closed: boolean;
}

interface DecodedCapture {
  file: string;
  packets: Pkt[];
  conns: Conn[];
  /** Connections by tcp.stream (numbered over the whole file, as Wireshark does). */
  byStream: Map<number, Conn>;
}

function decodeFrames(file: string, frames: CapturedFrame[]): DecodedCapture {
  const packets: Pkt[] = [];
  const conns: Conn[] = [];
  const byTuple = new Map<string, Conn>();
  frames.forEach((f, i) => {
    const eth = parseEthernet(f.data);
    if (isWireError(eth) || eth.ethertype !== ETHERTYPE_IPV4) return;
    const ip = parseIpv4(f.data, ETHERNET_HEADER_LEN);
    if (isWireError(ip)) return;
    const hl = ipv4HeaderLen(ip);
    const l4 = ETHERNET_HEADER_LEN + hl;
    const pkt: Pkt = {
      frameNumber: i + 1,
      timeNs: f.timeNs,
      srcMac: eth.src,
      dstMac: eth.dst,
      src: ipv4ToString(ip.src),
      dst: ipv4ToString(ip.dst),
      protocol: ip.protocol,
      ipLen: hl + ip.payloadLen,
      icmpType: -1,
      icmpId: -1,
      tcp: null,
      stream: -1,
    };
    if (ip.protocol === IP_PROTO_TCP && ip.fragOffset === 0) {
      const seg = parseTcp(f.data, l4, Math.min(ip.payloadLen, f.data.length - l4));
      if (!isWireError(seg)) {
        pkt.tcp = { srcPort: seg.srcPort, dstPort: seg.dstPort, seq: seg.seq, ack: seg.ack, flags: seg.flags, payload: seg.payload ?? new Uint8Array(0) };
      }
    } else if (ip.protocol === IP_PROTO_ICMP && f.data.length >= l4 + 8) {
      pkt.icmpType = f.data[l4]!;
      pkt.icmpId = (f.data[l4 + 4]! << 8) | f.data[l4 + 5]!;
    }
    if (pkt.tcp !== null) {
      const t = pkt.tcp;
      const a = `${pkt.src}:${t.srcPort}`;
      const b = `${pkt.dst}:${t.dstPort}`;
      const key = a < b ? `${a}|${b}` : `${b}|${a}`;
      const isSyn = (t.flags & (TCP_SYN | TCP_ACK)) === TCP_SYN;
      let conn = byTuple.get(key);
      // As Wireshark: a SYN on a finished conversation with another ISN starts a new tcp.stream.
      if (conn !== undefined && isSyn && conn.closed && conn.syn !== null && conn.syn.tcp!.seq !== t.seq) conn = undefined;
      if (conn === undefined) {
        conn = {
          stream: conns.length,
          cliAddr: isSyn || (t.flags & TCP_SYN) === 0 ? pkt.src : pkt.dst,
          cliPort: isSyn || (t.flags & TCP_SYN) === 0 ? t.srcPort : t.dstPort,
          srvAddr: isSyn || (t.flags & TCP_SYN) === 0 ? pkt.dst : pkt.src,
          srvPort: isSyn || (t.flags & TCP_SYN) === 0 ? t.dstPort : t.srcPort,
          syn: null,
          packets: [],
          closed: false,
        };
        conns.push(conn);
        byTuple.set(key, conn);
      }
      if (isSyn && conn.syn === null) conn.syn = pkt;
      if ((t.flags & (TCP_FIN | TCP_RST)) !== 0) conn.closed = true;
      conn.packets.push(pkt);
      pkt.stream = conn.stream;
    }
    packets.push(pkt);
  });
  return { file, packets, conns, byStream: new Map(conns.map((c) => [c.stream, c])) };
}

export function tcpFlagsText(flags: number): string {
  const names: [number, string][] = [
    [TCP_FIN, 'FIN'],
    [TCP_SYN, 'SYN'],
    [TCP_RST, 'RST'],
    [TCP_PSH, 'PSH'],
    [TCP_ACK, 'ACK'],
    [TCP_URG, 'URG'],
  ];
  return names
    .filter(([bit]) => (flags & bit) !== 0)
    .map(([, n]) => n)
    .join(', ');
}

const latin1 = (b: Uint8Array): string => {
  let s = '';
  for (const c of b) s += String.fromCharCode(c);
  return s;
};

// ---------------------------------------------------------------------------------------------

function cidrOf(address: string | null): { addr: string; prefixLen: number } | null {
  if (address === null) return null;
  const [addr, len] = address.split('/');
  if (addr === undefined) return null;
  return { addr, prefixLen: len === undefined ? 32 : Number(len) };
}

function networkOf(addr: string, prefixLen: number): string {
  const n = addr.split('.').reduce((acc, x) => acc * 256 + Number(x), 0);
  const size = 2 ** (32 - prefixLen);
  const base = Math.floor(n / size) * size;
  return `${[24, 16, 8, 0].map((s) => Math.floor(base / 2 ** s) % 256).join('.')}/${prefixLen}`;
}

function macToNumber(mac: string): number {
  return mac.split(':').reduce((acc, x) => acc * 256 + parseInt(x, 16), 0);
}

const MAC_BROADCAST = 0xffffffffffff;

class Extractor {
  private readonly decoded = new Map<string, DecodedCapture>();
  private readonly listingOf = new Map<string, RunListing>();
  private readonly chainsOf = new Map<string, NatChain[]>();
  private topology!: Topology;

  constructor(private readonly run: RunOutput) {}

  /** The interface capture of host/iface, decoded, keeping only frames to or from that interface's MAC. */
  private ifaceCapture(host: string, iface: string): DecodedCapture | null {
    const key = `${host}/${iface}`;
    const hit = this.decoded.get(key);
    if (hit !== undefined) return hit;
    const cap = this.run.captures.find((c) => c.kind === 'interface' && c.host === host && c.iface === iface);
    if (cap === undefined || cap.frames === null) return null;
    const hostDef = this.run.hosts.find((h) => h.name === host);
    const mac = macToNumber(hostDef?.interfaces.find((i) => i.name === iface)?.mac ?? '0');
    // A hub-like domain may show an interface frames meant for others; Wireshark numbers frames in
    // the file, so frame numbers stay those of the file while foreign frames are left out.
    const all = decodeFrames(cap.file, cap.frames);
    const mine = all.packets.filter((p) => p.srcMac === mac || p.dstMac === mac || p.dstMac === MAC_BROADCAST);
    let result = all;
    if (mine.length !== all.packets.length) {
      const keep = new Set(mine);
      const conns = all.conns.filter((c) => c.packets.some((p) => keep.has(p)));
      result = { file: all.file, packets: mine, conns, byStream: new Map(conns.map((c) => [c.stream, c])) };
    }
    this.decoded.set(key, result);
    return result;
  }

  /** The host's interface whose subnet holds `addr` (or whose address it is). */
  private ifaceTowards(host: string, addr: string): RunHost['interfaces'][number] | undefined {
    const h = this.run.hosts.find((x) => x.name === host);
    return h?.interfaces.find((i) => {
      const c = cidrOf(i.address);
      return c !== null && addressInCidr(addr, `${c.addr}/${c.prefixLen}`);
    });
  }

  extract(): LabRunData {
    this.readListings();
    this.topology = this.buildTopology();
    const q1 = this.q1();
    return {
      meta: { scenarioName: this.run.scenarioName, seed: this.run.seed, startEpochSec: this.run.startEpochSec, endNs: this.run.endNs },
      topology: this.topology,
      q1,
      q2: this.q2(),
      q3: this.q3(),
      ladder: this.ladder(q1),
      captures: this.captureFiles(),
    };
  }

  private readListings(): void {
    const isNatListing = (cmd: string): boolean => /^iptables(?:-legacy|-nft)?\s/.test(cmd) && /(?:^|\s)(?:-t\s*nat|--table[ =]nat)(?:\s|$)/.test(cmd) && /(?:^|\s)(?:-[a-zA-Z]*L[a-zA-Z]*|--list)(?:\s|$)/.test(cmd) && /(?:^|\s)-[a-zA-Z]*v/.test(cmd);
    for (const step of this.run.steps) {
      if (isNatListing(step.command.trim()) && step.exitCode === 0) this.listingOf.set(step.host, { host: step.host, command: step.command.trim(), text: step.stdout });
    }
    for (const l of this.run.listings) this.listingOf.set(l.host, l);
    for (const [host, l] of this.listingOf) {
      // A listing of several tables (the runner's iptables/<host>.txt) has '# iptables -t T -vnL' headings.
      const section = /(?:^|\n)# iptables -t nat -vnL\n([\s\S]*?)(?=\n# iptables -t |$)/.exec(l.text);
      const text = section === null ? l.text : section[1]!;
      if (section !== null) this.listingOf.set(host, { ...l, text });
      let chains: NatChain[];
      try {
        chains = parseNatListing(text);
      } catch (e) {
        throw new Error(`${host}: ${l.command}: ${(e as Error).message}`);
      }
      if (chains.some((c) => c.name === 'PREROUTING' && c.rules.some((r) => r.target === 'DNAT'))) this.chainsOf.set(host, chains);
    }
  }

  private buildTopology(): Topology {
    const run = this.run;
    const dnatTargets = new Set<string>();
    for (const chains of this.chainsOf.values()) {
      for (const r of chains.find((c) => c.name === 'PREROUTING')?.rules ?? []) {
        const to = /(?:^|\s)to:(\d+\.\d+\.\d+\.\d+)/.exec(r.matchText);
        if (r.target === 'DNAT' && to !== null) dnatTargets.add(to[1]!);
      }
    }
    const clientHosts = new Set(run.steps.filter((s) => /^(?:links|wget|curl)\b/.test(s.command.trim()) || s.command.includes('count_server_replies')).map((s) => s.host));
    const roleOf = (h: RunHost): HostRole => {
      if (this.chainsOf.has(h.name)) return 'switch';
      if (h.interfaces.some((i) => i.address !== null && dnatTargets.has(cidrOf(i.address)!.addr))) return 'server';
      if (clientHosts.has(h.name)) return 'client';
      return 'other';
    };
    const hosts: Host[] = run.hosts.map((h) => ({
      name: h.name,
      role: roleOf(h),
      interfaces: h.interfaces.map((i) => {
        const c = cidrOf(i.address);
        return { name: i.name, domain: i.domain, address: c?.addr ?? null, prefixLen: c?.prefixLen ?? 0, mac: i.mac };
      }),
    }));
    const domainNames: string[] = [];
    for (const h of run.hosts) for (const i of h.interfaces) if (!domainNames.includes(i.domain)) domainNames.push(i.domain);
    const domains: Domain[] = domainNames.map((name) => {
      const nets = new Set<string>();
      for (const h of hosts) for (const i of h.interfaces) if (i.domain === name && i.address !== null) nets.add(networkOf(i.address, i.prefixLen));
      return { name, subnet: nets.size === 1 ? [...nets][0]! : null };
    });
    // Servers are numbered as the script and the pages number them: by the digits ending the
    // host name when they are distinct (server1, server2...), else by address order.
    const serverHosts = hosts.filter((h) => h.role === 'server');
    const digits = serverHosts.map((h) => /(\d+)$/.exec(h.name)?.[1]);
    const byName = digits.every((d) => d !== undefined) && new Set(digits).size === digits.length;
    const addrOf = (h: Host): string => h.interfaces.find((i) => i.address !== null && dnatTargets.has(i.address))?.address ?? '';
    const key = (a: string): number => a.split('.').reduce((acc, x) => acc * 256 + Number(x), 0);
    const ordered = byName ? serverHosts : [...serverHosts].sort((a, b) => key(addrOf(a)) - key(addrOf(b)));
    const servers: ServerInfo[] = ordered.map((h, i) => ({ index: byName ? Number(digits[serverHosts.indexOf(h)]) : i + 1, host: h.name, address: addrOf(h) }));
    servers.sort((a, b) => a.index - b.index);

    const vips: Vip[] = [];
    for (const h of hosts) {
      const chains = this.chainsOf.get(h.name);
      if (chains === undefined) continue;
      const pre = chains.find((c) => c.name === 'PREROUTING')!;
      const seen: string[] = [];
      for (const r of pre.rules) {
        const dst = r.destination.replace(/\/32$/, '');
        if (r.target !== 'DNAT' || dst.includes('/') || dst.startsWith('!') || seen.includes(dst)) continue;
        seen.push(dst);
        const rules = dnatRulesFor(chains, dst, servers);
        const outside = this.ifaceTowards(h.name, dst);
        const target = rules[0]?.toAddress;
        const inside = target === undefined ? undefined : this.ifaceTowards(h.name, target);
        vips.push({
          address: dst,
          switchHost: h.name,
          outsideIface: outside?.name ?? '',
          insideIface: inside?.name ?? '',
          insideAddress: cidrOf(inside?.address ?? null)?.addr ?? '',
          policy: policyOf(rules),
          rules,
        });
      }
    }
    return { domains, hosts, servers, vips };
  }

  private serverOfAddr(addr: string): number | null {
    return this.topology.servers.find((s) => s.address === addr)?.index ?? null;
  }

  private clientCapture(host: string, towards: string): DecodedCapture | null {
    const iface = this.ifaceTowards(host, towards) ?? this.run.hosts.find((h) => h.name === host)?.interfaces[0];
    return iface === undefined ? null : this.ifaceCapture(host, iface.name);
  }

  // -------------------------------------------------------------------------------------------
  private q1(): Q1Case[] {
    const cases: Q1Case[] = [];
    const current = new Map<string, string>(); // host -> VIP its links is on
    for (const step of this.run.steps) {
      const words = step.command.trim().split(/\s+/);
      if (words[0] !== 'links') continue;
      // The URL, or the reload/close verb; options such as -dump or -width 40 are skipped.
      const arg = words.slice(1).find((w) => w === 'reload' || w === 'close' || /^(?:https?:\/\/)?[\w.-]+\.[\w.-]+/.test(w));
      if (arg === undefined) continue;
      let action: Q1Step['action'];
      let vip: string | undefined;
      if (arg === 'reload') {
        action = 'reload';
        vip = current.get(step.host);
      } else if (arg === 'close') {
        action = 'close';
        vip = current.get(step.host);
      } else {
        action = 'load';
        vip = /^(?:https?:\/\/)?([^/:]+)/.exec(arg)?.[1];
        if (vip !== undefined) current.set(step.host, vip);
      }
      if (vip === undefined) continue;
      const cap = this.clientCapture(step.host, vip);
      if (cap === null) continue;
      const found = action === 'close' ? this.findClose(cap, step, vip) : this.findRequest(cap, step, vip);
      if (found === null) continue;
      const { conn, pkt } = found;
      let server: number | null = null;
      if (action !== 'close') {
        const extras = extrasOf(step);
        server = extras?.kind === 'links' ? extras.server : this.serverFromResponse(conn, pkt, step) ?? serverFromText(step.stdout);
      }
      const q1Step: Q1Step = {
        action,
        timeNs: pkt.timeNs,
        server,
        newConnection: action !== 'close' && conn.syn !== null && conn.syn.timeNs >= step.startNs,
        tcpStream: conn.stream,
        captureFile: cap.file,
        conn: { srcAddr: conn.cliAddr, srcPort: conn.cliPort, dstAddr: conn.srvAddr, dstPort: conn.srvPort },
      };
      let c = cases.find((x) => x.vip === vip && x.client === step.host);
      if (c === undefined) {
        c = { vip, client: step.host, steps: [] };
        cases.push(c);
      }
      c.steps.push(q1Step);
    }
    return cases;
  }

  /** The request (first data segment to the VIP) sent during the step. */
  private findRequest(cap: DecodedCapture, step: RunStepResult, vip: string): { conn: Conn; pkt: Pkt } | null {
    for (const pkt of cap.packets) {
      if (pkt.timeNs < step.startNs || pkt.timeNs > step.endNs) continue;
      if (pkt.tcp === null || pkt.dst !== vip || pkt.tcp.payload.length === 0) continue;
      const conn = cap.byStream.get(pkt.stream);
      if (conn !== undefined && conn.cliAddr === pkt.src) return { conn, pkt };
    }
    return null;
  }

  /** The FIN (or RST) the client sent to the VIP during the step; else the connection it last used. */
  private findClose(cap: DecodedCapture, step: RunStepResult, vip: string): { conn: Conn; pkt: Pkt } | null {
    let last: { conn: Conn; pkt: Pkt } | null = null;
    for (const pkt of cap.packets) {
      if (pkt.tcp === null || pkt.dst !== vip || pkt.timeNs > step.endNs) continue;
      const conn = cap.byStream.get(pkt.stream);
      if (conn === undefined || conn.cliAddr !== pkt.src) continue;
      if (pkt.timeNs >= step.startNs && (pkt.tcp.flags & (TCP_FIN | TCP_RST)) !== 0) return { conn, pkt };
      if (pkt.timeNs < step.startNs) last = { conn, pkt };
    }
    return last;
  }

  /** The server a response names ("… server N …" in the body) on conn after the request. */
  private serverFromResponse(conn: Conn, request: Pkt, step: RunStepResult): number | null {
    let body = '';
    for (const p of conn.packets) {
      if (p.timeNs < request.timeNs || p.timeNs > step.endNs || p.src !== conn.srvAddr || p.tcp === null) continue;
      body += latin1(p.tcp.payload);
    }
    return serverFromText(body.slice(Math.max(0, body.indexOf('\r\n\r\n'))));
  }

  // -------------------------------------------------------------------------------------------
  private q2(): Q2Run[] {
    const runs: Q2Run[] = [];
    for (const step of this.run.steps) {
      const m = /count_server_replies\.sh\s+(\d+\.\d+\.\d+\.\d+)/.exec(step.command);
      if (m === null) continue;
      const given = extrasOf(step);
      const extras = given?.kind === 'count_server_replies' ? given : null;
      const vip = extras?.vip ?? m[1]!;
      const fromRunner = step.counts === undefined ? null : Object.entries(step.counts).filter(([k]) => /^\d+$/.test(k)).map(([k, v]) => ({ server: Number(k), count: v })).sort((a, b) => a.server - b.server);
      const counts = extras?.counts ?? fromRunner ?? countsFromStdout(step.stdout);
      const serverSet = new Set(this.topology.servers.map((s) => s.index));
      for (const c of counts) serverSet.add(c.server);
      const allCounts = [...serverSet].sort((a, b) => a - b).map((server) => ({ server, count: counts.find((c) => c.server === server)?.count ?? 0 }));
      const cap = this.clientCapture(step.host, vip);
      const conns = (cap?.conns ?? []).filter((c) => c.syn !== null && c.srvAddr === vip && c.cliAddr === c.syn.src && c.syn.timeNs >= step.startNs && c.syn.timeNs <= step.endNs);
      const requests = extras?.requests ?? (conns.length > 0 ? conns.length : counts.reduce((a, c) => a + c.count, 0));
      runs.push({
        vip,
        client: step.host,
        command: step.command.trim(),
        stdout: step.stdout,
        requests,
        counts: allCounts,
        connectionsBefore: this.connectionsToVipBefore(vip, step.startNs),
        captureFile: cap?.file ?? '',
        firstStream: conns[0]?.stream ?? -1,
        lastStream: conns[conns.length - 1]?.stream ?? -1,
      });
    }
    return runs;
  }

  /** First packets of new connections that reached the VIP's switch from outside (what the nat chain has seen). */
  private newConnectionsToVip(vip: Vip): Pkt[] {
    const cap = this.ifaceCapture(vip.switchHost, vip.outsideIface);
    if (cap === null) return [];
    const firsts: Pkt[] = [];
    for (const c of cap.conns) if (c.syn !== null && c.syn.dst === vip.address && c.syn.src === c.cliAddr) firsts.push(c.syn);
    // ICMP echo: one conntrack entry per (source, id), like a connection; the nat rules have no -p.
    const echo = new Set<string>();
    for (const p of cap.packets) {
      if (p.protocol !== IP_PROTO_ICMP || p.icmpType !== 8 || p.dst !== vip.address) continue;
      const k = `${p.src}/${p.icmpId}`;
      if (!echo.has(k)) {
        echo.add(k);
        firsts.push(p);
      }
    }
    return firsts.sort((a, b) => a.frameNumber - b.frameNumber);
  }

  private connectionsToVipBefore(vipAddr: string, t: number): number {
    const vip = this.topology.vips.find((v) => v.address === vipAddr);
    if (vip === undefined) return 0;
    return this.newConnectionsToVip(vip).filter((p) => p.timeNs < t).length;
  }

  // -------------------------------------------------------------------------------------------
  private q3(): Q3Switch[] {
    const out: Q3Switch[] = [];
    for (const host of this.topology.hosts.filter((h) => h.role === 'switch')) {
      const listing = this.listingOf.get(host.name)!;
      const vips = this.topology.vips.filter((v) => v.switchHost === host.name);
      const vip0 = vips[0];
      const outsideCap = vip0 === undefined ? null : this.ifaceCapture(host.name, vip0.outsideIface);
      const insideCap = vip0 === undefined ? null : this.ifaceCapture(host.name, vip0.insideIface);
      const vipAddrs = new Set(vips.map((v) => v.address));
      const ownAddrs = new Set(host.interfaces.map((i) => i.address).filter((a): a is string => a !== null));
      const firsts = vips.flatMap((v) => this.newConnectionsToVip(v));
      const vipIsns = new Set(firsts.filter((p) => p.tcp !== null).map((p) => p.tcp!.seq));
      let packetsToVip = 0;
      for (const p of outsideCap?.packets ?? []) if (vipAddrs.has(p.dst)) packetsToVip++;
      let routed = 0;
      for (const c of outsideCap?.conns ?? []) {
        if (c.syn !== null && c.syn.src === c.cliAddr && !ownAddrs.has(c.cliAddr) && !ownAddrs.has(c.srvAddr)) routed++;
      }
      const byServer = new Map<number, number>();
      const masqByServer = new Map<number, number>();
      let masqueraded = 0;
      const insideAddr = vip0?.insideAddress ?? '';
      for (const c of insideCap?.conns ?? []) {
        if (c.syn === null || c.syn.src !== insideAddr || c.cliAddr !== insideAddr) continue;
        masqueraded++;
        const s = this.serverOfAddr(c.srvAddr);
        if (s === null) continue;
        masqByServer.set(s, (masqByServer.get(s) ?? 0) + 1);
        if (vipIsns.has(c.syn.tcp!.seq)) byServer.set(s, (byServer.get(s) ?? 0) + 1);
      }
      const lengths = new Map<number, number>();
      for (const p of firsts) lengths.set(p.ipLen, (lengths.get(p.ipLen) ?? 0) + 1);
      out.push({
        host: host.name,
        command: listing.command,
        listing: listing.text,
        chains: this.chainsOf.get(host.name)!,
        observed: {
          outsideCapture: outsideCap?.file ?? '',
          insideCapture: insideCap?.file ?? '',
          connectionsToVip: firsts.length,
          packetsToVip,
          connectionsToVipByServer: [...byServer.entries()].sort((a, b) => a[0] - b[0]).map(([server, count]) => ({ server, count })),
          connectionsMasqueradedByServer: [...masqByServer.entries()].sort((a, b) => a[0] - b[0]).map(([server, count]) => ({ server, count })),
          connectionsRouted: routed,
          connectionsMasqueraded: masqueraded,
          firstPacketIpLengths: [...lengths.entries()].sort((a, b) => a[0] - b[0]).map(([length, count]) => ({ length, count })),
        },
      });
    }
    return out;
  }

  // -------------------------------------------------------------------------------------------
  /** The first Q1 connection, as the switch saw it on both sides. */
  private ladder(q1: Q1Case[]): LadderConnection | null {
    for (const c of q1) {
      const vip = this.topology.vips.find((v) => v.address === c.vip);
      const first = c.steps.find((s) => s.action !== 'close' && s.newConnection);
      if (vip === undefined || first === undefined) continue;
      const outside = this.ifaceCapture(vip.switchHost, vip.outsideIface);
      const inside = this.ifaceCapture(vip.switchHost, vip.insideIface);
      if (outside === null || inside === null) continue;
      const oc = outside.conns.find((x) => x.syn !== null && x.cliAddr === first.conn.srcAddr && x.cliPort === first.conn.srcPort && x.srvAddr === c.vip && x.syn.timeNs <= first.timeNs);
      if (oc === undefined) continue;
      const ic = inside.conns.find((x) => x.syn !== null && x.cliAddr === vip.insideAddress && x.syn.tcp!.seq === oc.syn!.tcp!.seq);
      if (ic === undefined) continue;
      return this.ladderOf(c.client, vip, outside, oc, inside, ic);
    }
    return null;
  }

  private ladderOf(client: string, vip: Vip, outside: DecodedCapture, oc: Conn, inside: DecodedCapture, ic: Conn): LadderConnection {
    const toLadder = (p: Pkt, side: LadderPacket['side'], direction: LadderPacket['direction']): LadderPacket => ({
      timeNs: p.timeNs,
      side,
      direction,
      src: p.src,
      srcPort: p.tcp!.srcPort,
      dst: p.dst,
      dstPort: p.tcp!.dstPort,
      flags: tcpFlagsText(p.tcp!.flags),
      payloadLen: p.tcp!.payload.length,
      ipTotalLen: p.ipLen,
      frameNumber: p.frameNumber,
      nat: [],
    });
    const oUp = oc.packets.filter((p) => p.src === oc.cliAddr).map((p) => toLadder(p, 'outside', 'toServer'));
    const oDown = oc.packets.filter((p) => p.src !== oc.cliAddr).map((p) => toLadder(p, 'outside', 'toClient'));
    const iUp = ic.packets.filter((p) => p.src === ic.cliAddr).map((p) => toLadder(p, 'inside', 'toServer'));
    const iDown = ic.packets.filter((p) => p.src !== ic.cliAddr).map((p) => toLadder(p, 'inside', 'toClient'));
    const ep = (a: string, port: number): string => `${a}:${port}`;
    // Forwarding keeps each direction's order, so the k-th packet in equals the k-th packet out.
    iUp.forEach((out, k) => {
      const inn = oUp[k];
      if (inn === undefined) return;
      const byRule = k === 0;
      if (inn.dst !== out.dst || inn.dstPort !== out.dstPort) out.nat.push({ kind: 'dnat', byRule, from: ep(inn.dst, inn.dstPort), to: ep(out.dst, out.dstPort) });
      if (inn.src !== out.src || inn.srcPort !== out.srcPort) out.nat.push({ kind: 'masquerade', byRule, from: ep(inn.src, inn.srcPort), to: ep(out.src, out.srcPort) });
    });
    oDown.forEach((out, k) => {
      const inn = iDown[k];
      if (inn === undefined) return;
      const rw: NatRewrite[] = [];
      if (inn.src !== out.src || inn.srcPort !== out.srcPort) rw.push({ kind: 'undnat', byRule: false, from: ep(inn.src, inn.srcPort), to: ep(out.src, out.srcPort) });
      if (inn.dst !== out.dst || inn.dstPort !== out.dstPort) rw.push({ kind: 'unmasquerade', byRule: false, from: ep(inn.dst, inn.dstPort), to: ep(out.dst, out.dstPort) });
      out.nat.push(...rw);
    });
    // Requests: outside copy first; replies: inside copy first (ties broken by causality).
    const rank = (p: LadderPacket): number => (p.direction === 'toServer' ? (p.side === 'outside' ? 0 : 1) : p.side === 'inside' ? 0 : 1);
    const packets = [...oUp, ...oDown, ...iUp, ...iDown].sort((a, b) => a.timeNs - b.timeNs || rank(a) - rank(b));
    return {
      switchHost: vip.switchHost,
      vip: vip.address,
      client,
      clientAddr: oc.cliAddr,
      clientPort: oc.cliPort,
      serverAddr: ic.srvAddr,
      server: this.serverOfAddr(ic.srvAddr),
      insideAddr: ic.cliAddr,
      insidePort: ic.cliPort,
      outsideCapture: outside.file,
      outsideStream: oc.stream,
      insideCapture: inside.file,
      insideStream: ic.stream,
      packets,
    };
  }

  private captureFiles(): CaptureFiles {
    const caps = this.run.captures;
    return {
      interfaces: caps.filter((c) => c.kind === 'interface').map((c) => ({ host: c.host ?? '', iface: c.iface ?? '', file: c.file })),
      domains: caps.filter((c) => c.kind === 'domain').map((c) => ({ domain: c.domain ?? '', file: c.file })),
      merged: caps.find((c) => c.kind === 'merged')?.file ?? null,
    };
  }
}

/** "... server 2 ..." in a page or a links rendering; null if none. */
function serverFromText(text: string): number | null {
  const m = /from server\s+(\d+)/i.exec(text) ?? /\bserver\s+(\d+)\b/i.exec(text);
  return m === null ? null : Number(m[1]);
}

/** The script's `sort | uniq -c` lines: '     37 replies received from server 1'. */
export function countsFromStdout(stdout: string): { server: number; count: number }[] {
  const out: { server: number; count: number }[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^\s*(\d+) replies received from server (\d+)\s*$/.exec(line);
    if (m !== null) out.push({ server: Number(m[2]), count: Number(m[1]) });
  }
  return out.sort((a, b) => a.server - b.server);
}

export function extractLabRunData(run: RunOutput): LabRunData {
  return new Extractor(run).extract();
}
