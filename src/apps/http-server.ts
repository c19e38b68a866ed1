// An Apache 2.4 (Debian, mpm_event) static file server as the reference captures show it
// (LINUX.md "HTTP bytes", FORMATS.md §6): the response header set and order, Date from the virtual
// clock, the ETag recipe, the 404 page, keep-alive only when asked (Keep-Alive: timeout=5, max=N
// counting down from MaxKeepAliveRequests 100), and an idle keep-alive connection closed after
// KeepAliveTimeout (5 s).

import type { Timer } from '../sim/index.ts';
import type { TcpListener, TcpSocket } from '../stack/tcp/index.ts';
import { HttpStreamParser, getHeader, isWireError, type HttpRequest } from '../wire/index.ts';
import { clfDate, imfDate, latin1Bytes, latin1Into, parseHttpDate, wallClock, type AppEnv } from './http-common.ts';

export interface HttpFile {
  body: Uint8Array;
  /**
   * Modification time, epoch seconds (fractions kept to the microsecond, as the ETag shows).
   * Default: 2024-01-01 (the reference pages) when that is before the scenario starts, else
   * midnight of the day before the start, so the page is older than the boot (a file younger
   * than a second at request time gets a weak ETag, as Apache does).
   */
  mtimeSec?: number;
  /** Content-Type; by default from the file name's extension (mime.types). */
  contentType?: string;
}

export interface HttpServerOptions {
  /** Files by absolute path, e.g. `/index.html`. */
  files: ReadonlyMap<string, HttpFile> | Readonly<Record<string, HttpFile>>;
  port?: number;
  /** Bind address; 0 (default) = every address of the host (Listen 80). */
  address?: number;
  /** DirectoryIndex. */
  directoryIndex?: string;
  /** ServerTokens OS: the Server header and the error pages' signature. */
  serverBanner?: string;
  /** ServerName Apache guessed (used in error pages when a request has no Host header). */
  fallbackServerName?: string;
  keepAliveTimeoutNs?: number;
  maxKeepAliveRequests?: number;
  /** Timeout (Debian: 300 s): how long a new connection may wait for its first request. */
  timeoutNs?: number;
  /** Time to answer the first request of a connection (worker hand-off, file lookup). */
  firstResponseDelayNs?: number;
  /** Time to answer a later request on a kept-alive connection. */
  responseDelayNs?: number;
  /** Time to close after the client's FIN. */
  closeDelayNs?: number;
  /** Keep an access log (combined format) in `accessLog`. */
  accessLog?: boolean;
}

/** 2024-01-01T00:00:00Z: the reference pages' mtime (ETag "43-60dd710212000"). */
export const DEFAULT_MTIME_SEC = 1704067200;
export const APACHE_BANNER = 'Apache/2.4.71 (Debian)';

const MIME: Record<string, string> = {
  html: 'text/html',
  htm: 'text/html',
  txt: 'text/plain',
  css: 'text/css',
  js: 'text/javascript',
  json: 'application/json',
  xml: 'application/xml',
  png: 'image/png',
  gif: 'image/gif',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  svg: 'image/svg+xml',
  ico: 'image/vnd.microsoft.icon',
  pdf: 'application/pdf',
};

/** Types Debian's deflate.conf hands to mod_deflate (they get `Vary: Accept-Encoding`). */
const DEFLATE_TYPES = new Set(['text/html', 'text/plain', 'text/xml', 'text/css', 'text/javascript', 'application/javascript', 'application/xml']);

interface Conn {
  sock: TcpSocket;
  parser: HttpStreamParser;
  queue: HttpRequest[];
  busy: boolean;
  /** Responses sent with keep-alive (c->keepalives). */
  keepalives: number;
  served: number;
  timer: Timer | null;
  closing: boolean;
  peerClosed: boolean;
}

export class HttpServer {
  /** Requests answered, and connections accepted, since start. */
  requests = 0;
  connections = 0;
  readonly accessLog: string[] = [];
  private readonly files: Map<string, HttpFile>;
  private readonly listener: TcpListener;
  private readonly o: Required<Omit<HttpServerOptions, 'files' | 'address'>>;
  private readonly open = new Set<Conn>();
  private readonly defaultMtime: number;

  constructor(
    private readonly env: AppEnv,
    options: HttpServerOptions,
  ) {
    this.files = options.files instanceof Map ? new Map(options.files) : new Map(Object.entries(options.files));
    for (const p of this.files.keys()) {
      if (!p.startsWith('/')) throw new Error(`HTTP server file paths must start with '/', got ${JSON.stringify(p)}`);
    }
    this.o = {
      port: options.port ?? 80,
      directoryIndex: options.directoryIndex ?? 'index.html',
      serverBanner: options.serverBanner ?? APACHE_BANNER,
      fallbackServerName: options.fallbackServerName ?? '127.0.0.1',
      keepAliveTimeoutNs: options.keepAliveTimeoutNs ?? 5e9,
      maxKeepAliveRequests: options.maxKeepAliveRequests ?? 100,
      timeoutNs: options.timeoutNs ?? 300e9,
      firstResponseDelayNs: options.firstResponseDelayNs ?? 1_200_000,
      responseDelayNs: options.responseDelayNs ?? 250_000,
      closeDelayNs: options.closeDelayNs ?? 250_000,
      accessLog: options.accessLog ?? false,
    };
    const dayBefore = (Math.floor(env.startEpochSec / 86400) - 1) * 86400;
    this.defaultMtime = DEFAULT_MTIME_SEC < env.startEpochSec ? DEFAULT_MTIME_SEC : dayBefore;
    this.listener = env.tcp.listen(this.o.port, (sock) => this.accept(sock), options.address ?? 0);
  }

  get port(): number {
    return this.o.port;
  }

  /** Connections currently open. */
  get openConnections(): number {
    return this.open.size;
  }

  /** Stops listening (apache2 stop); open connections are closed. */
  stop(): void {
    this.listener.close();
    for (const c of [...this.open]) this.closeConn(c);
  }

  private accept(sock: TcpSocket) {
    this.connections++;
    const c: Conn = {
      sock,
      parser: new HttpStreamParser('request'),
      queue: [],
      busy: false,
      keepalives: 0,
      served: 0,
      timer: null,
      closing: false,
      peerClosed: false,
    };
    this.open.add(c);
    this.arm(c, this.o.timeoutNs);
    // Method shorthand, not arrow properties: tsx would name each arrow (a property definition).
    const server = this;
    return {
      onData(_s: TcpSocket, d: Uint8Array) {
        server.onData(c, d);
      },
      onPeerClose() {
        server.onPeerClose(c);
      },
      onClosed() {
        server.forget(c);
      },
      onError() {
        server.forget(c);
      },
    };
  }

  private onData(c: Conn, d: Uint8Array): void {
    if (c.closing) return;
    const msgs = c.parser.push(d);
    if (isWireError(msgs)) {
      this.sendBadRequest(c);
      return;
    }
    for (const m of msgs) if (m.kind === 'request') c.queue.push(m);
    if (c.queue.length > 0) this.cancelTimer(c);
    this.pump(c);
  }

  private pump(c: Conn): void {
    if (c.busy || c.closing || c.queue.length === 0) return;
    c.busy = true;
    const delay = c.served === 0 ? this.o.firstResponseDelayNs : this.o.responseDelayNs;
    this.env.scheduler.after(delay, () => {
      c.busy = false;
      if (c.closing) return;
      const req = c.queue.shift()!;
      const keep = this.respond(c, req);
      if (!keep) {
        this.closeConn(c);
        return;
      }
      if (c.queue.length > 0) this.pump(c);
      else if (c.peerClosed) this.closeLater(c);
      else this.arm(c, this.o.keepAliveTimeoutNs);
    });
  }

  private onPeerClose(c: Conn): void {
    c.peerClosed = true;
    if (!c.busy && c.queue.length === 0) this.closeLater(c);
  }

  private closeLater(c: Conn): void {
    this.cancelTimer(c);
    this.env.scheduler.after(this.o.closeDelayNs, () => this.closeConn(c));
  }

  private arm(c: Conn, ns: number): void {
    this.cancelTimer(c);
    c.timer = this.env.scheduler.after(ns, () => {
      c.timer = null;
      if (!c.busy && c.queue.length === 0) this.closeConn(c);
    });
  }

  private cancelTimer(c: Conn): void {
    if (c.timer !== null) this.env.scheduler.cancel(c.timer);
    c.timer = null;
  }

  private closeConn(c: Conn): void {
    if (c.closing) return;
    c.closing = true;
    this.cancelTimer(c);
    c.sock.close();
  }

  private forget(c: Conn): void {
    c.closing = true;
    this.cancelTimer(c);
    this.open.delete(c);
  }

  /** Writes the response to `req`; returns whether the connection stays open (ap_set_keepalive). */
  private respond(c: Conn, req: HttpRequest): boolean {
    this.requests++;
    c.served++;
    const now = wallClock(this.env);
    const nowSec = Math.floor(now);
    const head = req.method === 'HEAD';
    const hostValue = getHeader(req, 'Host');
    const { host: sigHost, port: sigPort } = this.signatureHostPort(hostValue, c.sock.localPort);

    let status = 200;
    let reason = 'OK';
    let body: Uint8Array;
    const headers: [string, string][] = [
      ['Date', imfDate(nowSec)],
      ['Server', this.o.serverBanner],
    ];
    let contentType: string | undefined;
    let etag304: string | undefined;
    const file = req.method === 'GET' || head ? this.lookup(req.target) : undefined;
    if (req.method !== 'GET' && !head) {
      status = 405;
      reason = 'Method Not Allowed';
      body = latin1Bytes(this.errorPage(status, reason, `<p>The requested method ${req.method} is not allowed for this URL.</p>`, sigHost, sigPort));
      headers.push(['Allow', 'GET,POST,OPTIONS,HEAD']);
      headers.push(['Content-Length', String(body.length)]);
      contentType = 'text/html; charset=iso-8859-1';
    } else if (file === undefined) {
      status = 404;
      reason = 'Not Found';
      body = latin1Bytes(this.errorPage(status, reason, '<p>The requested URL was not found on this server.</p>', sigHost, sigPort));
      // A HEAD for an error page goes without Content-Length (FORMATS.md §6.2).
      if (!head) headers.push(['Content-Length', String(body.length)]);
      contentType = 'text/html; charset=iso-8859-1';
    } else {
      const { path, f } = file;
      body = f.body;
      const mtime = f.mtimeSec ?? this.defaultMtime;
      const mtimeUs = Math.round(mtime * 1e6);
      // ap_make_etag(): weak while the file is younger than a second at request time.
      const weak = Math.round(now * 1e6) - mtimeUs <= 1_000_000;
      const etag = `${weak ? 'W/' : ''}"${body.length.toString(16)}-${mtimeUs.toString(16)}"`;
      if (notModified(req, etag, Math.floor(mtime), nowSec)) {
        status = 304;
        reason = 'Not Modified';
        body = new Uint8Array(0);
        etag304 = etag;
      }
      headers.push(['Last-Modified', imfDate(Math.floor(mtime))]);
      headers.push(['ETag', etag]);
      headers.push(['Accept-Ranges', 'bytes']);
      headers.push(['Content-Length', String(body.length)]);
      contentType = f.contentType ?? mimeType(path);
      // As measured, only a HEAD shows mod_deflate's Vary for a small compressible file.
      if (head && contentType !== undefined && DEFLATE_TYPES.has(contentType)) headers.push(['Vary', 'Accept-Encoding']);
    }

    // ap_set_keepalive()
    const connection = (getHeader(req, 'Connection') ?? '').toLowerCase();
    const tokens = connection.split(',').map((t) => t.trim());
    const kaSent = tokens.includes('keep-alive');
    const wantsClose = tokens.includes('close');
    const http11 = req.version === 'HTTP/1.1';
    const left = this.o.maxKeepAliveRequests - c.keepalives;
    const keep = !wantsClose && (http11 || kaSent) && left > 0 && !c.peerClosed;
    if (keep) {
      c.keepalives++;
      if (kaSent) {
        headers.push(['Keep-Alive', `timeout=${Math.round(this.o.keepAliveTimeoutNs / 1e9)}, max=${left}`]);
        headers.push(['Connection', 'Keep-Alive']);
      }
    } else {
      headers.push(['Connection', 'close']);
    }
    if (contentType !== undefined) headers.push(['Content-Type', contentType]);
    if (etag304 !== undefined) {
      // ap_http_header_filter: a 304 carries Date and Server, then only these of headers_out, in
      // this order: Connection, Keep-Alive, ETag (no Last-Modified, length or type, no body).
      const kept = (n: string): [string, string][] => headers.filter(([k]) => k === n);
      headers.splice(2, headers.length - 2, ...kept('Connection'), ...kept('Keep-Alive'), ['ETag', etag304]);
    }

    let text = `HTTP/1.1 ${status} ${reason}\r\n`;
    for (const [n, v] of headers) text += `${n}: ${v}\r\n`;
    text += '\r\n';
    // The head's text goes straight into the segment's array (no separate head array and copy).
    const out = new Uint8Array(text.length + (head ? 0 : body.length));
    latin1Into(text, out, 0);
    if (!head) out.set(body, text.length);
    // Apache hands headers and body to the kernel in one writev: one segment for a small page.
    c.sock.write(out);

    if (this.o.accessLog) {
      const ua = getHeader(req, 'User-Agent') ?? '-';
      const referer = getHeader(req, 'Referer') ?? '-';
      this.accessLog.push(
        `${fmtAddr(c.sock.remoteAddr)} - - [${clfDate(nowSec)}] "${req.method} ${req.target} ${req.version}" ${status} ${out.length} "${referer}" "${ua}"`,
      );
    }
    return keep;
  }

  private lookup(target: string): { path: string; f: HttpFile } | undefined {
    let path = target;
    const q = path.indexOf('?');
    if (q >= 0) path = path.slice(0, q);
    if (!path.startsWith('/')) {
      // absolute-form (http://host/path)
      const m = /^https?:\/\/[^/]*(\/.*)?$/i.exec(path);
      if (m === null) return undefined;
      path = m[1] ?? '/';
    }
    try {
      path = decodeURIComponent(path);
    } catch {
      return undefined;
    }
    // Collapse dot segments so /a/../index.html is /index.html and nothing escapes the root.
    const parts: string[] = [];
    for (const seg of path.split('/')) {
      if (seg === '' || seg === '.') continue;
      if (seg === '..') parts.pop();
      else parts.push(seg);
    }
    const norm = '/' + parts.join('/') + (path.endsWith('/') && parts.length > 0 ? '/' : '');
    const direct = this.files.get(norm);
    if (direct !== undefined && !norm.endsWith('/')) return { path: norm, f: direct };
    const dir = norm.endsWith('/') ? norm : `${norm}/`;
    const index = this.files.get(dir + this.o.directoryIndex);
    if (index !== undefined && (norm === '/' || norm.endsWith('/'))) return { path: dir + this.o.directoryIndex, f: index };
    return undefined;
  }

  /** UseCanonicalName Off: the signature names the Host header's host and port. */
  private signatureHostPort(hostHeader: string | undefined, localPort: number): { host: string; port: number } {
    if (hostHeader === undefined || hostHeader === '') return { host: this.o.fallbackServerName, port: localPort };
    const m = /^(.*):(\d+)$/.exec(hostHeader);
    if (m !== null) return { host: m[1]!, port: Number(m[2]) };
    return { host: hostHeader, port: 80 };
  }

  /** Apache's built-in error document (modules/http/http_protocol.c). */
  private errorPage(status: number, reason: string, message: string, host: string, port: number): string {
    return (
      '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN" "http://www.w3.org/TR/html4/strict.dtd">\n' +
      '<html><head>\n' +
      `<title>${status} ${reason}</title>\n` +
      '</head><body>\n' +
      `<h1>${reason}</h1>\n` +
      `${message}\n` +
      '<hr>\n' +
      `<address>${this.o.serverBanner} Server at ${host} Port ${port}</address>\n` +
      '</body></html>\n'
    );
  }

  private sendBadRequest(c: Conn): void {
    const { host, port } = this.signatureHostPort(undefined, c.sock.localPort);
    const body = latin1Bytes(
      this.errorPage(400, 'Bad Request', '<p>Your browser sent a request that this server could not understand.<br />\n</p>', host, port),
    );
    const head =
      `HTTP/1.1 400 Bad Request\r\nDate: ${imfDate(Math.floor(wallClock(this.env)))}\r\nServer: ${this.o.serverBanner}\r\n` +
      `Content-Length: ${body.length}\r\nConnection: close\r\nContent-Type: text/html; charset=iso-8859-1\r\n\r\n`;
    const h = latin1Bytes(head);
    const out = new Uint8Array(h.length + body.length);
    out.set(h, 0);
    out.set(body, h.length);
    c.sock.write(out);
    this.closeConn(c);
  }
}

function mimeType(path: string): string | undefined {
  const dot = path.lastIndexOf('.');
  if (dot < 0 || dot < path.lastIndexOf('/')) return undefined;
  return MIME[path.slice(dot + 1).toLowerCase()];
}

function fmtAddr(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

/**
 * ap_meets_conditions for GET and HEAD of a file: If-None-Match (weak comparison, RFC 9110
 * §13.1.2) decides when present; otherwise If-Modified-Since gives 304 when the file is not newer
 * than the date and the date is not in the future (ap_condition_if_modified_since).
 */
function notModified(req: HttpRequest, etag: string, mtimeSec: number, nowSec: number): boolean {
  const inm = getHeader(req, 'If-None-Match');
  if (inm !== undefined) {
    const opaque = (t: string): string => t.trim().replace(/^W\//, '');
    return inm.trim() === '*' || inm.split(',').some((t) => opaque(t) === opaque(etag));
  }
  const ims = getHeader(req, 'If-Modified-Since');
  if (ims === undefined) return false;
  const imsSec = parseHttpDate(ims);
  return imsSec !== undefined && imsSec >= mtimeSec && imsSec <= nowSec;
}
