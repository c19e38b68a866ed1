import { describe, expect, it } from 'vitest';
import {
  HttpClientConnection,
  HttpServer,
  LinksBrowser,
  dotProgress,
  linksRequest,
  meterLine,
  parseCurlArgs,
  parseHttpUrl,
  parseWgetArgs,
  runCurl,
  runWget,
  wgetRequest,
  type AppEnv,
  type CurlResult,
  type HttpResponseInfo,
  type HttpUrl,
  type WgetResult,
} from '../../src/apps/index.ts';
import { FakeNet } from '../stack/tcp/harness.ts';

const START = 1319625000;
const REF_BYTES = '/work/shared/reference/real-kernel/e3/http-bytes';

function lab(opts: { server?: boolean } = {}) {
  const net = new FakeNet();
  const c = net.addHost('client1', '10.0.0.10');
  const s = net.addHost('server1', '10.0.0.1');
  const env = (tcp: typeof c): AppEnv => ({ tcp, scheduler: net.sched, startEpochSec: START });
  if (opts.server !== false) {
    new HttpServer(env(s), { files: { '/index.html': { body: new TextEncoder().encode('<h1>Hi</h1>\n') }, '/big.bin': { body: new Uint8Array(5000) } } });
  }
  return { net, env: env(c) };
}

const url = (s: string): HttpUrl => parseHttpUrl(s) as HttpUrl;

describe('request bytes', () => {
  it('match the reference streams for wget and links (to 10.0.0.1)', async () => {
    const { readFileSync } = await import('node:fs');
    let refWget: string;
    let refLinks: string;
    try {
      refWget = readFileSync(`${REF_BYTES}/client1-eth0-stream2.c2s.bin`, 'latin1');
      refLinks = readFileSync(`${REF_BYTES}/client1-eth0-stream1.c2s.bin`, 'latin1');
    } catch {
      return; // reference files not present on this machine
    }
    expect(wgetRequest(url('http://10.0.0.1/'))).toBe(refWget);
    expect(linksRequest(url('http://10.0.0.1/'))).toBe(refLinks);
    expect(refLinks.length).toBe(601);
  });

  it('put an explicit port in Host', () => {
    expect(wgetRequest(url('http://10.0.1.1:8080/simple.html'))).toContain('GET /simple.html HTTP/1.1\r\nHost: 10.0.1.1:8080\r\n');
    expect(url('10.0.0.1').text).toBe('http://10.0.0.1/');
  });
});

describe('wget text', () => {
  it('draws the dot progress of a small and a 5000-byte body', () => {
    // 67 bytes in 5.3 us: 12.6e6 B/s = 12.1 MiB/s.
    expect(dotProgress(67, 5.3e-6)).toBe(`     0K${' '.repeat(55)}100% 12.1M=0s`);
    const five = dotProgress(5000, 0.0021);
    expect(five).toBe(`     0K ....${' '.repeat(50)}100% 2.27M=0.002s`);
    expect(five.indexOf('100%')).toBe(62);
  });

  function wget(env: AppEnv, net: FakeNet, u: string, extra = {}): WgetResult {
    let r: WgetResult | undefined;
    runWget(env, { url: u, output: '-', ...extra }, (x) => (r = x));
    net.sched.runWhile(() => r === undefined, 10_000e9);
    return r!;
  }

  it('reports a 404 as wget does (exit 8, no body)', () => {
    const { net, env } = lab();
    const r = wget(env, net, 'http://10.0.0.1/nope');
    expect(r.exitCode).toBe(8);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      '--2011-10-26 10:30:00--  http://10.0.0.1/nope\nConnecting to 10.0.0.1:80... connected.\n' +
        'HTTP request sent, awaiting response... 404 Not Found\n2011-10-26 10:30:00 ERROR 404: Not Found.\n\n',
    );
  });

  it('prints -S headers, a Length with its human size, and -q prints nothing', () => {
    const { net, env } = lab();
    const r = wget(env, net, 'http://10.0.0.1/big.bin', { serverResponse: true });
    expect(r.stderr).toContain('HTTP request sent, awaiting response... \n  HTTP/1.1 200 OK\n  Date: Wed, 26 Oct 2011 10:30:00 GMT\n');
    expect(r.stderr).toContain('Length: 5000 (4.9K)\n');
    expect(r.stdoutBytes.length).toBe(5000);
    const q = wget(env, net, 'http://10.0.0.1/', { quiet: true });
    expect(q.stderr).toBe('');
    expect(q.stdout).toBe('<h1>Hi</h1>\n');
  });

  it('retries a timed-out connect and gives up after -t tries', () => {
    const { net, env } = lab({ server: false });
    net.drop = (s) => s.from === 'client1';
    const r = wget(env, net, 'http://10.0.0.1/', { tries: 2 });
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toBe(
      '--2011-10-26 10:30:00--  http://10.0.0.1/\nConnecting to 10.0.0.1:80... failed: Connection timed out.\nRetrying.\n\n' +
        '--2011-10-26 10:32:12--  (try: 2)  http://10.0.0.1/\nConnecting to 10.0.0.1:80... failed: Connection timed out.\nGiving up.\n\n',
    );
  });

  it('cannot resolve a name (no DNS in the lab)', () => {
    const { net, env } = lab();
    const r = wget(env, net, 'http://server1/');
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toBe(
      '--2011-10-26 10:30:00--  http://server1/\nResolving server1 (server1)... failed: Name or service not known.\nwget: unable to resolve host address \u2018server1\u2019\n',
    );
  });

  it('parses the lab command lines', () => {
    expect(parseWgetArgs(['wget', 'http://10.0.0.1/', '-O', '-'])).toEqual({ ok: { urls: ['http://10.0.0.1/'], opts: { output: '-' } } });
    expect(parseWgetArgs(['wget', '-T', '2', '-t', '1', '-O', '-', 'http://10.0.2.2:81/'])).toEqual({
      ok: { urls: ['http://10.0.2.2:81/'], opts: { connectTimeoutSec: 2, tries: 1, output: '-' } },
    });
    const bad = parseWgetArgs(['wget', '-x', 'u']);
    expect(bad).toEqual({ usage: "wget: invalid option -- 'x'\nUsage: wget [OPTION]... [URL]...\n\nTry `wget --help' for more options.\n", exitCode: 2 });
    expect(parseWgetArgs(['wget'])).toMatchObject({ exitCode: 1 });
  });
});

describe('response head capture', () => {
  it('keeps the header section exactly when its blank line is split across segments', () => {
    const head = 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n';
    for (const cut of [head.length - 3, head.length - 2, head.length - 1]) {
      const net = new FakeNet();
      const c = net.addHost('client1', '10.0.0.10');
      const s = net.addHost('server1', '10.0.0.1');
      s.listen(80, (sock) => ({
        onData: () => {
          const bytes = new TextEncoder().encode(head + 'abc');
          sock.write(bytes.subarray(0, cut));
          net.sched.after(1_000_000, () => sock.write(bytes.subarray(cut)));
        },
      }));
      let got: HttpResponseInfo | undefined;
      const conn: HttpClientConnection = new HttpClientConnection({ tcp: c, scheduler: net.sched, startEpochSec: START }, 0x0a000001, 80, (e) => {
        if (e.kind === 'connected') conn.send('GET', 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
        if (e.kind === 'response') got = e.response;
      });
      net.sched.runFor(1e9);
      expect(got!.rawHead, `cut at ${cut}`).toBe(head);
      expect(new TextDecoder().decode(got!.body)).toBe('abc');
    }
  });
});

describe('curl text', () => {
  it('draws the reference meter line at zero', () => {
    expect(meterLine(undefined, 0, 0)).toBe('\r  0     0    0     0    0     0      0      0 --:--:-- --:--:-- --:--:--     0');
    expect(meterLine(67, 67, 2000)).toBe('\r100    67  100    67    0     0  33500      0 --:--:-- --:--:-- --:--:-- 33500');
    expect(meterLine(5_000_000, 2_500_000, 2_000_000)).toBe('\r 50 4882k   50 2441k    0     0  1220k      0  0:00:04  0:00:02  0:00:02 1220k');
  });

  it('reuses one connection for several URLs and one per server otherwise', () => {
    const { net, env } = lab();
    let r: CurlResult | undefined;
    runCurl(env, { urls: ['http://10.0.0.1/', 'http://10.0.0.1/', 'http://10.0.0.1/nope'], silent: true }, (x) => (r = x));
    net.sched.runWhile(() => r === undefined, 100e9);
    expect(r!.localPorts.length).toBe(1);
    expect(r!.httpStatuses).toEqual([200, 200, 404]);
    expect(r!.exitCode).toBe(0);
    expect(r!.stderr).toBe('');
  });

  it('says Could not resolve host, and parses its flags', () => {
    const { net, env } = lab();
    let r: CurlResult | undefined;
    runCurl(env, { urls: ['http://nowhere/'] }, (x) => (r = x));
    net.sched.runWhile(() => r === undefined, 100e9);
    expect(r!.exitCode).toBe(6);
    expect(r!.stderr).toBe('curl: (6) Could not resolve host: nowhere\n');
    expect(parseCurlArgs(['curl', '-sS', 'http://a/', '-o', '/dev/null'])).toEqual({
      ok: { urls: ['http://a/'], discard: true, silent: true, showError: true },
    });
    expect(parseCurlArgs(['curl', '-v', 'x'])).toEqual({
      usage: "curl: option -v: is unknown\ncurl: try 'curl --help' or 'curl --manual' for more information\n",
      exitCode: 2,
    });
  });
});

describe('links', () => {
  it('keeps the connection to the previous server in its pool until that server times it out', () => {
    const net = new FakeNet();
    const c = net.addHost('client1', '10.0.0.10');
    const a = net.addHost('serverA', '10.0.0.1');
    const b = net.addHost('serverB', '10.0.0.2');
    const env = (tcp: typeof c): AppEnv => ({ tcp, scheduler: net.sched, startEpochSec: START });
    for (const h of [a, b]) new HttpServer(env(h), { files: { '/index.html': { body: new TextEncoder().encode('<h1>Hi</h1>\n') } } });
    const browser = new LinksBrowser(env(c));
    let n = 0;
    browser.open('http://10.0.0.1/', () => n++);
    net.sched.runFor(1e9);
    browser.open('http://10.0.0.2/', () => n++);
    net.sched.runFor(10e9);
    expect(n).toBe(2);
    const fins = net.log.filter((s) => s.flags.includes('F')).map((s) => `${s.from} ${(s.t / 1e9).toFixed(3)}`);
    // serverA closes its idle connection 5 s after its response, then serverB 5 s after its own.
    expect(fins).toEqual(['serverA 5.002', 'client1 5.002', 'serverB 6.002', 'client1 6.002']);
    expect(browser.connectionOpen).toBe(false);
  });

  it('dump closes right after the page; the rendered text is links -dump text', () => {
    const { net, env } = lab();
    const b = new LinksBrowser(env);
    let out = '';
    b.dump('http://10.0.0.1/', (r) => (out = r.stdout));
    net.sched.runFor(1e9);
    expect(out).toBe('                                       Hi\n');
    expect(b.connectionOpen).toBe(false);
    const fins = net.log.filter((s) => s.flags.includes('F'));
    expect(fins.map((s) => s.from)).toEqual(['client1', 'server1']);
  });
});
