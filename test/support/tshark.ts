// Wireshark as the test oracle. Runs tshark with IP/TCP/UDP checksum validation on and reports
// malformed packets, bad checksums, expert infos and TCP analysis flags; fields on request.
//
// Convention for tests that need it:
//   it('...', (ctx) => { requireTsharkOrSkip(ctx); ... })
// Without tshark the test is skipped with the reason printed; with LBSIM_REQUIRE_TSHARK=1 (CI) it
// fails instead, so the oracle can never silently stop running.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CHECKSUM_PREFS = [
  '-o', 'ip.check_checksum:TRUE',
  '-o', 'tcp.check_checksum:TRUE',
  '-o', 'udp.check_checksum:TRUE',
];

/** Separates repeated field occurrences; a control character cannot appear in expert messages. */
const AGG = '\x1f';

let cachedVersion: string | null | undefined;

/** tshark's version line, or null when tshark cannot be run. */
export function tsharkVersion(): string | null {
  if (cachedVersion === undefined) {
    const r = spawnSync('tshark', ['-v'], { encoding: 'utf8' });
    cachedVersion = r.status === 0 ? (r.stdout.split('\n')[0] ?? '').trim() : null;
  }
  return cachedVersion;
}

export function hasTshark(): boolean {
  return tsharkVersion() !== null;
}

export function tsharkRequired(): boolean {
  return process.env['LBSIM_REQUIRE_TSHARK'] === '1';
}

/**
 * Skips the calling test (printing why) when tshark is absent; throws when it is required.
 * `available` is for testing this convention itself.
 */
export function requireTsharkOrSkip(ctx: { skip: (note?: string) => void }, available: boolean = hasTshark()): void {
  if (available) return;
  const why = 'tshark not found on PATH (install Wireshark\'s tshark to run the oracle tests)';
  if (tsharkRequired()) throw new Error(`${why}; LBSIM_REQUIRE_TSHARK=1 makes this a failure`);
  console.warn(`skipped: ${why}`);
  ctx.skip(why);
}

export interface TsharkRun {
  stdout: string;
  /** tshark's diagnostics, minus the "Running as user root" notice. */
  stderr: string;
  status: number | null;
}

export function runTshark(args: readonly string[]): TsharkRun {
  const r = spawnSync('tshark', [...args], { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
  if (r.error) throw new Error(`cannot run tshark: ${r.error.message}`);
  const stderr = r.stderr
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('Running as user'))
    .join('\n');
  return { stdout: r.stdout, stderr, status: r.status };
}

export type ExpertSeverity = 'chat' | 'note' | 'warn' | 'error' | 'comment' | string;

export interface TsharkExpert {
  frame: number;
  severity: ExpertSeverity;
  group: string;
  message: string;
}

export interface TsharkReport {
  frames: number;
  /** Frame numbers (1-based) Wireshark flagged as malformed. */
  malformed: number[];
  badChecksums: { frame: number; layer: 'ip' | 'tcp' | 'udp' | 'icmp' }[];
  /** Every expert info, chat included (SYN, HTTP request lines, ...). */
  experts: TsharkExpert[];
  /** Experts of severity warn or error. */
  warnings: TsharkExpert[];
  /** Frames with tcp.analysis.flags set, with their sequence-group notes/warnings. */
  analysisFlags: { frame: number; messages: string[] }[];
  /** tshark's complaints about the file itself (e.g. "cut short in the middle of a packet"). */
  stderr: string;
  status: number | null;
}

// epan/proto.h: PI_SEVERITY_MASK values and PI_GROUP_MASK values.
const SEVERITY: Record<number, ExpertSeverity> = {
  0x00100000: 'comment',
  0x00200000: 'chat',
  0x00400000: 'note',
  0x00600000: 'warn',
  0x00800000: 'error',
};
const GROUP: Record<number, string> = {
  0x01000000: 'checksum',
  0x02000000: 'sequence',
  0x03000000: 'response-code',
  0x04000000: 'request-code',
  0x05000000: 'undecoded',
  0x06000000: 'reassemble',
  0x07000000: 'malformed',
  0x08000000: 'debug',
  0x09000000: 'protocol',
  0x0a000000: 'security',
  0x0b000000: 'comments-group',
  0x0c000000: 'decryption',
  0x0d000000: 'assumption',
  0x0e000000: 'deprecated',
};

const CHECK_FIELDS = [
  'frame.number',
  '_ws.malformed',
  'ip.checksum.status',
  'tcp.checksum.status',
  'udp.checksum.status',
  'icmp.checksum.status',
  '_ws.expert.message',
  '_ws.expert.severity',
  '_ws.expert.group',
  'tcp.analysis.flags',
] as const;

function fieldArgs(fields: readonly string[]): string[] {
  const a = ['-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=a', '-E', `aggregator=${AGG}`, '-E', 'quote=n'];
  for (const f of fields) a.push('-e', f);
  return a;
}

function split(cell: string | undefined): string[] {
  return cell === undefined || cell === '' ? [] : cell.split(AGG);
}

/** Dissects a capture (pcap or pcapng) with checksum validation on and summarizes what is wrong. */
export function tsharkCheck(file: string): TsharkReport {
  const r = runTshark(['-n', '-r', file, ...CHECKSUM_PREFS, ...fieldArgs(CHECK_FIELDS)]);
  const report: TsharkReport = {
    frames: 0,
    malformed: [],
    badChecksums: [],
    experts: [],
    warnings: [],
    analysisFlags: [],
    stderr: r.stderr,
    status: r.status,
  };
  for (const line of r.stdout.split('\n')) {
    if (line === '') continue;
    const c = line.split('\t');
    const frame = Number(c[0]);
    report.frames++;
    if (split(c[1]).length > 0) report.malformed.push(frame);
    const layers = ['ip', 'tcp', 'udp', 'icmp'] as const;
    layers.forEach((layer, i) => {
      // Status 0 = bad, 1 = good, 2 = unverified (epan/proto.h PROTO_CHECKSUM_E_*).
      if (split(c[2 + i]).includes('0')) report.badChecksums.push({ frame, layer });
    });
    const msgs = split(c[6]);
    const sev = split(c[7]);
    const grp = split(c[8]);
    const here: TsharkExpert[] = msgs.map((message, i) => ({
      frame,
      message,
      severity: SEVERITY[Number(sev[i])] ?? `severity ${sev[i] ?? '?'}`,
      group: GROUP[Number(grp[i])] ?? `group ${grp[i] ?? '?'}`,
    }));
    report.experts.push(...here);
    report.warnings.push(...here.filter((e) => e.severity === 'warn' || e.severity === 'error'));
    if (split(c[9]).length > 0) {
      report.analysisFlags.push({
        frame,
        messages: here.filter((e) => e.group === 'sequence' && e.severity !== 'chat').map((e) => e.message),
      });
    }
  }
  if (r.status !== 0 && report.stderr === '') report.stderr = `tshark exited with status ${r.status}`;
  return report;
}

/**
 * Per-frame values of the given fields (each a list: fields can repeat in a frame), optionally
 * only for frames matching a display filter. Checksum validation is on here too.
 */
export function tsharkFields(
  file: string,
  fields: readonly string[],
  opts: { filter?: string; extraArgs?: readonly string[] } = {},
): Record<string, string[]>[] {
  const args = ['-n', '-r', file, ...CHECKSUM_PREFS, ...(opts.extraArgs ?? [])];
  if (opts.filter !== undefined) args.push('-Y', opts.filter);
  const r = runTshark([...args, ...fieldArgs(fields)]);
  if (r.status !== 0) throw new Error(`tshark failed on ${file}: ${r.stderr}`);
  const out: Record<string, string[]>[] = [];
  for (const line of r.stdout.split('\n')) {
    if (line === '') continue;
    const c = line.split('\t');
    const row: Record<string, string[]> = {};
    fields.forEach((f, i) => {
      row[f] = split(c[i]);
    });
    out.push(row);
  }
  return out;
}

/** One summary line per frame, as `tshark -r file` prints them (handy in failure messages). */
export function tsharkSummary(file: string): string[] {
  const r = runTshark(['-n', '-r', file, ...CHECKSUM_PREFS]);
  return r.stdout.split('\n').filter((l) => l !== '');
}

/** Writes capture bytes to a temporary file, calls fn with its path, then removes it. */
export function withTempCapture<T>(bytes: Uint8Array, fileName: string, fn: (path: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'lbsim-tshark-'));
  try {
    const path = join(dir, fileName);
    writeFileSync(path, bytes);
    return fn(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface CleanOptions {
  /** Allow TCP analysis flags (scenarios that inject loss). Default false. */
  allowAnalysisFlags?: boolean;
  /** Expected number of frames, if known. */
  frames?: number;
}

/**
 * Throws, with tshark's own summary lines of the offending frames, unless the capture has no
 * malformed packet, no bad checksum, no warning/error expert info and (by default) no TCP
 * analysis flag. Returns the report for further checks.
 */
export function assertCleanCapture(file: string, opts: CleanOptions = {}): TsharkReport {
  const r = tsharkCheck(file);
  const header: string[] = [];
  const found: { frame: number; text: string }[] = [];
  if (r.stderr !== '') header.push(`tshark: ${r.stderr}`);
  if (opts.frames !== undefined && r.frames !== opts.frames) header.push(`${r.frames} frames, expected ${opts.frames}`);
  for (const f of r.malformed) found.push({ frame: f, text: 'malformed' });
  for (const c of r.badChecksums) found.push({ frame: c.frame, text: `bad ${c.layer} checksum` });
  for (const w of r.warnings) found.push({ frame: w.frame, text: `${w.severity} (${w.group}): ${w.message}` });
  if (!opts.allowAnalysisFlags) {
    for (const a of r.analysisFlags) found.push({ frame: a.frame, text: `TCP analysis: ${a.messages.join('; ')}` });
  }
  if (header.length > 0 || found.length > 0) {
    found.sort((a, b) => a.frame - b.frame);
    const bad = new Set(found.map((f) => f.frame));
    const lines = tsharkSummary(file).filter((l) => bad.has(Number(l.trim().split(/\s+/)[0])));
    const problems = [...header, ...found.map((f) => `frame ${f.frame}: ${f.text}`)];
    throw new Error(`${file} is not clean in tshark:\n  ${problems.join('\n  ')}\n${lines.join('\n')}`);
  }
  return r;
}
