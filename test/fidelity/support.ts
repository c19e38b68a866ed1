// Fidelity against the real kernel: both sides' captures are decoded by tshark (the independent
// oracle) and reduced to what must match exactly, with the values a real kernel draws at random
// (ports, ISNs, TSval, IP ID starts, times) replaced by how they evolve.

import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lbsim, ROOT } from '../cli/support.ts';
import { tsharkFields } from '../support/tshark.ts';

export const FIXTURES = fileURLToPath(new URL('./fixtures', import.meta.url));
/** Copies made for the pretty printer's goldens; reused here rather than copied twice. */
const WIRE_FIXTURES = join(ROOT, 'test', 'wire', 'fixtures', 'real-kernel');

/** The host interfaces captured in the reference. */
export const INTERFACES = [
  'client1-eth0', 'client2-eth0',
  'ws_round-robin-eth0', 'ws_round-robin-eth1',
  'ws_random-eth0', 'ws_random-eth1',
  'ws_ip-eth0', 'ws_ip-eth1',
  'server1-eth0', 'server2-eth0', 'server3-eth0',
] as const;

/** Path of the reference capture of `iface` in experiment `exp` (e1 or e3). */
export function referencePcap(exp: 'e1' | 'e3', iface: string): string {
  const wire = join(WIRE_FIXTURES, `${exp}-${iface}.pcap`);
  if (existsSync(wire)) return wire;
  return join(FIXTURES, exp, `${iface}.pcap`);
}

export function referenceText(rel: string): string {
  return readFileSync(join(FIXTURES, rel), 'utf8');
}

export function referenceBytes(rel: string): Uint8Array {
  const p = rel.startsWith('e3/http-bytes/') ? join(WIRE_FIXTURES, `e3-${rel.slice('e3/http-bytes/'.length)}`) : join(FIXTURES, rel);
  return new Uint8Array(readFileSync(p));
}

export interface StepResult {
  kind: string;
  host?: string;
  command?: string;
  output?: string;
  exitCode?: number;
  start: number;
  end: number;
}

export interface LabRun {
  dir: string;
  steps: StepResult[];
  startEpochSec: number;
}

/**
 * Runs `lbsim exec` in process on the default lab, optionally moved to another start date (the
 * reference pages are dated 2024-01-01: a lab that starts after that serves the same
 * Last-Modified and ETag as the reference).
 */
export async function runLab(steps: string[], opts: { start?: string } = {}): Promise<LabRun> {
  const dir = mkdtempSync(join(tmpdir(), 'lbsim-fidelity-'));
  const args = ['exec', ...steps, '--json', '--out', dir];
  let startEpochSec = 1319625000;
  if (opts.start !== undefined) {
    const text = readFileSync(join(ROOT, 'scenarios', 'netkit-loadbalancer.yaml'), 'utf8');
    const moved = text.replace(/^start: .*$/m, `start: ${opts.start}`);
    if (moved === text) throw new Error('the default scenario has no start: line to move');
    const file = join(dir, 'lab.yaml');
    writeFileSync(file, moved);
    args.push('-s', file);
    startEpochSec = Date.parse(opts.start) / 1000;
  }
  const r = await lbsim(...args);
  if (r.code !== 0) throw new Error(`lbsim exec failed (${r.code}): ${r.stderr}`);
  const json = JSON.parse(r.stdout) as { steps: StepResult[] };
  return { dir, steps: json.steps, startEpochSec };
}

const FIELDS = [
  'frame.len', 'frame.time_epoch', 'eth.src', 'eth.dst',
  'arp.opcode', 'arp.src.hw_mac', 'arp.src.proto_ipv4', 'arp.dst.hw_mac', 'arp.dst.proto_ipv4',
  'ip.src', 'ip.dst', 'ip.ttl', 'ip.dsfield', 'ip.flags.df', 'ip.id', 'ip.len',
  'tcp.srcport', 'tcp.dstport', 'tcp.flags', 'tcp.len', 'tcp.window_size_value', 'tcp.options',
  'tcp.seq', 'tcp.ack', 'tcp.seq_raw', 'tcp.ack_raw', 'tcp.options.timestamp.tsval', 'tcp.options.timestamp.tsecr',
  'tcp.stream',
] as const;

/** One frame as tshark decoded it, raw values kept for the behaviour checks. */
export interface Frame {
  len: number;
  time: number;
  ethSrc: string;
  ethDst: string;
  arp: { op: number; senderMac: string; senderIp: string; targetMac: string; targetIp: string } | null;
  ip: { src: string; dst: string; ttl: number; tos: number; df: boolean; id: number; len: number } | null;
  tcp: {
    srcPort: number; dstPort: number; flags: number; len: number; window: number; options: string;
    seq: number; ack: number; seqRaw: number; ackRaw: number; tsval: number | null; tsecr: number | null; stream: number;
  } | null;
}

const num = (v: string[] | undefined): number => {
  const s = v?.[0] ?? '';
  return s.startsWith('0x') ? parseInt(s, 16) : Number(s);
};
const str = (v: string[] | undefined): string => v?.[0] ?? '';
const opt = (v: string[] | undefined): number | null => ((v?.[0] ?? '') === '' ? null : num(v));

export function readFrames(file: string, filter?: string): Frame[] {
  const rows = tsharkFields(file, FIELDS, filter === undefined ? {} : { filter });
  return rows.map((r) => ({
    len: num(r['frame.len']),
    time: Number(str(r['frame.time_epoch'])),
    ethSrc: str(r['eth.src']),
    ethDst: str(r['eth.dst']),
    arp: str(r['arp.opcode']) === '' ? null : {
      op: num(r['arp.opcode']),
      senderMac: str(r['arp.src.hw_mac']), senderIp: str(r['arp.src.proto_ipv4']),
      targetMac: str(r['arp.dst.hw_mac']), targetIp: str(r['arp.dst.proto_ipv4']),
    },
    ip: str(r['ip.src']) === '' ? null : {
      src: str(r['ip.src']), dst: str(r['ip.dst']), ttl: num(r['ip.ttl']), tos: num(r['ip.dsfield']),
      df: str(r['ip.flags.df']) === 'True' || str(r['ip.flags.df']) === '1', id: num(r['ip.id']), len: num(r['ip.len']),
    },
    tcp: str(r['tcp.srcport']) === '' ? null : {
      srcPort: num(r['tcp.srcport']), dstPort: num(r['tcp.dstport']), flags: num(r['tcp.flags']),
      len: num(r['tcp.len']), window: num(r['tcp.window_size_value']), options: str(r['tcp.options']).replaceAll(':', ''),
      seq: num(r['tcp.seq']), ack: num(r['tcp.ack']), seqRaw: num(r['tcp.seq_raw']), ackRaw: num(r['tcp.ack_raw']),
      tsval: opt(r['tcp.options.timestamp.tsval']), tsecr: opt(r['tcp.options.timestamp.tsecr']), stream: num(r['tcp.stream']),
    },
  }));
}

/**
 * TCP option bytes with the timestamp values masked (`TSval` random per connection, `TSecr` zero
 * or an echo): kinds, lengths, order, padding, MSS and window scale stay exact.
 */
export function optionLayout(hex: string): string {
  const out: string[] = [];
  let i = 0;
  while (i < hex.length) {
    const kind = parseInt(hex.slice(i, i + 2), 16);
    if (kind === 0 || kind === 1) { out.push(hex.slice(i, i + 2)); i += 2; continue; }
    const len = parseInt(hex.slice(i + 2, i + 4), 16);
    if (!(len >= 2)) { out.push(`!${hex.slice(i)}`); break; }
    const body = hex.slice(i, i + 2 * len);
    if (kind === 8 && len === 10) out.push(`080a<val><${/^0+$/.test(body.slice(12)) ? 'zero' : 'ecr'}>`);
    else out.push(body);
    i += 2 * len;
  }
  return out.join(' ');
}

const FLAG_NAMES: [number, string][] = [[0x02, 'S'], [0x01, 'F'], [0x04, 'R'], [0x08, 'P'], [0x10, '.'], [0x20, 'U']];
function flagText(f: number): string {
  return FLAG_NAMES.filter(([b]) => (f & b) !== 0).map(([, n]) => n).join('');
}

/**
 * One line per frame with every value that must be equal on both sides. Ephemeral ports become
 * p0, p1… in order of appearance; the IP ID becomes 0 when it is 0 (SYN-ACK), `start` on a
 * sender's first non-zero ID in a connection and `+k` after it; seq/ack are relative (tshark).
 */
export function normalize(frames: readonly Frame[]): string[] {
  const ports = new Map<number, string>();
  const port = (p: number): string => {
    if (p < 1024) return String(p);
    let n = ports.get(p);
    if (n === undefined) { n = `p${ports.size}`; ports.set(p, n); }
    return n;
  };
  const idStart = new Map<string, number>();
  return frames.map((f) => {
    const eth = `${f.ethSrc}>${f.ethDst}`;
    if (f.arp) {
      const a = f.arp;
      return `${f.len} ${eth} ARP op${a.op} ${a.senderMac}/${a.senderIp} -> ${a.targetMac}/${a.targetIp}`;
    }
    if (!f.ip) return `${f.len} ${eth} non-IP`;
    const ip = f.ip;
    const t = f.tcp;
    let idText: string;
    const key = t ? `${ip.src}:${t.srcPort}>${ip.dst}:${t.dstPort}` : `${ip.src}>${ip.dst}`;
    if (ip.id === 0) idText = '0';
    else {
      const s = idStart.get(key);
      if (s === undefined) { idStart.set(key, ip.id); idText = 'start'; } else idText = `+${(ip.id - s + 0x10000) % 0x10000}`;
    }
    const head = `${f.len} ${eth} ${ip.src}>${ip.dst} len${ip.len} ttl${ip.ttl} tos${ip.tos} ${ip.df ? 'DF' : 'noDF'} id${idText}`;
    if (!t) return `${head} proto-other`;
    return `${head} ${port(t.srcPort)}>${port(t.dstPort)} [${flagText(t.flags)}] seq${t.seq} ack${t.ack} win${t.window} len${t.len} opts[${optionLayout(t.options)}]`;
  });
}

/**
 * The first difference of two normalized sequences, with context, or null when equal. Named by
 * frame number so a failure points at the packet to open in Wireshark.
 */
export function firstDifference(real: readonly string[], sim: readonly string[]): string | null {
  const n = Math.max(real.length, sim.length);
  for (let i = 0; i < n; i++) {
    if (real[i] !== sim[i]) {
      const ctx = (xs: readonly string[]): string => xs.slice(Math.max(0, i - 2), i + 3).map((l, k) => `  #${Math.max(0, i - 2) + k + 1} ${l}`).join('\n');
      return `frame #${i + 1} differs (real ${real.length} frames, lbsim ${sim.length})\nreal:\n${ctx(real)}\nlbsim:\n${ctx(sim)}`;
    }
  }
  return null;
}

export function lbsimPcap(run: LabRun, iface: string): string {
  return join(run.dir, `${iface}.pcap`);
}

/** The output of the step that ran `command` (the first one). */
export function stepOutput(run: LabRun, command: string): string {
  const s = run.steps.find((x) => x.command === command);
  if (s === undefined) throw new Error(`no step ran ${command}`);
  return s.output ?? '';
}

/** Epoch seconds at which the step that ran `command` started. */
export function stepStartEpoch(run: LabRun, command: string): number {
  const s = run.steps.find((x) => x.command === command);
  if (s === undefined) throw new Error(`no step ran ${command}`);
  return run.startEpochSec + s.start;
}

/** Epoch seconds at which the step that ran `command` ended. */
export function stepEndEpoch(run: LabRun, command: string): number {
  const s = run.steps.find((x) => x.command === command);
  if (s === undefined) throw new Error(`no step ran ${command}`);
  return run.startEpochSec + s.end;
}
