/**
 * The small pieces of libxtables that rule text needs: iptables' errors, its number, address,
 * port and protocol parsers (xtables.c), the netbase name tables, and the -L number format.
 */

import type { Backend, PortRange } from '../model.ts';
import { PROTOCOLS_TEXT, SERVICES_TEXT } from './netbase.ts';
import { civilFromEpoch } from '../../sim/index.ts';

export const IPTABLES_VERSION = '1.8.9';

/**
 * An iptables failure. `param` errors print `PROG v1.8.9 (BACKEND): MSG` plus the Try line (rc 2);
 * a message ending in '\n' leaves the empty line that libxtables' own messages leave.
 * `plain` errors print the text as is (`iptables: No chain/target/match by that name.`).
 * `version` errors (rc 3) add `Perhaps iptables or your kernel needs to be upgraded.`.
 * `kernel` errors print `PROG v1.8.9 (BACKEND): MSG` without a Try line.
 */
export class IptablesError extends Error {
  constructor(
    readonly kind: 'param' | 'plain' | 'version' | 'kernel' | 'bare-param',
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

export function paramError(message: string): IptablesError {
  return new IptablesError('param', message, 2);
}

/** `Bad argument `x'` style: no program prefix, but the Try line. */
export function bareParamError(message: string): IptablesError {
  return new IptablesError('bare-param', message, 2);
}

export function plainError(message: string, exitCode = 1): IptablesError {
  return new IptablesError('plain', message, exitCode);
}

export function backendLabel(backend: Backend): string {
  return backend === 'nft' ? 'nf_tables' : 'legacy';
}

/** Render an error as iptables prints it on stderr. `prog` is the name in the Try line. */
export function formatError(err: IptablesError, prog: string, backend: Backend, line?: number): string {
  const head = `${prog} v${IPTABLES_VERSION} (${backendLabel(backend)}): `;
  const where = line !== undefined ? `Error occurred at line: ${line}\n` : '';
  const tryLine = `Try \`${prog} -h' or '${prog} --help' for more information.\n`;
  switch (err.kind) {
    case 'param':
      return `${head}${err.message}\n${where}${tryLine}`;
    case 'bare-param':
      return `${err.message}\n${where}${tryLine}`;
    case 'plain':
      return `${err.message}\n`;
    case 'version':
      return `${head}${err.message}\nPerhaps iptables or your kernel needs to be upgraded.\n`;
    case 'kernel':
      return `${head}${err.message}\n`;
  }
}

// ---------------------------------------------------------------------------------------------
// Numbers

/** xtables_strtoui: strtoul base 0 (0x hex, leading-0 octal, decimal), whole string, in range. */
export function strtoui(s: string, min: number, max: number): number | undefined {
  let v: number;
  if (/^0[xX][0-9a-fA-F]+$/.test(s)) v = parseInt(s.slice(2), 16);
  else if (/^0[0-7]*$/.test(s)) v = parseInt(s, 8);
  else if (/^[1-9][0-9]*$/.test(s)) v = Number(s);
  else return undefined;
  if (!Number.isSafeInteger(v) || v < min || v > max) return undefined;
  return v;
}

// ---------------------------------------------------------------------------------------------
// Addresses

/** xtables' __numeric_to_ipaddr: up to four dotted bytes, a short form is a network (`10.1` = 10.1.0.0). */
export function numericToIpaddr(s: string): number | undefined {
  const parts = s.split('.');
  if (parts.length > 4 || parts.length === 0) return undefined;
  const bytes = [0, 0, 0, 0];
  for (let i = 0; i < parts.length; i++) {
    const v = strtoui(parts[i] ?? '', 0, 255);
    if (v === undefined) return undefined;
    bytes[i] = v;
  }
  return (((bytes[0] ?? 0) << 24) | ((bytes[1] ?? 0) << 16) | ((bytes[2] ?? 0) << 8) | (bytes[3] ?? 0)) >>> 0;
}

/** A dotted mask needs all four parts (numeric_to_ipmask). */
function numericToIpmask(s: string): number | undefined {
  if (s.split('.').length !== 4) return undefined;
  return numericToIpaddr(s);
}

export function ipToString(a: number): string {
  return `${(a >>> 24) & 255}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

export function prefixToMask(len: number): number {
  return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}

/** Prefix length of a contiguous mask, or -1 (xtables_ipmask_to_cidr). */
export function maskToCidr(mask: number): number {
  let len = 0;
  let m = mask >>> 0;
  while (len < 32 && (m & 0x80000000) !== 0) {
    len++;
    m = (m << 1) >>> 0;
  }
  return m === 0 ? len : -1;
}

/** xtables_ipmask_to_numeric: '' for /32, '/N', or '/a.b.c.d' for a non-contiguous mask. */
export function maskToText(mask: number): string {
  const cidr = maskToCidr(mask);
  if (cidr === 32) return '';
  if (cidr === -1) return `/${ipToString(mask)}`;
  return `/${cidr}`;
}

/**
 * xtables_ipparse_multiple: `a[/mask][,b[/mask]...]`; each address is ANDed with its mask.
 * lbsim has no resolver, so a name that is not numeric is "not found", as for foo.invalid.
 */
export function parseAddrList(text: string): { addr: number; mask: number }[] {
  const out: { addr: number; mask: number }[] = [];
  for (const item of text.split(',')) {
    const slash = item.indexOf('/');
    const host = slash >= 0 ? item.slice(0, slash) : item;
    let mask = 0xffffffff;
    if (slash >= 0) {
      const m = item.slice(slash + 1);
      if (m.includes('.')) {
        const dm = numericToIpmask(m);
        if (dm === undefined) throw paramError(`host/network \`${m}' not found`);
        mask = dm;
      } else {
        const bits = strtoui(m, 0, 32);
        if (bits === undefined) throw paramError(`invalid mask \`${m}' specified`);
        mask = prefixToMask(bits);
      }
    }
    const addr = host === '' ? undefined : numericToIpaddr(host);
    if (addr === undefined) throw paramError(`host/network \`${host}' not found`);
    const entry = { addr: (addr & mask) >>> 0, mask };
    if (!out.some((e) => e.addr === entry.addr && e.mask === entry.mask)) out.push(entry);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Names: /etc/services and /etc/protocols

interface ServiceEntry {
  name: string;
  port: number;
  proto: string;
  aliases: string[];
}

const SERVICES: ServiceEntry[] = SERVICES_TEXT.split('\n').map((line) => {
  const [name = '', pp = '', ...aliases] = line.split(' ');
  const [port = '0', proto = ''] = pp.split('/');
  return { name, port: Number(port), proto, aliases };
});

const PROTOCOLS: { name: string; num: number; aliases: string[] }[] = PROTOCOLS_TEXT.split('\n').map((line) => {
  const [name = '', num = '0', ...aliases] = line.split(' ');
  return { name, num: Number(num), aliases };
});

/** getservbyport(port, proto)->s_name: the first entry of /etc/services. */
export function portToService(port: number, proto: string): string | undefined {
  return SERVICES.find((s) => s.port === port && s.proto === proto)?.name;
}

/** getservbyname(name, proto). */
export function serviceToPort(name: string, proto: string): number | undefined {
  return SERVICES.find((s) => s.proto === proto && (s.name === name || s.aliases.includes(name)))?.port;
}

/** xtables_parse_port: a service name of `proto`, else a number 0..65535. */
export function parsePort(text: string, proto: string): number {
  const byName = serviceToPort(text, proto);
  if (byName !== undefined) return byName;
  const n = strtoui(text, 0, 65535);
  if (n === undefined) throw paramError(`invalid port/service \`${text}' specified`);
  return n;
}

/** libxt_tcp/udp parse_ports: `p`, `a:b`, `:b`, `a:`. */
export function parsePortRange(text: string, proto: string): PortRange {
  const colon = text.indexOf(':');
  if (colon < 0) {
    const p = parsePort(text, proto);
    return { min: p, max: p };
  }
  const lo = text.slice(0, colon);
  const hi = text.slice(colon + 1);
  const min = lo === '' ? 0 : parsePort(lo, proto);
  const max = hi === '' ? 0xffff : parsePort(hi, proto);
  if (min > max) throw paramError('invalid portrange (min > max)');
  return { min, max };
}

/** print_port: service name unless numeric or unknown. */
export function portText(port: number, proto: string, numeric: boolean): string {
  if (!numeric) {
    const name = portToService(port, proto);
    if (name !== undefined) return name;
  }
  return String(port);
}

/** xtables_chain_protos: the names iptables knows without /etc/protocols. */
const CHAIN_PROTOS: readonly [string, number][] = [
  ['tcp', 6],
  ['sctp', 132],
  ['udp', 17],
  ['udplite', 136],
  ['icmp', 1],
  ['icmpv6', 58],
  ['ipv6-icmp', 58],
  ['esp', 50],
  ['ah', 51],
  ['ipv6-mh', 135],
  ['mh', 135],
  ['all', 0],
];

/** xtables_parse_protocol (the caller has lowercased the text, as iptables does). */
export function parseProtocol(text: string): number {
  const n = strtoui(text, 0, 255);
  if (n !== undefined) return n;
  if (text === 'all') return 0;
  const p = PROTOCOLS.find((e) => e.name === text || e.aliases.includes(text));
  if (p) return p.num;
  const c = CHAIN_PROTOS.find(([name]) => name === text);
  if (c) return c[1];
  throw paramError(`unknown protocol "${text}" specified`);
}

/** proto_to_name(proto, 0): getprotobynumber for proto != 0, then the built-in list ('all' for 0). */
export function protocolName(num: number): string | undefined {
  if (num !== 0) {
    const p = PROTOCOLS.find((e) => e.num === num);
    if (p) return p.name;
  }
  return CHAIN_PROTOS.find(([, n]) => n === num)?.[0];
}

// ---------------------------------------------------------------------------------------------
// -L counters

/** xtables_print_num without FMT_KILOMEGAGIGA... as 1.8.9 does: `%5llu ` or K/M/G/T with rounding. */
export function formatCount(n: number, exact: boolean): string {
  if (exact) return `${String(n).padStart(8)} `;
  if (n <= 99999) return `${String(n).padStart(5)} `;
  const suffixes = ['K', 'M', 'G', 'T'];
  let v = BigInt(Math.round(n));
  let i = 0;
  v = (v + 500n) / 1000n;
  while (v > 9999n && i < 3) {
    v = (v + 500n) / 1000n;
    i++;
  }
  return `${String(v).padStart(4)}${suffixes[i]} `;
}

/** `Chain X (policy ACCEPT n packets, m bytes)`: the same units without padding. */
export function formatPolicyCount(n: number, exact: boolean): string {
  return formatCount(n, exact).trim();
}

/** ctime() in UTC: `Sat Nov 28 12:47:57 2026` (civil-from-days arithmetic, no Date object). */
export function ctimeUtc(epochSec: number): string {
  const c = civilFromEpoch(epochSec);
  const names = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p2 = (x: number): string => String(x).padStart(2, '0');
  return `${names[c.weekday]} ${months[c.month - 1]} ${String(c.day).padStart(2)} ${p2(c.hour)}:${p2(c.minute)}:${p2(c.second)} ${c.year}`;
}
