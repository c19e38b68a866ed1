// Links 2.28 as the lab uses it: open a URL on a persistent HTTP/1.1 connection, reload it on the
// same connection while the server keeps it open (a new one once the server closed it, e.g. after
// Apache's 5 s KeepAliveTimeout), close it. Pages print as `links -dump` renders them. The request
// is byte for byte the reference's (e3/http-bytes stream 1, 601 bytes to 10.0.0.1).

import { getHeader } from '../wire/index.ts';
import { HttpClientConnection, type HttpClientEvent, type HttpResponseInfo } from './http-client.ts';
import { hostHeader, parseHttpUrl, strerror, utf8Text, type AppEnv, type HttpUrl, type ProgramResult } from './http-common.ts';
import { linksDump } from './linksdump.ts';

export interface LinksOptions {
  /** HTML -> text as `links -dump` prints it; default: linksDump at `width`. */
  render?: (html: string) => string;
  width?: number;
  /** The system part of the User-Agent (uname as links formats it). */
  system?: string;
  /** 'dump' for `links -dump`, 'text' for the interactive text-mode browser. */
  mode?: 'dump' | 'text';
  /** Time links takes between connect and sending its request. */
  requestDelayNs?: number;
  /** `links -dump`: time between the page's last byte and closing (render, exit). */
  exitDelayNs?: number;
  /** Time links takes to close its side after the server closed an idle connection. */
  peerCloseDelayNs?: number;
}

export interface LinksResult extends ProgramResult {
  httpStatus?: number;
  /** Whether this load went over the connection the previous one used. */
  reusedConnection: boolean;
  /** Local port of the connection that carried the load (0 when none). */
  localPort: number;
}

const urlKey = (u: HttpUrl): string => `${u.addr}:${u.port}${u.path}`;

export const LINKS_SYSTEM = 'Linux 6.18.44-fc-v782 x86_64; GNU C 12.2';

const ACCEPT_CHARSET =
  'us-ascii,ISO-8859-1,ISO-8859-2,ISO-8859-3,ISO-8859-4,ISO-8859-5,ISO-8859-6,ISO-8859-7,ISO-8859-8,ISO-8859-9,' +
  'ISO-8859-10,ISO-8859-13,ISO-8859-14,ISO-8859-15,ISO-8859-16,windows-1250,windows-1251,windows-1252,windows-1256,' +
  'windows-1257,cp437,cp737,cp850,cp852,cp866,x-cp866-u,x-mac,x-mac-ce,x-kam-cs,koi8-r,koi8-u,koi8-ru,TCVN-5712,VISCII,utf-8';

// Links' cache levels (sched.c NC_*): how hard a load bypasses the cache. Opening a URL loads it
// at NC_CACHE; each ctrl+R goes one level up (session.c reload(ses, -1): ++reloadlevel).
const NC_CACHE = 1;
const NC_IF_MOD = 2;
const NC_PR_NO_CACHE = 4;

/** What Links' cache holds of a page, as far as the next request depends on it. */
interface LinksCacheEntry {
  status: number;
  /** e->last_modified: the first response's Last-Modified, else its Date. */
  lastModified: string | undefined;
  response: HttpResponseInfo;
}

/**
 * Links' request (http.c http_send_header). On a reload (`noCache` above NC_CACHE) of a page in
 * its cache: If-Modified-Since with the cached Last-Modified at NC_IF_MOD (the first ctrl+R), and
 * Pragma/Cache-Control no-cache from NC_PR_NO_CACHE (the third), both after Connection.
 */
export function linksRequest(
  u: HttpUrl,
  system = LINKS_SYSTEM,
  mode: 'dump' | 'text' = 'dump',
  cache: { noCache: number; lastModified?: string | undefined } = { noCache: NC_CACHE },
): string {
  let conditional = '';
  if (cache.lastModified !== undefined && cache.noCache <= NC_IF_MOD) conditional += `If-Modified-Since: ${cache.lastModified}\r\n`;
  if (cache.noCache >= NC_PR_NO_CACHE) conditional += 'Pragma: no-cache\r\nCache-Control: no-cache\r\n';
  return (
    `GET ${u.path} HTTP/1.1\r\n` +
    `Host: ${hostHeader(u)}\r\n` +
    `User-Agent: Links (2.28; ${system}; ${mode})\r\n` +
    'Accept: */*\r\n' +
    'Accept-Language: en,*;q=0.1\r\n' +
    'Accept-Encoding: gzip, deflate, br, zstd, bzip2, lzma, lzma2, lzip\r\n' +
    `Accept-Charset: ${ACCEPT_CHARSET}\r\n` +
    'Connection: keep-alive\r\n' +
    conditional +
    '\r\n'
  );
}

/**
 * One Links process with its connection pool: a page load reuses the idle kept-alive connection to
 * the same server, or opens a new one; connections to other servers stay in the pool until the
 * server closes them (Apache's KeepAliveTimeout) or links quits.
 */
export class LinksBrowser {
  private readonly pool = new Map<string, HttpClientConnection>();
  /** The connection that carried the current page. */
  private current: HttpClientConnection | null = null;
  private url: HttpUrl | null = null;
  private pending: ((e: HttpClientEvent) => void) | null = null;
  private pendingConn: HttpClientConnection | null = null;
  private readonly render: (html: string) => string;
  /** ses->reloadlevel. */
  private reloadLevel = NC_CACHE;
  /** The document cache, by URL (a links process keeps it until it quits). */
  private readonly cache = new Map<string, LinksCacheEntry>();

  constructor(
    private readonly env: AppEnv,
    private readonly o: LinksOptions = {},
  ) {
    const width = o.width;
    this.render = o.render ?? ((html) => linksDump(html, width === undefined ? {} : { width }));
  }

  /** True while links holds an open connection (in its pool). */
  get connectionOpen(): boolean {
    return this.pool.size > 0;
  }

  /** Local port of the current page's connection while it is open, or 0. */
  get localPort(): number {
    const c = this.current;
    return c !== null && [...this.pool.values()].includes(c) ? c.sock.localPort : 0;
  }

  /** `links URL`: load a page (over the pooled connection to that server when it is still open). */
  open(rawUrl: string, done: (r: LinksResult) => void): void {
    const u = parseHttpUrl(rawUrl);
    if (typeof u === 'string') {
      done({ stdout: '', stderr: 'Bad URL\n', exitCode: 1, reusedConnection: false, localPort: 0 });
      return;
    }
    if (u.addr === undefined) {
      done({ stdout: '', stderr: 'Host not found\n', exitCode: 1, reusedConnection: false, localPort: 0 });
      return;
    }
    this.url = u;
    this.reloadLevel = NC_CACHE;
    // load_url at NC_CACHE: a complete document in the cache is shown without asking the server
    // (aggressive_cache, Links' default, ignores expiry).
    const cached = this.cache.get(urlKey(u));
    if (cached !== undefined) {
      this.env.scheduler.after(0, () => done(this.page(cached.response, cached.status, false, this.localPort)));
      return;
    }
    this.load(u, done);
  }

  /** ctrl+R: load the current page again. */
  reload(done: (r: LinksResult) => void): void {
    if (this.url === null) {
      done({ stdout: '', stderr: 'No page to reload\n', exitCode: 1, reusedConnection: false, localPort: 0 });
      return;
    }
    this.reloadLevel++;
    this.load(this.url, done);
  }

  /** Closes every connection (the lab: quit links; the seed: ctrl+S); the process ends with its cache. */
  close(): void {
    for (const c of [...this.pool.values()]) this.drop(c);
    this.current = null;
    this.cache.clear();
  }

  /** `links -dump URL`: load, print, exit (closing the connection). */
  dump(rawUrl: string, done: (r: LinksResult) => void): void {
    this.open(rawUrl, (r) => {
      this.env.scheduler.after(this.o.exitDelayNs ?? 700_000, () => {
        this.close();
        done(r);
      });
    });
  }

  private load(u: HttpUrl, done: (r: LinksResult) => void): void {
    const key = `${u.addr}:${u.port}`;
    const pooled = this.pool.get(key);
    const reuse = pooled !== undefined && pooled.reusable && !pooled.busy;
    if (pooled !== undefined && !reuse) this.drop(pooled);
    const cacheKey = urlKey(u);
    const cached = this.cache.get(cacheKey);
    const noCache = this.reloadLevel;
    // http_send_header: no If-Modified-Since after an error page (code >= 400).
    const lastModified = cached !== undefined && cached.status < 400 ? cached.lastModified : undefined;
    const request = linksRequest(u, this.o.system ?? LINKS_SYSTEM, this.o.mode ?? 'dump', { noCache, lastModified });
    let answered = false;
    const finish = (r: LinksResult): void => {
      if (answered) return;
      answered = true;
      this.pending = null;
      this.pendingConn = null;
      done(r);
    };
    const fail = (message: string): void => finish({ stdout: '', stderr: `${message}\n`, exitCode: 1, reusedConnection: reuse, localPort: 0 });
    const conn = reuse ? pooled : new HttpClientConnection(this.env, u.addr as number, u.port, (e) => this.onEvent(conn, key, e));
    this.pool.set(key, conn);
    this.current = conn;
    this.pendingConn = conn;
    this.pending = (e) => {
      switch (e.kind) {
        case 'connected':
          this.env.scheduler.after(this.o.requestDelayNs ?? 375_000, () => conn.send('GET', request));
          return;
        case 'error':
          this.forget(conn);
          fail(strerror(e.error));
          return;
        case 'closed':
          this.drop(conn);
          fail(e.reset ? strerror('reset') : 'Error reading from socket');
          return;
        case 'idle-close':
          return;
        case 'response':
          finish(this.page(this.remember(cacheKey, e.response), e.response.status, reuse, conn.sock.localPort));
          if (this.closesAfter(e.response)) this.drop(conn);
          return;
      }
    };
    if (reuse) conn.send('GET', request);
  }

  private onEvent(conn: HttpClientConnection, key: string, e: HttpClientEvent): void {
    if (this.pool.get(key) !== conn) return;
    if (conn === this.pendingConn && this.pending !== null) {
      this.pending(e);
      return;
    }
    if (e.kind === 'idle-close' || e.kind === 'closed' || e.kind === 'error') {
      // The server closed a kept-alive connection: links closes its end too.
      this.env.scheduler.after(this.o.peerCloseDelayNs ?? 100_000, () => {
        if (this.pool.get(key) === conn) this.drop(conn);
      });
    }
  }

  private closesAfter(r: HttpResponseInfo): boolean {
    const c = (getHeader(r, 'Connection') ?? '').toLowerCase();
    return c.split(',').some((t) => t.trim() === 'close');
  }

  /**
   * Updates the cache with a response and returns what Links shows: on 304 Not Modified the cached
   * document (http_got_header ends the request with the cache entry kept).
   */
  private remember(key: string, r: HttpResponseInfo): HttpResponseInfo {
    const old = this.cache.get(key);
    if (r.status === 304 && old !== undefined) return old.response;
    const lm = getHeader(r, 'Last-Modified');
    // e->last_modified is kept unless the server now says another date (then the entry is new).
    const keep = old !== undefined && old.lastModified !== undefined && (lm === undefined || lm.toLowerCase() === old.lastModified.toLowerCase());
    const lastModified = keep ? old.lastModified : (lm ?? getHeader(r, 'Date'));
    this.cache.set(key, { status: r.status, lastModified, response: r });
    return r;
  }

  private page(r: HttpResponseInfo, status: number, reused: boolean, port: number): LinksResult {
    const text = utf8Text(r.body);
    return { stdout: this.render(text), stderr: '', exitCode: 0, httpStatus: status, reusedConnection: reused, localPort: port };
  }

  /** Removes a connection from the pool without closing it (it failed). */
  private forget(c: HttpClientConnection): void {
    for (const [k, v] of this.pool) if (v === c) this.pool.delete(k);
  }

  private drop(c: HttpClientConnection): void {
    this.forget(c);
    c.close();
  }
}
