// Small pieces the HTTP server and clients share: URLs, calendar dates from epoch seconds (no
// Date: the simulation's clock is virtual), Latin-1 text, and the environment apps run in.

import { civilFromEpoch, daysFromCivil, type Scheduler } from '../sim/index.ts';
import type { TcpError, TcpStack } from '../stack/tcp/index.ts';
import { tryIpv4FromString } from '../wire/index.ts';

/** What a program needs from its host to run. */
export interface AppEnv {
  readonly tcp: TcpStack;
  readonly scheduler: Scheduler;
  /** Wall-clock second of virtual time 0 (dates printed by the programs). */
  readonly startEpochSec: number;
}

/** How a client program ended, for the console. */
export interface ProgramResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface HttpUrl {
  /** The URL as the program prints it (scheme, host, port when given, path). */
  text: string;
  host: string;
  /** The host as an IPv4 address; undefined when it is a name (lbsim has no DNS). */
  addr: number | undefined;
  port: number;
  /** Port written in the URL (it then appears in the Host header). */
  explicitPort: boolean;
  path: string;
}

/** Parses `http://host[:port][/path]` (the scheme may be omitted, as wget and curl allow). */
export function parseHttpUrl(raw: string): HttpUrl | string {
  let rest = raw;
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(rest);
  if (scheme !== null) {
    if (scheme[1]!.toLowerCase() !== 'http') return `unsupported scheme ${JSON.stringify(scheme[1])} (only http:// is modelled)`;
    rest = rest.slice(scheme[0].length);
  }
  const slash = rest.search(/[/?#]/);
  const authority = slash < 0 ? rest : rest.slice(0, slash);
  let path = slash < 0 ? '/' : rest.slice(slash);
  if (path.startsWith('?')) path = '/' + path;
  const hash = path.indexOf('#');
  if (hash >= 0) path = path.slice(0, hash);
  if (path === '') path = '/';
  if (authority === '') return `no host in URL ${JSON.stringify(raw)}`;
  const colon = authority.lastIndexOf(':');
  let host = authority;
  let port = 80;
  let explicitPort = false;
  if (colon >= 0) {
    host = authority.slice(0, colon);
    const p = authority.slice(colon + 1);
    if (!/^\d{1,5}$/.test(p) || Number(p) < 1 || Number(p) > 65535) return `bad port ${JSON.stringify(p)} in URL ${JSON.stringify(raw)}`;
    port = Number(p);
    explicitPort = true;
  }
  if (host === '') return `no host in URL ${JSON.stringify(raw)}`;
  const text = `http://${host}${explicitPort ? `:${port}` : ''}${path}`;
  return { text, host, addr: tryIpv4FromString(host), port, explicitPort, path };
}

/** The Host header value: the port only when the URL named one (curl, wget and links agree). */
export function hostHeader(u: HttpUrl): string {
  return u.explicitPort && u.port !== 80 ? `${u.host}:${u.port}` : u.host;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const p2 = (n: number): string => String(n).padStart(2, '0');

/** RFC 9110 IMF-fixdate, as Apache's Date and Last-Modified: `Sat, 28 Nov 2026 12:49:52 GMT`. */
export function imfDate(epochSec: number): string {
  const c = civilFromEpoch(epochSec);
  return `${DAYS[c.weekday]}, ${p2(c.day)} ${MONTHS[c.month - 1]} ${c.year} ${p2(c.hour)}:${p2(c.minute)}:${p2(c.second)} GMT`;
}

/**
 * Epoch seconds of an HTTP date (IMF-fixdate, RFC 850 or asctime, as apr_date_parse_http reads
 * them), or undefined when the text is none of those.
 */
export function parseHttpDate(text: string): number | undefined {
  const t = text.trim();
  let m = /^[A-Za-z]{3}, (\d{2}) ([A-Za-z]{3}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/.exec(t);
  let day: string | undefined, mon: string | undefined, year: number, hms: string[];
  if (m !== null) {
    [, day, mon] = m;
    year = Number(m[3]);
    hms = [m[4] ?? '', m[5] ?? '', m[6] ?? ''];
  } else if ((m = /^[A-Za-z]+, (\d{2})-([A-Za-z]{3})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) GMT$/.exec(t)) !== null) {
    [, day, mon] = m;
    const yy = Number(m[3]);
    year = yy < 70 ? 2000 + yy : 1900 + yy;
    hms = [m[4] ?? '', m[5] ?? '', m[6] ?? ''];
  } else if ((m = /^[A-Za-z]{3} ([A-Za-z]{3}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/.exec(t)) !== null) {
    mon = m[1];
    day = m[2];
    year = Number(m[6]);
    hms = [m[3] ?? '', m[4] ?? '', m[5] ?? ''];
  } else {
    return undefined;
  }
  const month = MONTHS.findIndex((x) => x.toLowerCase() === (mon ?? '').toLowerCase());
  const d = Number(day);
  const [hh, mm, ss] = hms.map(Number) as [number, number, number];
  if (month < 0 || d < 1 || d > 31 || hh > 23 || mm > 59 || ss > 61) return undefined;
  const days = daysFromCivil(year, month + 1, d); // month is 0-based here
  return days * 86400 + hh * 3600 + mm * 60 + ss;
}

/** `2026-11-28 12:38:11` (wget's timestamps; hosts run on UTC). */
export function isoLocalDate(epochSec: number): string {
  const c = civilFromEpoch(epochSec);
  return `${c.year}-${p2(c.month)}-${p2(c.day)} ${p2(c.hour)}:${p2(c.minute)}:${p2(c.second)}`;
}

/** Apache's access-log time: `28/Nov/2026:13:05:37 +0000`. */
export function clfDate(epochSec: number): string {
  const c = civilFromEpoch(epochSec);
  return `${p2(c.day)}/${MONTHS[c.month - 1]}/${c.year}:${p2(c.hour)}:${p2(c.minute)}:${p2(c.second)} +0000`;
}

/** Wall-clock epoch seconds (fractional) of the current virtual time. */
export function wallClock(env: AppEnv): number {
  return env.startEpochSec + env.scheduler.now / 1e9;
}

export function latin1Bytes(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  latin1Into(s, b, 0);
  return b;
}

/** Writes `s` at buf[off...], a char code a byte (Latin-1): s.length bytes. */
export function latin1Into(s: string, buf: Uint8Array, off: number): void {
  for (let i = 0; i < s.length; i++) buf[off + i] = s.charCodeAt(i) & 0xff;
}

const UTF8_DECODER = new TextDecoder('utf-8');
const UTF8_ENCODER = new TextEncoder();

/** Bytes to text the way a terminal shows a page: UTF-8 (invalid sequences replaced). */
export function utf8Text(b: Uint8Array): string {
  return UTF8_DECODER.decode(b);
}

export function utf8Bytes(s: string): Uint8Array {
  return UTF8_ENCODER.encode(s);
}

/** Latin-1 text of bytes (every byte one character), in chunks to stay within argument limits. */
export function latin1Text(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode.apply(null, b.subarray(i, i + 8192) as unknown as number[]);
  return s;
}

/** strerror() of the errno behind each TCP failure. */
export function strerror(e: TcpError): string {
  switch (e) {
    case 'refused':
      return 'Connection refused';
    case 'timeout':
      return 'Connection timed out';
    case 'unreachable':
      return 'No route to host';
    case 'net-unreachable':
      return 'Network is unreachable';
    case 'reset':
      return 'Connection reset by peer';
  }
}
