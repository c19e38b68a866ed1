// GNU Wget 1.21.3 fetching one URL (`wget URL -O -` and friends): one connection per run, its
// request headers, and its console text as FORMATS.md §7.2 and the console references show it
// (stderr: the log; stdout: the body with -O -). Exit codes: 0 ok, 4 network failure, 8 server
// error response.

import type { Timer } from '../sim/index.ts';
import type { TcpError } from '../stack/tcp/index.ts';
import { getHeader } from '../wire/index.ts';
import { HttpClientConnection, type HttpClientEvent, type HttpResponseInfo } from './http-client.ts';
import { hostHeader, isoLocalDate, parseHttpUrl, strerror, utf8Text, wallClock, type AppEnv, type HttpUrl, type ProgramResult } from './http-common.ts';

export interface WgetOptions {
  url: string;
  /** -O: '-' for stdout; a file name; undefined: the URL's file name (index.html for '/'). */
  output?: string;
  /** -q */
  quiet?: boolean;
  /** -nv */
  noVerbose?: boolean;
  /** -S: print the server's response headers. */
  serverResponse?: boolean;
  /** -t: tries (default 20); 0 = unlimited. */
  tries?: number;
  /** -T / --connect-timeout in seconds (default none: the kernel's SYN retries decide). */
  connectTimeoutSec?: number;
  /** UTF-8 locale (‘’ quotes, the default) or C (''). */
  utf8?: boolean;
  /** Time wget needs to start sending after connect (ns). */
  requestDelayNs?: number;
  /** Time between the last byte and exit (writing out, closing). */
  exitDelayNs?: number;
}

export interface WgetResult extends ProgramResult {
  /** Exact bytes written to stdout (the body with -O -). */
  stdoutBytes: Uint8Array;
  /** A file wget saved (without -O -): name and bytes. */
  savedFile?: { name: string; data: Uint8Array };
  /** HTTP status of the last response, when one arrived. */
  httpStatus?: number;
}

export const WGET_USER_AGENT = 'Wget/1.21.3';

/** wget's request (http.c): exactly these headers, in this order. */
export function wgetRequest(u: HttpUrl): string {
  return (
    `GET ${u.path} HTTP/1.1\r\n` +
    `Host: ${hostHeader(u)}\r\n` +
    `User-Agent: ${WGET_USER_AGENT}\r\n` +
    'Accept: */*\r\n' +
    'Accept-Encoding: identity\r\n' +
    'Connection: Keep-Alive\r\n' +
    '\r\n'
  );
}

/** Runs wget; `done` fires once, when the process would exit. */
export function runWget(env: AppEnv, opts: WgetOptions, done: (r: WgetResult) => void): void {
  new Wget(env, opts, done).start();
}

/** print_decimal() in src/progress.c. */
function printDecimal(n: number): string {
  if (n >= 9.95) return n.toFixed(0);
  if (n >= 0.95) return n.toFixed(1);
  if (n >= 0.001) return String(Number(n.toPrecision(1)));
  if (n >= 0.0005) return n.toFixed(3);
  return '0';
}

/** calc_rate(): bytes per second in 1024-based units. */
function calcRate(bytes: number, secs: number): { rate: number; unit: number } {
  let rate = bytes / secs;
  let unit = 0;
  while (rate >= 1024 && unit < 3) {
    rate /= 1024;
    unit++;
  }
  return { rate, unit };
}

function ratePrecision(r: number): number {
  return r >= 99.95 ? 0 : r >= 9.995 ? 1 : 2;
}

/** retr_rate(): `11.8 MB/s`. */
function retrRate(bytes: number, secs: number): string {
  const { rate, unit } = calcRate(bytes, secs);
  return `${rate.toFixed(ratePrecision(rate))} ${['B/s', 'KB/s', 'MB/s', 'GB/s'][unit]}`;
}

/** The dot progress's speed column: ` 11.8M`. */
function shortRate(bytes: number, secs: number): string {
  const { rate, unit } = calcRate(bytes, secs);
  return ` ${rate.toFixed(ratePrecision(rate)).padStart(4)}${[' ', 'K', 'M', 'G'][unit]}`;
}

/** human_readable(n, 10, 1): `4.9K`, `92K`, `1.2M`. */
function humanReadable(n: number): string {
  const powers = ['K', 'M', 'G', 'T', 'P', 'E'];
  if (n < 1024) return String(n);
  for (let i = 0; i < powers.length; i++) {
    if (n / 1024 < 1024 || i === powers.length - 1) {
      const v = n / 1024;
      return `${v.toFixed(v < 10 ? 1 : 0)}${powers[i]}`;
    }
    n = Math.floor(n / 1024);
  }
  return String(n);
}

/**
 * The default "dot" progress for a non-tty stderr: rows of 50 dots of 1 KiB, a blank every 10,
 * `%6dK` at the start of a row, percentage and speed at its end, `=time` after the last one.
 */
export function dotProgress(total: number, secs: number): string {
  const rowBytes = 50 * 1024;
  let out = '';
  let start = 0;
  for (;;) {
    const remaining = total - start;
    const full = remaining > rowBytes;
    const inRow = full ? rowBytes : Math.max(0, remaining);
    const dots = Math.floor(inRow / 1024);
    out += `${String(start / 1024).padStart(6)}K`;
    for (let i = 0; i < 50; i++) {
      if (i % 10 === 0) out += ' ';
      out += i < dots ? '.' : ' ';
    }
    const pct = total === 0 ? 100 : Math.floor(((start + inRow) * 100) / total);
    out += `${String(pct).padStart(3)}%`;
    const rowSecs = total === 0 ? secs : Math.max((secs * inRow) / total, 1e-9);
    out += shortRate(inRow, rowSecs);
    if (!full) {
      out += `=${secs >= 10 ? etaShort(Math.floor(secs + 0.5)) : `${printDecimal(secs)}s`}`;
      return out;
    }
    start += rowBytes;
    out += ` ${etaShort(Math.round((secs * (total - start)) / total))}\n`;
  }
}

/** eta_to_human_short(secs, condensed). */
function etaShort(secs: number): string {
  if (secs < 100) return `${secs}s`;
  if (secs < 100 * 60) return `${Math.floor(secs / 60)}m${secs % 60}s`;
  if (secs < 48 * 3600) return `${Math.floor(secs / 3600)}h${Math.floor(secs / 60) % 60}m`;
  if (secs < 100 * 86400) return `${Math.floor(secs / 86400)}d${Math.floor(secs / 3600) % 24}h`;
  return `${Math.floor(secs / 86400)}d`;
}

/** Retries after a failed try: wget sleeps 1, 2, ... up to --waitretry (10) seconds. */
function retryWaitNs(count: number): number {
  return Math.min(count - 1, 10) * 1e9;
}

class Wget {
  private stderr = '';
  private stdout: Uint8Array = new Uint8Array(0);
  private count = 0;
  private conn: HttpClientConnection | null = null;
  private connectTimer: Timer | null = null;
  private finished = false;
  private readonly url: HttpUrl | string;
  private readonly tries: number;
  private readonly lq: string;
  private readonly rq: string;

  constructor(
    private readonly env: AppEnv,
    private readonly o: WgetOptions,
    private readonly done: (r: WgetResult) => void,
  ) {
    this.url = parseHttpUrl(o.url);
    this.tries = o.tries ?? 20;
    const utf8 = o.utf8 ?? true;
    this.lq = utf8 ? '\u2018' : "'";
    this.rq = utf8 ? '\u2019' : "'";
  }

  private get verbose(): boolean {
    return !this.o.quiet && !this.o.noVerbose;
  }

  private log(s: string): void {
    if (this.verbose) this.stderr += s;
  }

  private date(): string {
    return isoLocalDate(Math.floor(wallClock(this.env)));
  }

  start(): void {
    const u = this.url;
    if (typeof u === 'string') {
      this.stderr += this.o.quiet ? '' : `${this.o.url}: Invalid URL ${u}.\n`;
      this.finish(1);
      return;
    }
    if (u.addr === undefined) {
      this.log(`--${this.date()}--  ${u.text}\n`);
      this.log(`Resolving ${u.host} (${u.host})... failed: Name or service not known.\n`);
      if (!this.o.quiet) this.stderr += `wget: unable to resolve host address ${this.lq}${u.host}${this.rq}\n`;
      this.finish(4);
      return;
    }
    this.attempt(u);
  }

  private attempt(u: HttpUrl): void {
    this.count++;
    const tryText = this.count > 1 ? `(try:${String(this.count).padStart(2)})  ` : '';
    this.log(`--${this.date()}--  ${tryText}${u.text}\n`);
    this.log(`Connecting to ${u.host}:${u.port}... `);
    const conn = new HttpClientConnection(this.env, u.addr as number, u.port, (e) => this.onEvent(u, conn, e));
    this.conn = conn;
    if (this.o.connectTimeoutSec !== undefined && this.o.connectTimeoutSec > 0) {
      this.connectTimer = this.env.scheduler.after(Math.round(this.o.connectTimeoutSec * 1e9), () => {
        this.connectTimer = null;
        if (!conn.connected) {
          conn.sock.abort();
          this.connectFailed(u, 'timeout');
        }
      });
    }
  }

  private onEvent(u: HttpUrl, conn: HttpClientConnection, e: HttpClientEvent): void {
    if (this.finished || conn !== this.conn) return;
    switch (e.kind) {
      case 'connected':
        this.cancelConnectTimer();
        this.log('connected.\n');
        this.env.scheduler.after(this.o.requestDelayNs ?? 30_000, () => {
          if (this.finished) return;
          conn.send('GET', wgetRequest(u));
          this.log('HTTP request sent, awaiting response... ');
        });
        return;
      case 'error':
        this.cancelConnectTimer();
        if (!conn.connected) this.connectFailed(u, e.error);
        else this.readFailed(u, conn, `Read error (${strerror(e.error)}) in headers.\n`);
        return;
      case 'closed':
        if (e.reset) this.readFailed(u, conn, `Read error (${strerror('reset')}) in headers.\n`);
        else if (e.midResponse) this.readFailed(u, conn, `Read error at byte ${e.bytesReceived} (Success).`);
        else this.readFailed(u, conn, 'No data received.\n');
        return;
      case 'idle-close':
        return;
      case 'response':
        this.onResponse(u, conn, e.response);
        return;
    }
  }

  private cancelConnectTimer(): void {
    if (this.connectTimer !== null) this.env.scheduler.cancel(this.connectTimer);
    this.connectTimer = null;
  }

  private connectFailed(u: HttpUrl, err: TcpError): void {
    this.conn = null;
    this.log(`failed: ${strerror(err)}.\n`);
    // connect.c retryable_socket_connect_error(): refused and unreachable are final.
    if (err === 'timeout') this.retryOrGiveUp(u);
    else this.finish(4);
  }

  private readFailed(u: HttpUrl, conn: HttpClientConnection, message: string): void {
    conn.close();
    this.conn = null;
    this.log(message.endsWith('\n') ? message : `${message}\n`);
    this.retryOrGiveUp(u);
  }

  /** printwhat(): "Retrying." or "Giving up.", then the next try after --waitretry's backoff. */
  private retryOrGiveUp(u: HttpUrl): void {
    if (this.tries !== 0 && this.count >= this.tries) {
      this.log('Giving up.\n\n');
      this.finish(4);
      return;
    }
    this.log('Retrying.\n\n');
    this.env.scheduler.after(retryWaitNs(this.count + 1), () => this.attempt(u));
  }

  private onResponse(u: HttpUrl, conn: HttpClientConnection, r: HttpResponseInfo): void {
    if (this.o.serverResponse) {
      this.log('\n');
      for (const line of r.rawHead.split(/\r?\n/)) if (line !== '') this.log(`  ${line}\n`);
    } else {
      this.log(`${r.status} ${r.reason}\n`);
    }
    if (r.status >= 400) {
      this.log(`${this.date()} ERROR ${r.status}: ${r.reason}.\n\n`);
      this.exitAfter(conn, 8, r.status);
      return;
    }
    // http.c keeps the media type only: `text/html; charset=iso-8859-1` prints as [text/html].
    const type = getHeader(r, 'Content-Type')?.split(';')[0]?.trim();
    const len = getHeader(r, 'Content-Length');
    const size = len === undefined ? 'unspecified' : Number(len) >= 1024 ? `${len} (${humanReadable(Number(len))})` : len;
    this.log(`Length: ${size}${type === undefined ? '' : ` [${type}]`}\n`);
    const toStdout = this.o.output === '-';
    const fileName = this.o.output ?? defaultFileName(u.path);
    this.log(`Saving to: ${this.lq}${toStdout ? 'STDOUT' : fileName}${this.rq}\n\n`);
    // The body's download time: what arrived after the header section, plus the copy itself.
    const secs = (r.doneNs - r.firstByteNs) / 1e9 + 5e-6;
    const n = r.body.length;
    const shown = len === undefined ? `[${n}]` : `[${n}/${len}]`;
    if (this.verbose) {
      this.log(`${dotProgress(n, secs)}\n\n`);
      this.log(`${this.date()} (${retrRate(n, secs)}) - ${toStdout ? 'written to stdout' : `${this.lq}${fileName}${this.rq} saved`} ${shown}\n\n`);
    }
    if (this.o.noVerbose && !this.o.quiet) {
      this.stderr += `${this.date()} URL:${u.text} [${n}${len === undefined ? '' : `/${len}`}] -> "${toStdout ? '-' : fileName}" [1]\n`;
    }
    if (toStdout) this.stdout = r.body;
    this.exitAfter(conn, 0, r.status, toStdout ? undefined : { name: fileName, data: r.body });
  }

  private exitAfter(conn: HttpClientConnection, code: number, status: number, saved?: { name: string; data: Uint8Array }): void {
    this.env.scheduler.after(this.o.exitDelayNs ?? 1_200_000, () => {
      conn.close();
      this.finish(code, status, saved);
    });
  }

  private finish(code: number, status?: number, saved?: { name: string; data: Uint8Array }): void {
    if (this.finished) return;
    this.finished = true;
    this.cancelConnectTimer();
    const r: WgetResult = { stdout: utf8Text(this.stdout), stderr: this.stderr, exitCode: code, stdoutBytes: this.stdout };
    if (status !== undefined) r.httpStatus = status;
    if (saved !== undefined) r.savedFile = saved;
    this.done(r);
  }
}

/** url_file_name(): the last path segment, index.html for a directory. */
function defaultFileName(path: string): string {
  const q = path.indexOf('?');
  const p = q >= 0 ? path.slice(0, q) : path;
  const last = p.slice(p.lastIndexOf('/') + 1);
  return last === '' ? 'index.html' : last;
}
