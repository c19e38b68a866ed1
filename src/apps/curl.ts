// curl 7.88.1: `curl URL...` fetches each URL in turn, reusing one connection per host:port while
// the server keeps it open (the reference's 5 requests on one stream). Body on stdout; on stderr
// the progress meter (stdout not a terminal, as in the console references) and errors in curl's
// words: `curl: (7) Failed to connect to 10.0.0.1 port 80 after 0 ms: Couldn't connect to server`.

import type { TcpError } from '../stack/tcp/index.ts';
import { getHeader } from '../wire/index.ts';
import { HttpClientConnection, type HttpClientEvent, type HttpResponseInfo } from './http-client.ts';
import { hostHeader, parseHttpUrl, utf8Bytes, utf8Text, type AppEnv, type HttpUrl, type ProgramResult } from './http-common.ts';

export interface CurlOptions {
  urls: string[];
  /** -s */
  silent?: boolean;
  /** -S: show errors even with -s. */
  showError?: boolean;
  /** -i: response headers on stdout too. */
  include?: boolean;
  /** -I: HEAD. */
  head?: boolean;
  /** -f: fail (exit 22) on HTTP errors, no body. */
  fail?: boolean;
  /** Extra request headers (-H 'Name: value'), after curl's own. */
  headers?: string[];
  requestDelayNs?: number;
  nextRequestDelayNs?: number;
  exitDelayNs?: number;
}

export interface CurlResult extends ProgramResult {
  stdoutBytes: Uint8Array;
  /** Local ports of the connections used, in order (one per TCP connection). */
  localPorts: number[];
  httpStatuses: number[];
}

export const CURL_USER_AGENT = 'curl/7.88.1';

export function curlRequest(u: HttpUrl, method = 'GET', extra: string[] = []): string {
  let s = `${method} ${u.path} HTTP/1.1\r\nHost: ${hostHeader(u)}\r\nUser-Agent: ${CURL_USER_AGENT}\r\nAccept: */*\r\n`;
  for (const h of extra) s += `${h}\r\n`;
  return s + '\r\n';
}

export function runCurl(env: AppEnv, opts: CurlOptions, done: (r: CurlResult) => void): void {
  new Curl(env, opts, done).next();
}

const METER_HEADER =
  '  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n' +
  '                                 Dload  Upload   Total   Spent    Left  Speed\n';

/** max5data() in lib/progress.c. */
function max5(n: number): string {
  const K = 1024;
  const M = K * K;
  if (n < 100000) return String(n).padStart(5);
  if (n < 10000 * K) return `${String(Math.floor(n / K)).padStart(4)}k`;
  if (n < 100 * M) return `${String(Math.floor(n / M)).padStart(2)}.${Math.floor((n % M) / (M / 10))}M`;
  if (n < 10000 * M) return `${String(Math.floor(n / M)).padStart(4)}M`;
  return `${String(Math.floor(n / (M * K))).padStart(4)}G`;
}

/** time2str() in lib/progress.c. */
function time2str(seconds: number): string {
  if (seconds <= 0) return '--:--:--';
  const h = Math.floor(seconds / 3600);
  if (h <= 99) {
    const m = Math.floor((seconds - h * 3600) / 60);
    const s = seconds - h * 3600 - m * 60;
    return `${String(h).padStart(2)}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
  }
  const d = Math.floor(seconds / 86400);
  const hh = Math.floor((seconds - d * 86400) / 3600);
  return d <= 999 ? `${String(d).padStart(3)}d ${String(hh).padStart(2, '0')}h` : `${String(d).padStart(7)}d`;
}

/** One meter line (progress_meter()): percentages, sizes, speeds, times. */
export function meterLine(totalSize: number | undefined, received: number, elapsedUs: number): string {
  const speed = elapsedUs < 1 ? received * 1_000_000 : Math.floor((received * 1_000_000) / elapsedUs);
  const known = totalSize !== undefined && totalSize > 0;
  const pct = known ? Math.floor((received * 100) / totalSize) : 0;
  const spent = Math.floor(elapsedUs / 1_000_000);
  const estm = known && speed > 0 ? Math.floor(totalSize / speed) : 0;
  const total = known ? totalSize : 0;
  return (
    `\r${String(pct).padStart(3)} ${max5(total)}  ${String(pct).padStart(3)} ${max5(received)}  ${String(0).padStart(3)} ${max5(0)}  ` +
    `${max5(speed)}  ${max5(0)} ${time2str(estm)} ${time2str(spent)} ${time2str(estm - spent)} ${max5(speed)}`
  );
}

class Curl {
  private idx = 0;
  private stdout: Uint8Array[] = [];
  private stderr = '';
  private exitCode = 0;
  private readonly conns = new Map<string, HttpClientConnection>();
  private readonly localPorts: number[] = [];
  private readonly statuses: number[] = [];
  private finished = false;

  constructor(
    private readonly env: AppEnv,
    private readonly o: CurlOptions,
    private readonly done: (r: CurlResult) => void,
  ) {}

  private get meter(): boolean {
    return !this.o.silent;
  }

  private error(code: number, text: string): void {
    if (!this.o.silent || this.o.showError) this.stderr += `curl: (${code}) ${text}\n`;
    this.exitCode = code;
  }

  next(): void {
    if (this.idx >= this.o.urls.length) {
      this.exit();
      return;
    }
    const raw = this.o.urls[this.idx++]!;
    const u = parseHttpUrl(raw);
    if (typeof u === 'string') {
      this.error(3, 'URL using bad/illegal format or missing URL');
      this.next();
      return;
    }
    if (u.addr === undefined) {
      this.error(6, `Could not resolve host: ${u.host}`);
      this.next();
      return;
    }
    this.transfer(u);
  }

  private transfer(u: HttpUrl): void {
    const start = this.env.scheduler.now;
    if (this.meter) this.stderr += METER_HEADER + meterLine(undefined, 0, 0);
    const key = `${u.addr}:${u.port}`;
    const method = this.o.head ? 'HEAD' : 'GET';
    const request = curlRequest(u, method, this.o.headers ?? []);
    const existing = this.conns.get(key);
    let conn: HttpClientConnection;
    const onEvent = (e: HttpClientEvent): void => {
      if (this.finished) return;
      switch (e.kind) {
        case 'connected':
          this.localPorts.push(conn.sock.localPort);
          this.env.scheduler.after(this.o.requestDelayNs ?? 60_000, () => conn.send(method, request));
          return;
        case 'error':
          this.conns.delete(key);
          this.endMeter(undefined, 0, start);
          if (!conn.connected) this.connectFailed(u, e.error, start);
          else this.error(56, `Recv failure: ${e.error === 'reset' ? 'Connection reset by peer' : 'Connection timed out'}`);
          this.env.scheduler.after(0, () => this.next());
          return;
        case 'closed':
          this.conns.delete(key);
          conn.close();
          this.endMeter(undefined, e.bytesReceived, start);
          if (e.reset) this.error(56, 'Recv failure: Connection reset by peer');
          else if (e.bytesReceived === 0) this.error(52, 'Empty reply from server');
          else this.error(18, 'transfer closed with outstanding read data remaining');
          this.env.scheduler.after(0, () => this.next());
          return;
        case 'idle-close':
          // The server timed the connection out: curl notices on next use and drops it.
          this.conns.delete(key);
          conn.close();
          return;
        case 'response':
          this.onResponse(u, key, conn, e.response, start);
          return;
      }
    };
    if (existing !== undefined && existing.reusable) {
      conn = existing;
      this.rebind(conn, onEvent);
      this.env.scheduler.after(this.o.nextRequestDelayNs ?? 450_000, () => conn.send(method, request));
    } else {
      if (existing !== undefined) existing.close();
      conn = new HttpClientConnection(this.env, u.addr as number, u.port, (e) => this.dispatch(conn, e));
      this.rebind(conn, onEvent);
      this.conns.set(key, conn);
    }
  }

  private readonly handlers = new Map<HttpClientConnection, (e: HttpClientEvent) => void>();

  private rebind(conn: HttpClientConnection, h: (e: HttpClientEvent) => void): void {
    this.handlers.set(conn, h);
  }

  private dispatch(conn: HttpClientConnection, e: HttpClientEvent): void {
    this.handlers.get(conn)?.(e);
  }

  private endMeter(total: number | undefined, received: number, start: number): void {
    if (!this.meter) return;
    this.stderr += `${meterLine(total, received, Math.floor((this.env.scheduler.now - start) / 1000))}\n`;
  }

  private connectFailed(u: HttpUrl, _err: TcpError, start: number): void {
    const ms = Math.floor((this.env.scheduler.now - start) / 1e6);
    this.error(7, `Failed to connect to ${u.host} port ${u.port} after ${ms} ms: Couldn't connect to server`);
  }

  private onResponse(_u: HttpUrl, key: string, conn: HttpClientConnection, r: HttpResponseInfo, start: number): void {
    this.statuses.push(r.status);
    const len = getHeader(r, 'Content-Length');
    const total = len === undefined ? undefined : Number(len);
    if (this.o.fail && r.status >= 400) {
      this.endMeter(total, 0, start);
      this.error(22, `The requested URL returned error: ${r.status}`);
    } else {
      this.endMeter(total, r.body.length, start);
      if (this.o.include || this.o.head) this.stdout.push(utf8Bytes(r.rawHead));
      if (!this.o.head) this.stdout.push(r.body);
    }
    const connection = (getHeader(r, 'Connection') ?? '').toLowerCase();
    if (connection.split(',').some((t) => t.trim() === 'close') || r.version === 'HTTP/1.0') {
      this.conns.delete(key);
      conn.close();
    }
    this.next();
  }

  private exit(): void {
    this.env.scheduler.after(this.o.exitDelayNs ?? 300_000, () => {
      for (const c of this.conns.values()) c.close();
      this.conns.clear();
      this.finished = true;
      let n = 0;
      for (const b of this.stdout) n += b.length;
      const out = new Uint8Array(n);
      let off = 0;
      for (const b of this.stdout) {
        out.set(b, off);
        off += b.length;
      }
      this.done({
        stdout: utf8Text(out),
        stderr: this.stderr,
        exitCode: this.exitCode,
        stdoutBytes: out,
        localPorts: this.localPorts,
        httpStatuses: this.statuses,
      });
    });
  }
}
