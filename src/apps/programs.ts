// The HTTP clients as console programs: argv parsing for wget and curl as their real parsers
// accept the lab's command lines, and a per-host Links session. They plug into the shell's
// NetworkClients (src/apps/shell/services.ts).

import type { Host } from '../stack/index.ts';
import { tcpOf } from '../stack/tcp/index.ts';
import { runCurl, type CurlOptions } from './curl.ts';
import type { AppEnv } from './http-common.ts';
import { LinksBrowser, type LinksOptions } from './links.ts';
import type { BrowserSession, ClientProgram, ClientResult, NetworkClients } from './shell/index.ts';
import { runWget, type WgetOptions, type WgetResult } from './wget.ts';

/**
 * The environment a program on `host` runs in: the host's TCP, whether it was attached with
 * attachTcp() or is created now by host.tcp (Linux defaults).
 */
export function appEnvOf(host: Host): AppEnv {
  return { tcp: tcpOf(host) ?? host.tcp, scheduler: host.scheduler, startEpochSec: host.startEpochSec };
}

const WGET_USAGE = "Usage: wget [OPTION]... [URL]...\n\nTry `wget --help' for more options.\n";

type Parsed<T> = { ok: T } | { usage: string; exitCode: number };

/** wget's getopt_long view of the options lbsim models. */
export function parseWgetArgs(argv: readonly string[]): Parsed<{ urls: string[]; opts: Omit<WgetOptions, 'url'> }> {
  const urls: string[] = [];
  const opts: Omit<WgetOptions, 'url'> = {};
  const bad = (msg: string): Parsed<never> => ({ usage: `wget: ${msg}\n${WGET_USAGE}`, exitCode: 2 });
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (name: string): string | undefined => {
      const v = argv[i + 1];
      if (v === undefined) return undefined;
      i++;
      return v;
    };
    const num = (v: string | undefined, what: string): number | Parsed<never> => {
      if (v === undefined || !/^\d+(\.\d+)?$/.test(v)) return bad(`${what}: Invalid number ${JSON.stringify(v ?? '')}.`);
      return Number(v);
    };
    let m: RegExpExecArray | null;
    if (a === '-O' || a === '--output-document') {
      const v = value(a);
      if (v === undefined) return bad(`option requires an argument -- 'O'`);
      opts.output = v;
    } else if ((m = /^-O(.+)$/.exec(a)) !== null) opts.output = m[1]!;
    else if ((m = /^--output-document=(.*)$/.exec(a)) !== null) opts.output = m[1]!;
    else if (a === '-q' || a === '--quiet') opts.quiet = true;
    else if (a === '-nv' || a === '--no-verbose') opts.noVerbose = true;
    else if (a === '-S' || a === '--server-response') opts.serverResponse = true;
    else if (a === '-t' || a === '-T' || (m = /^(-t|-T)(\d.*)$/.exec(a)) !== null || (m = /^--(tries|timeout|connect-timeout)=(.*)$/.exec(a)) !== null) {
      const flag = m === null ? a : m[1]!;
      const n = num(m === null ? value(a) : m[2], flag);
      if (typeof n !== 'number') return n;
      if (flag === '-t' || flag === 'tries') opts.tries = n;
      else opts.connectTimeoutSec = n;
    } else if (a.startsWith('-') && a !== '-') {
      return bad(a.startsWith('--') ? `unrecognized option '${a}'` : `invalid option -- '${a.slice(1, 2)}'`);
    } else urls.push(a);
  }
  if (urls.length === 0) return { usage: `wget: missing URL\n${WGET_USAGE}`, exitCode: 1 };
  return { ok: { urls, opts } };
}

/** `wget [options] URL...`: each URL in turn, one process. */
export const wgetProgram: ClientProgram = (host, argv, done) => {
  const p = parseWgetArgs(argv);
  if ('usage' in p) {
    host.scheduler.after(0, () => done({ stdout: '', stderr: p.usage, exitCode: p.exitCode }));
    return;
  }
  const env = appEnvOf(host);
  const chunks: Uint8Array[] = [];
  const files: Array<{ name: string; data: Uint8Array }> = [];
  let stderr = '';
  let exitCode = 0;
  const step = (i: number): void => {
    if (i >= p.ok.urls.length) {
      const r: ClientResult = { stdout: concat(chunks), stderr, exitCode };
      if (files.length > 0) r.files = files;
      done(r);
      return;
    }
    runWget(env, { ...p.ok.opts, url: p.ok.urls[i]! }, (r: WgetResult) => {
      chunks.push(r.stdoutBytes);
      if (r.savedFile !== undefined) files.push(r.savedFile);
      stderr += r.stderr;
      if (r.exitCode !== 0) exitCode = r.exitCode;
      step(i + 1);
    });
  };
  step(0);
};

const CURL_HINT = "curl: try 'curl --help' or 'curl --manual' for more information\n";

export function parseCurlArgs(argv: readonly string[]): Parsed<CurlOptions & { discard: boolean; outFile?: string }> {
  const o: CurlOptions & { discard: boolean; outFile?: string } = { urls: [], discard: false };
  const headers: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--silent') o.silent = true;
    else if (a === '--show-error') o.showError = true;
    else if (a === '--include') o.include = true;
    else if (a === '--head') o.head = true;
    else if (a === '--fail') o.fail = true;
    else if (a === '-H' || a === '--header' || a === '-o' || a === '--output') {
      const v = argv[++i];
      if (v === undefined) return { usage: `curl: option ${a}: requires parameter\n${CURL_HINT}`, exitCode: 2 };
      if (a === '-H' || a === '--header') headers.push(v);
      else if (v === '/dev/null') o.discard = true;
      else o.outFile = v;
    } else if (/^-[sSiIf]+$/.test(a)) {
      for (const c of a.slice(1)) {
        if (c === 's') o.silent = true;
        else if (c === 'S') o.showError = true;
        else if (c === 'i') o.include = true;
        else if (c === 'I') o.head = true;
        else o.fail = true;
      }
    } else if (a.startsWith('-')) {
      return { usage: `curl: option ${a}: is unknown\n${CURL_HINT}`, exitCode: 2 };
    } else o.urls.push(a);
  }
  if (headers.length > 0) o.headers = headers;
  if (o.urls.length === 0) return { usage: `curl: no URL specified!\n${CURL_HINT}`, exitCode: 2 };
  return { ok: o };
}

/** `curl [options] URL...`: several URLs reuse one connection per server. */
export const curlProgram: ClientProgram = (host, argv, done) => {
  const p = parseCurlArgs(argv);
  if ('usage' in p) {
    host.scheduler.after(0, () => done({ stdout: '', stderr: p.usage, exitCode: p.exitCode }));
    return;
  }
  const { discard, outFile, ...opts } = p.ok;
  runCurl(appEnvOf(host), opts, (r) => {
    const toFile = outFile !== undefined;
    const res: ClientResult = { stdout: discard || toFile ? new Uint8Array(0) : r.stdoutBytes, stderr: r.stderr, exitCode: r.exitCode };
    if (toFile) res.files = [{ name: outFile, data: r.stdoutBytes }];
    done(res);
  });
};

/** A host's Links: load / reload / close over one persistent connection. */
export function linksSession(host: Host, options: LinksOptions = {}): BrowserSession {
  // The interactive browser names its text terminal in the User-Agent (`; text)`).
  const browser = new LinksBrowser(appEnvOf(host), { mode: 'text', ...options });
  const result = (r: { stdout: string; stderr: string; exitCode: number }): ClientResult => ({
    stdout: r.stdout,
    stderr: r.stderr,
    exitCode: r.exitCode,
  });
  return {
    load: (url, done) => browser.open(url, (r) => done(result(r))),
    reload: (done) => browser.reload((r) => done(result(r))),
    close: (done) => {
      browser.close();
      host.scheduler.after(0, () => done({ stdout: '', stderr: '', exitCode: 0 }));
    },
  };
}

/** `links -dump URL`: a one-shot Links process (its own connection, closed as it exits). */
export function linksDumpProgram(host: Host, url: string, done: (r: ClientResult) => void, options: LinksOptions = {}): void {
  const browser = new LinksBrowser(appEnvOf(host), { ...options, mode: 'dump' });
  browser.dump(url, (r) => done({ stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode }));
}

/** The shell's NetworkClients, backed by these programs. */
export function networkClients(links: LinksOptions = {}): NetworkClients {
  return {
    wget: wgetProgram,
    curl: curlProgram,
    browser: (host) => linksSession(host, links),
    linksDump: (host, url, done) => linksDumpProgram(host, url, done, links),
  };
}

function concat(chunks: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const c of chunks) n += c.length;
  const out = new Uint8Array(n);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}
