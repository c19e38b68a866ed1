// The `conntrack` command (conntrack-tools 1.4.7) over one host's table: -L/--dump with its
// filters, -C/--count, -F/--flush. Line format from libnetfilter_conntrack's
// src/conntrack/snprintf_default.c: every piece ends in a blank and the last blank is cut.

import { tryIpv4FromString } from '../../wire/index.ts';
import type { Conn, ConntrackTable } from './conntrack.ts';
import { TCP_STATE_NAMES } from './tcp.ts';
import { IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, formatTupleForListing, protoName } from './tuple.ts';

const PROGRAM = 'conntrack v1.4.7 (conntrack-tools)';
const TRY_HELP = "Try `conntrack -h' or 'conntrack --help' for more information.\n";
const NS_PER_SEC = 1_000_000_000;

export interface CommandOutput {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/**
 * Seconds left on an entry's timer as the listing shows them. The kernel divides the jiffies left
 * by HZ; a real `conntrack -L` always runs a little after the packet that set the timer, so an
 * entry listed at the very instant of its last packet shows one second less than its timeout
 * (431999, 119, 59 … as in the measured listings).
 */
export function secondsLeft(conn: Conn, nowNs: number): number {
  const left = conn.timeoutAt - nowNs;
  return left > 0 ? Math.floor((left - 1) / NS_PER_SEC) : 0;
}

/** One `conntrack -L` line (no newline). */
export function formatConntrackLine(conn: Conn, nowNs: number, extended = false): string {
  const p = conn.original.protocol;
  let s = extended ? 'ipv4     2 ' : '';
  s += `${protoName(p).padEnd(8)} ${p} ${secondsLeft(conn, nowNs)} `;
  if (conn.tcp) s += `${TCP_STATE_NAMES[conn.tcp.state]} `;
  s += formatTupleForListing(conn.original);
  if (!conn.seenReply) s += '[UNREPLIED] ';
  s += formatTupleForListing(conn.reply);
  if (conn.assured) s += '[ASSURED] ';
  s += 'mark=0 use=1';
  return s;
}

interface ListFilter {
  protocol: number | null;
  state: string | null;
  src: number | null;
  dst: number | null;
  sport: number | null;
  dport: number | null;
  srcNat: boolean;
  dstNat: boolean;
  extended: boolean;
}

function protoNumber(name: string): number | undefined {
  switch (name.toLowerCase()) {
    case 'tcp':
    case '6':
      return IPPROTO_TCP;
    case 'udp':
    case '17':
      return IPPROTO_UDP;
    case 'icmp':
    case '1':
      return IPPROTO_ICMP;
    default:
      return /^\d+$/.test(name) && Number(name) <= 255 ? Number(name) : undefined;
  }
}

function paramError(msg: string): CommandOutput {
  return { stdout: '', stderr: `${PROGRAM}: ${msg}\n${TRY_HELP}`, exitCode: 2 };
}

/** Runs `conntrack ARGS` (argv[0] is the program name) against the table at time `nowNs`. */
export function runConntrackCommand(table: ConntrackTable, argv: readonly string[], nowNs: number): CommandOutput {
  type Command = 'list' | 'count' | 'flush';
  const cmd: { value: Command | null } = { value: null };
  const f: ListFilter = {
    protocol: null,
    state: null,
    src: null,
    dst: null,
    sport: null,
    dport: null,
    srcNat: false,
    dstNat: false,
    extended: false,
  };
  const setCommand = (c: Command): CommandOutput | undefined => {
    if (cmd.value !== null && cmd.value !== c) return paramError('Invalid parameters');
    cmd.value = c;
    return undefined;
  };
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string | undefined => argv[++i];
    let err: CommandOutput | undefined;
    switch (a) {
      case '-L':
      case '--dump':
        err = setCommand('list');
        break;
      case '-C':
      case '--count':
        err = setCommand('count');
        break;
      case '-F':
      case '--flush':
        err = setCommand('flush');
        break;
      case '-p':
      case '--proto': {
        const v = value();
        if (v === undefined) return paramError(`option \`${a}' requires an argument`);
        const n = protoNumber(v);
        if (n === undefined) return paramError(`proto \`${v}' not found`);
        f.protocol = n;
        break;
      }
      case '--state': {
        const v = value();
        if (v === undefined) return paramError(`option \`${a}' requires an argument`);
        if (f.protocol !== IPPROTO_TCP) return paramError(`--state requires -p tcp`);
        if (!TCP_STATE_NAMES.includes(v)) return paramError(`Bad parameter \`${v}'`);
        f.state = v;
        break;
      }
      case '-s':
      case '--src':
      case '--orig-src':
      case '-d':
      case '--dst':
      case '--orig-dst': {
        const v = value();
        if (v === undefined) return paramError(`option \`${a}' requires an argument`);
        const addr = tryIpv4FromString(v);
        if (addr === undefined) return paramError(`Invalid IP address \`${v}'`);
        if (a === '-s' || a === '--src' || a === '--orig-src') f.src = addr;
        else f.dst = addr;
        break;
      }
      case '--sport':
      case '--orig-port-src':
      case '--dport':
      case '--orig-port-dst': {
        const v = value();
        if (v === undefined) return paramError(`option \`${a}' requires an argument`);
        if (!/^\d+$/.test(v) || Number(v) > 65535) return paramError(`invalid port \`${v}'`);
        if (a === '--sport' || a === '--orig-port-src') f.sport = Number(v);
        else f.dport = Number(v);
        break;
      }
      case '--src-nat':
        f.srcNat = true;
        break;
      case '--dst-nat':
        f.dstNat = true;
        break;
      case '-o':
      case '--output': {
        const v = value();
        if (v === undefined) return paramError(`option \`${a}' requires an argument`);
        for (const part of v.split(',')) {
          if (part === 'extended') f.extended = true;
          else return paramError(`Bad parameter \`${part}'`);
        }
        break;
      }
      case '-n':
      case '-g':
        // --src-nat / --dst-nat short forms of older releases.
        if (a === '-n') f.srcNat = true;
        else f.dstNat = true;
        break;
      default:
        return paramError(`Unknown option \`${a}'`);
    }
    if (err) return err;
  }
  switch (cmd.value) {
    case null:
      return paramError('no command specified');
    case 'count':
      return { stdout: `${table.size}\n`, stderr: '', exitCode: 0 };
    case 'flush':
      table.flush();
      return { stdout: '', stderr: `${PROGRAM}: connection tracking table has been emptied.\n`, exitCode: 0 };
    case 'list': {
      let out = '';
      let n = 0;
      for (const c of table.entries()) {
        if (!matches(c, f)) continue;
        out += formatConntrackLine(c, nowNs, f.extended) + '\n';
        n++;
      }
      // "entries" stays plural even for 1 (conntrack-tools' own wording).
      return { stdout: out, stderr: `${PROGRAM}: ${n} flow entries have been shown.\n`, exitCode: 0 };
    }
  }
}

function matches(c: Conn, f: ListFilter): boolean {
  const o = c.original;
  if (f.protocol !== null && o.protocol !== f.protocol) return false;
  if (f.state !== null && (!c.tcp || TCP_STATE_NAMES[c.tcp.state] !== f.state)) return false;
  if (f.src !== null && o.src !== f.src) return false;
  if (f.dst !== null && o.dst !== f.dst) return false;
  if (f.sport !== null && (o.protocol === IPPROTO_ICMP || o.srcId !== f.sport)) return false;
  if (f.dport !== null && (o.protocol === IPPROTO_ICMP || o.dstId !== f.dport)) return false;
  if (f.srcNat && !c.srcNat) return false;
  if (f.dstNat && !c.dstNat) return false;
  return true;
}
