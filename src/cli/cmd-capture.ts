// `lbsim inspect FILE [--verify]` and `lbsim diff A B`: read pcap or pcapng files, print one line
// per packet in tcpdump style, check checksums, and name the first packet where two captures differ.
import { readFileSync } from 'node:fs';
import { readCapture, type CapturePacket, type PcapFile, type PcapngFile } from '../pcap/index.ts';
import { isWireError, summarizeFrame } from '../wire/index.ts';
import { frameFields, verifyFrame } from './frames.ts';
import { CliError, EXIT_CHECK_FAILED, EXIT_OK } from './io.ts';
import type { CommandModule } from './program.ts';

type Capture = PcapFile | PcapngFile;

export function loadCapture(path: string): Capture {
  const buf = readFileSync(path);
  const cap = readCapture(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
  if (isWireError(cap)) throw new CliError(`${path}: ${cap.message} (at byte ${cap.offset}); expected a pcap or pcapng file`);
  return cap;
}

/** Whether the file keeps nanoseconds (pcapng from lbsim, nanosecond pcap) or microseconds. */
function fracDigits(cap: Capture, p: CapturePacket): number {
  if (cap.format === 'pcap') return cap.nanos ? 9 : 6;
  const unit = cap.interfaces[p.interfaceId]?.unitsPerSec ?? 1_000_000n;
  return unit >= 1_000_000_000n ? 9 : unit >= 1_000_000n ? 6 : 3;
}

export function timeText(cap: Capture, p: CapturePacket): string {
  const digits = fracDigits(cap, p);
  const frac = String(p.tsFracNs).padStart(9, '0').slice(0, digits);
  return `${p.tsSec}.${frac}`;
}

function where(cap: Capture, p: CapturePacket): string {
  if (cap.format !== 'pcapng') return '';
  const name = cap.interfaces[p.interfaceId]?.name ?? `if${p.interfaceId}`;
  return ` ${name}${p.direction ? ` ${p.direction}` : ''}`;
}

export function packetLine(cap: Capture, p: CapturePacket, index: number): string {
  return `${String(index + 1).padStart(6)} ${timeText(cap, p)}${where(cap, p)} ${summarizeFrame(p.data)}`;
}

function describeFile(cap: Capture): string {
  if (cap.format === 'pcap') return `pcap, ${cap.nanos ? 'nanosecond' : 'microsecond'} timestamps, link type ${cap.linktype}`;
  return `pcapng, ${cap.interfaces.length} interface${cap.interfaces.length === 1 ? '' : 's'}`;
}

export interface CaptureDiff {
  identical: boolean;
  text: string;
}

export function diffCaptures(a: Capture, b: Capture, nameA: string, nameB: string): CaptureDiff {
  const lines: string[] = [`A: ${nameA} (${describeFile(a)}, ${a.packets.length} packets)`, `B: ${nameB} (${describeFile(b)}, ${b.packets.length} packets)`];
  let identical = true;
  if (describeFile(a) !== describeFile(b)) {
    identical = false;
    lines.push('the file headers differ (see above)');
  }
  const n = Math.min(a.packets.length, b.packets.length);
  for (let i = 0; i < n; i++) {
    const pa = a.packets[i]!;
    const pb = b.packets[i]!;
    const diffs: string[] = [];
    if (pa.tsSec !== pb.tsSec || pa.tsFracNs !== pb.tsFracNs) diffs.push(`time: A ${timeText(a, pa)}  B ${timeText(b, pb)}`);
    if (pa.origLen !== pb.origLen) diffs.push(`original length: A ${pa.origLen}  B ${pb.origLen}`);
    if ((pa.direction ?? '') !== (pb.direction ?? '')) diffs.push(`direction: A ${pa.direction ?? '-'}  B ${pb.direction ?? '-'}`);
    if (where(a, pa) !== where(b, pb) && a.format === 'pcapng' && b.format === 'pcapng') diffs.push(`interface:${where(a, pa)} vs${where(b, pb)}`);
    if (pa.comments.join('\n') !== pb.comments.join('\n')) diffs.push(`comments: A ${JSON.stringify(pa.comments)}  B ${JSON.stringify(pb.comments)}`);
    if (!sameBytes(pa.data, pb.data)) {
      const fa = frameFields(pa.data);
      const fb = frameFields(pb.data);
      const names = [...new Set([...fa.map(([k]) => k), ...fb.map(([k]) => k)])];
      const va = new Map(fa);
      const vb = new Map(fb);
      const fieldDiffs = names.filter((k) => va.get(k) !== vb.get(k))
        .map((k) => `${k}: A ${shorten(va.get(k) ?? '(absent)')}  B ${shorten(vb.get(k) ?? '(absent)')}`);
      diffs.push(...(fieldDiffs.length > 0 ? fieldDiffs : [`bytes differ from offset ${firstDifferentByte(pa.data, pb.data)}`]));
    }
    if (diffs.length > 0) {
      lines.push(`first difference at packet ${i + 1} (time A ${timeText(a, pa)}, B ${timeText(b, pb)}):`,
        `  A: ${summarizeFrame(pa.data)}`, `  B: ${summarizeFrame(pb.data)}`, '  fields that differ:', ...diffs.map((d) => `    ${d}`));
      return { identical: false, text: `${lines.join('\n')}\n` };
    }
  }
  if (a.packets.length !== b.packets.length) {
    const [longer, name, cap] = a.packets.length > b.packets.length ? [a.packets, 'A', a] as const : [b.packets, 'B', b] as const;
    const extra = longer[n]!;
    lines.push(`the first ${n} packets are identical; ${name} has more, from packet ${n + 1}:`, `  ${name}: ${timeText(cap, extra)} ${summarizeFrame(extra.data)}`);
    return { identical: false, text: `${lines.join('\n')}\n` };
  }
  lines.push(identical ? `identical: ${n} packets` : `the ${n} packets are identical`);
  return { identical, text: `${lines.join('\n')}\n` };
}

function sameBytes(x: Uint8Array, y: Uint8Array): boolean {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

function firstDifferentByte(x: Uint8Array, y: Uint8Array): number {
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return i;
  return n;
}

function shorten(v: string): string {
  return v.length > 64 ? `${v.slice(0, 63)}…` : v;
}

export const captureCommands: CommandModule = (program, ctx, { examples }) => {
  program
    .command('inspect')
    .description('print one line per packet of a pcap or pcapng file; --verify checks every IP, TCP, UDP and ICMP checksum')
    .argument('<FILE>', 'a .pcap or .pcapng file')
    .option('--verify', 'list only the malformed packets and bad checksums (exit 1 if there are any)')
    .addHelpText('after', examples([
      'lbsim inspect captures/netkit-loadbalancer/ws_ip-eth1.pcap',
      'lbsim inspect captures/netkit-loadbalancer/lab.pcapng | grep DNAT',
      'lbsim inspect --verify captures/netkit-loadbalancer/lab.pcapng',
    ]))
    .action((file: string, opts: { verify?: boolean }) => {
      const cap = loadCapture(file);
      if (!opts.verify) {
        const out: string[] = [];
        cap.packets.forEach((p, i) => {
          out.push(packetLine(cap, p, i));
          for (const c of p.comments) out.push(`         # ${c}`);
          if (out.length >= 4096) ctx.io.out(`${out.splice(0).join('\n')}\n`);
        });
        if (out.length > 0) ctx.io.out(`${out.join('\n')}\n`);
        return;
      }
      let bad = 0;
      cap.packets.forEach((p, i) => {
        const problems = verifyFrame(p.data);
        if (problems.length === 0) return;
        bad++;
        ctx.io.out(`${packetLine(cap, p, i)}\n${problems.map((x) => `         ${x}`).join('\n')}\n`);
      });
      ctx.io.out(bad === 0 ? `${file}: ${cap.packets.length} packets, every checksum good\n`
        : `${file}: ${bad} of ${cap.packets.length} packets malformed or with bad checksums\n`);
      ctx.exitCode = bad === 0 ? EXIT_OK : EXIT_CHECK_FAILED;
    });

  program
    .command('diff')
    .description('compare two captures packet by packet and print the first difference (exit 1 when they differ)')
    .argument('<A>', 'a .pcap or .pcapng file')
    .argument('<B>', 'another one')
    .addHelpText('after', examples([
      'lbsim run --out /tmp/run2 && lbsim diff captures/netkit-loadbalancer/lab.pcapng /tmp/run2/lab.pcapng',
      'lbsim diff ws_ip-eth0.pcap ../reference/ws_ip-eth0.pcap',
    ]))
    .action((fileA: string, fileB: string) => {
      const d = diffCaptures(loadCapture(fileA), loadCapture(fileB), fileA, fileB);
      ctx.io.out(d.text);
      ctx.exitCode = d.identical ? EXIT_OK : EXIT_CHECK_FAILED;
    });
};
