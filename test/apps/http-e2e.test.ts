// End to end: hosts, TCP, the Apache-like server and the clients, checked against the real-kernel
// reference captures and by tshark (0 malformed, 0 bad checksums, no TCP analysis flags).

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LinksBrowser, linksDumpProgram, runCurl, runWget, type CurlResult, type LinksResult, type WgetResult } from '../../src/apps/index.ts';
import { requireTsharkOrSkip, tsharkCheck, tsharkFields } from '../support/tshark.ts';
import { buildLab, runUntil, type Lab } from './e2e-support.ts';

const REF = '/work/shared/reference/real-kernel';
const refAvailable = (() => {
  try {
    readdirSync(REF);
    return true;
  } catch {
    return false;
  }
})();

const FIELDS = ['frame.len', 'eth.type', 'ip.id', 'ip.ttl', 'tcp.flags.str', 'tcp.window_size_value', 'tcp.len', 'tcp.stream', 'tcp.options'];

interface Row {
  len: number;
  arp: boolean;
  ipId: string;
  ttl: string;
  flags: string;
  win: string;
  tcpLen: string;
  stream: string;
  options: string;
}

function rows(file: string, filter?: string): Row[] {
  return tsharkFields(file, FIELDS, filter === undefined ? {} : { filter }).map((r) => ({
    len: Number(r['frame.len']![0]),
    arp: r['eth.type']![0] === '0x0806',
    ipId: r['ip.id']?.[0] ?? '',
    ttl: r['ip.ttl']?.[0] ?? '',
    flags: (r['tcp.flags.str']?.[0] ?? '').replace(/·/g, ''),
    win: r['tcp.window_size_value']?.[0] ?? '',
    tcpLen: r['tcp.len']?.[0] ?? '',
    stream: r['tcp.stream']?.[0] ?? '',
    options: r['tcp.options']?.[0] ?? '',
  }));
}

/** The frame pattern: length, flags and window of each TCP frame; ARP as `ARP`. */
function pattern(rs: Row[]): string[] {
  return rs.map((r) => (r.arp ? `ARP ${r.len}` : `${r.len} ${r.flags} win=${r.win}`));
}

/** The SYN/SYN-ACK option bytes with the timestamp values masked. */
function maskTs(options: string): string {
  return options.replace(/080a([0-9a-f]{8})([0-9a-f]{8})/, (_m, v: string, e: string) => `080a${v === '00000000' ? 'Z' : 'T'}${e === '00000000' ? 'Z' : 'T'}`);
}

/**
 * tshark finds nothing wrong. `allowed` lists expert messages a scenario causes on purpose
 * (a refused connection's RST is flagged "Connection reset (RST)").
 */
function expectClean(dir: string, allowRetransmissions = false, allowed: string[] = []): void {
  const names = readdirSync(dir).filter((n) => n.endsWith('.pcap') || n.endsWith('.pcapng'));
  expect(names.length).toBeGreaterThan(2);
  for (const n of names) {
    const rep = tsharkCheck(join(dir, n));
    expect(rep.stderr, n).toBe('');
    expect(rep.malformed, n).toEqual([]);
    expect(rep.badChecksums, n).toEqual([]);
    if (!allowRetransmissions) {
      expect(rep.warnings.filter((w) => !allowed.includes(w.message)), n).toEqual([]);
      // The merged pcapng sees each frame once per interface, so tshark's TCP analysis only means
      // something per interface and per domain.
      if (!n.endsWith('.pcapng')) {
        expect(rep.analysisFlags.filter((f) => !f.messages.every((m) => allowed.includes(m))), n).toEqual([]);
      }
    }
  }
}

function wget(lab: Lab, url: string, extra: Partial<Parameters<typeof runWget>[1]> = {}): WgetResult {
  let r: WgetResult | undefined;
  runWget(lab.clientEnv, { url, output: '-', ...extra }, (x) => (r = x));
  runUntil(lab.net, () => r !== undefined, 4000);
  return r!;
}

function curl(lab: Lab, urls: string[]): CurlResult {
  let r: CurlResult | undefined;
  runCurl(lab.clientEnv, { urls }, (x) => (r = x));
  runUntil(lab.net, () => r !== undefined, 4000);
  return r!;
}

function links(lab: Lab, b: LinksBrowser, url?: string): LinksResult {
  let r: LinksResult | undefined;
  if (url === undefined) b.reload((x) => (r = x));
  else b.open(url, (x) => (r = x));
  runUntil(lab.net, () => r !== undefined, 4000);
  return r!;
}

const PAGE = '<html><body><h1>This reply comes from server 1!</h1></body></html>\n';

describe('a page fetch on two hosts (wget, as the reference stream 2)', () => {
  const lab = buildLab('two');
  const r = wget(lab, 'http://10.0.0.1/');
  lab.net.scheduler.runFor(2e9);
  const dir = lab.writeCaptures();

  it('prints what wget prints', () => {
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(PAGE);
    expect(r.stderr).toMatch(
      new RegExp(
        '^--2011-10-26 10:30:00--  http://10\\.0\\.0\\.1/\\n' +
          'Connecting to 10\\.0\\.0\\.1:80\\.\\.\\. connected\\.\\n' +
          'HTTP request sent, awaiting response\\.\\.\\. 200 OK\\n' +
          'Length: 67 \\[text/html\\]\\n' +
          'Saving to: \u2018STDOUT\u2019\\n\\n' +
          '     0K {55}100% +\\d+\\.\\dM=0s\\n\\n' +
          '2011-10-26 10:30:00 \\(\\d+\\.\\d MB/s\\) - written to stdout \\[67/67\\]\\n\\n$',
      ),
    );
  });

  it('passes tshark: no malformed frames, no bad checksums, no TCP analysis flags', (ctx) => {
    requireTsharkOrSkip(ctx);
    expectClean(dir);
  });

  it('has the reference frame pattern, option bytes and windows', (ctx) => {
    requireTsharkOrSkip(ctx);
    const ours = rows(join(dir, 'client1-eth0.pcap'));
    expect(pattern(ours)).toEqual([
      'ARP 42',
      'ARP 42',
      '74 S win=64240',
      '74 AS win=65160',
      '66 A win=502',
      '189 AP win=502',
      '66 A win=509',
      '416 AP win=509',
      '66 A win=501',
      '66 AF win=501',
      '66 AF win=509',
      '66 A win=501',
    ]);
    if (!refAvailable) return;
    const ref = rows(join(REF, 'e3/client1-eth0.pcap'), 'tcp.stream == 2');
    expect(pattern(ours.filter((x) => !x.arp))).toEqual(pattern(ref));
    const tcp = ours.filter((x) => !x.arp);
    expect(maskTs(tcp[0]!.options)).toBe(maskTs(ref[0]!.options));
    expect(maskTs(tcp[1]!.options)).toBe(maskTs(ref[1]!.options));
    expect(maskTs(tcp[0]!.options)).toBe('020405b40402080aTZ01030307');
    for (let i = 2; i < tcp.length; i++) expect(tcp[i]!.options.slice(0, 8)).toBe('0101080a');
  });

  it('has the reference IP ID behaviour: +1 per segment per side, 0 on the SYN-ACK', (ctx) => {
    requireTsharkOrSkip(ctx);
    const tcp = rows(join(dir, 'client1-eth0.pcap')).filter((x) => !x.arp);
    const cli = tcp.filter((_x, i) => [0, 2, 3, 6, 7, 9].includes(i)).map((x) => parseInt(x.ipId, 16));
    const srv = tcp.filter((_x, i) => [1, 4, 5, 8].includes(i)).map((x) => parseInt(x.ipId, 16));
    for (let i = 1; i < cli.length; i++) expect(cli[i]).toBe((cli[0]! + i) & 0xffff);
    expect(srv[0]).toBe(0);
    for (let i = 2; i < srv.length; i++) expect(srv[i]).toBe((srv[1]! + i - 1) & 0xffff);
    for (const x of tcp) expect(x.ttl).toBe('64');
  });

  it('sends the reference request and response bytes (but the Date and dates)', () => {
    if (!refAvailable) return;
    const files = lab.files();
    expect(files.has('client1-eth0.pcap')).toBe(true);
    const req = readFileSync(join(REF, 'e3/http-bytes/client1-eth0-stream2.c2s.bin'), 'latin1');
    expect(req).toContain('User-Agent: Wget/1.21.3');
    const resp = readFileSync(join(REF, 'e3/http-bytes/client1-eth0-stream2.s2c.bin'), 'latin1');
    const norm = (s: string) =>
      s
        .replace(/^Date: .*$/m, 'Date: D')
        .replace(/^Last-Modified: .*$/m, 'Last-Modified: L')
        .replace(/^ETag: "43-[0-9a-f]+"/m, 'ETag: "43-E"');
    // Our response to wget's exact request, taken from the capture's TCP payload.
    const payloads = tsharkFields(join(dir, 'client1-eth0.pcap'), ['tcp.payload'], { filter: 'tcp.len > 0' }).map((x) =>
      Buffer.from(x['tcp.payload']![0]!.replace(/:/g, ''), 'hex').toString('latin1'),
    );
    expect(payloads[0]).toBe(req);
    expect(norm(payloads[1]!)).toBe(norm(resp.replace('server 1!', 'server 1!')));
  });
});

describe('a page fetch through a router (curl)', () => {
  const lab = buildLab('routed');
  const r = curl(lab, ['http://100.0.0.1/']);
  lab.net.scheduler.runFor(2e9);
  const dir = lab.writeCaptures();

  it('gets the page with curl output and its progress meter', () => {
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(PAGE);
    expect(r.stderr).toMatch(/^ {2}% Total {4}% Received % Xferd {2}Average Speed {3}Time {4}Time {5}Time {2}Current\n/);
    expect(r.stderr).toMatch(/\r {2}0 {5}0 {4}0 {5}0 {4}0 {5}0 {6}0 {6}0 --:--:-- --:--:-- --:--:-- {5}0\r100 {4}67 {2}100 {4}67 {4}0 {5}0 +\d+ {6}0 --:--:-- --:--:-- --:--:-- +\d+\n$/);
  });

  it('passes tshark on every capture', (ctx) => {
    requireTsharkOrSkip(ctx);
    expectClean(dir);
  });

  it('shows the reference pattern on both sides; the router lowers TTL and keeps IP IDs', (ctx) => {
    requireTsharkOrSkip(ctx);
    const c = rows(join(dir, 'client1-eth0.pcap')).filter((x) => !x.arp);
    const s = rows(join(dir, 'server1-eth0.pcap')).filter((x) => !x.arp);
    // curl's 72-byte request plus "100.0.0.1" (one more character than the reference's 10.0.0.1),
    // and Apache's 294-byte answer without keep-alive headers (reference e1).
    const expected = ['74 S', '74 AS', '66 A', '139 AP', '66 A', '360 AP', '66 A', '66 AF', '66 AF', '66 A'];
    expect(c.map((x) => `${x.len} ${x.flags}`)).toEqual(expected);
    expect(s.map((x) => `${x.len} ${x.flags}`)).toEqual(expected);
    // client-sent frames: TTL 64 at the client, 63 at the server; server-sent: the reverse.
    const fromClient = [0, 2, 3, 6, 7, 9];
    for (let i = 0; i < c.length; i++) {
      const cs = fromClient.includes(i);
      expect(c[i]!.ttl).toBe(cs ? '64' : '63');
      expect(s[i]!.ttl).toBe(cs ? '63' : '64');
      expect(s[i]!.ipId).toBe(c[i]!.ipId);
    }
  });
});

describe('keep-alive: curl with five URLs (reference stream 0)', () => {
  const lab = buildLab('two');
  const url = 'http://10.0.0.1/';
  const r = curl(lab, [url, url, url, url, url]);
  lab.net.scheduler.runFor(2e9);
  const dir = lab.writeCaptures();

  it('uses one connection for the five requests', () => {
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(PAGE.repeat(5));
    expect(r.localPorts.length).toBe(1);
  });

  it('matches the reference frame pattern: no separate ACKs after the first exchange', (ctx) => {
    requireTsharkOrSkip(ctx);
    expectClean(dir);
    const ours = rows(join(dir, 'client1-eth0.pcap')).filter((x) => !x.arp);
    expect(new Set(ours.map((x) => x.stream))).toEqual(new Set(['0']));
    if (!refAvailable) return;
    const ref = rows(join(REF, 'e3/client1-eth0.pcap'), 'tcp.stream == 0');
    expect(pattern(ours)).toEqual(pattern(ref));
  });
});

describe('links: open, reload on the same connection, idle close by the server, reload again', () => {
  const lab = buildLab('two');
  const b = new LinksBrowser(lab.clientEnv);
  const first = links(lab, b, 'http://10.0.0.1/');
  lab.net.scheduler.runFor(1e9);
  const second = links(lab, b);
  const secondDone = lab.net.scheduler.now;
  lab.net.scheduler.runFor(7e9); // past Apache's KeepAliveTimeout
  const third = links(lab, b);
  b.close();
  lab.net.scheduler.runFor(2e9);
  const dir = lab.writeCaptures();

  it('renders the page as links -dump does', () => {
    expect(first.stdout).toBe('                        This reply comes from server 1!\n');
    expect(first.exitCode).toBe(0);
  });

  it('reloads on the same connection while it is open, and on a new one after the server closed it', () => {
    expect(first.reusedConnection).toBe(false);
    expect(second.reusedConnection).toBe(true);
    expect(second.localPort).toBe(first.localPort);
    expect(third.reusedConnection).toBe(false);
    expect(third.localPort).not.toBe(first.localPort);
    expect(third.stdout).toBe(first.stdout);
  });

  it('sends the 601-byte links request and sees windows 505 (reference stream 1)', (ctx) => {
    requireTsharkOrSkip(ctx);
    expectClean(dir);
    const all = rows(join(dir, 'client1-eth0.pcap')).filter((x) => !x.arp);
    const s0 = all.filter((x) => x.stream === '0');
    // The load sends links' 601-byte GET; the first ctrl+R raises Links' cache level, so the reload
    // adds If-Modified-Since (651 bytes) and Apache answers 304 Not Modified from its cache check.
    expect(s0.filter((x) => x.tcpLen === '601').length).toBe(1);
    expect(s0.filter((x) => x.tcpLen === '651').length).toBe(1);
    const serverWins = s0.filter((x) => x.flags !== 'AS' && x.len !== 667 && (x.tcpLen === '350' || x.tcpLen === '0')).map((x) => x.win);
    expect(serverWins).toContain('505');
    expect(new Set(all.map((x) => x.stream))).toEqual(new Set(['0', '1']));
    // The server's FIN comes 5 s after the second response (the 304).
    const t = tsharkFields(join(dir, 'server1-eth0.pcap'), ['frame.time_relative', 'tcp.flags.str', 'tcp.srcport', 'tcp.len'], {
      filter: 'tcp.stream == 0',
    });
    // The 200 (350 bytes), then the 304 without a body.
    const resp = t.filter((x) => x['tcp.srcport']![0] === '80' && Number(x['tcp.len']![0]) > 100);
    expect(resp.map((x) => x['tcp.len']![0])).toEqual(['350', '179']);
    const lastResp = resp.pop()!;
    const fin = t.find((x) => x['tcp.srcport']![0] === '80' && x['tcp.flags.str']![0]!.includes('F'))!;
    const gap = Number(fin['frame.time_relative']![0]) - Number(lastResp['frame.time_relative']![0]);
    expect(gap).toBeCloseTo(5, 3);
    expect(secondDone).toBeGreaterThan(0);
  });
});

describe('links -dump (reference stream 1)', () => {
  const lab = buildLab('two');
  let out: { stdout: Uint8Array | string; exitCode: number } | undefined;
  linksDumpProgram(lab.client, 'http://10.0.0.1/', (r) => (out = r));
  runUntil(lab.net, () => out !== undefined);
  lab.net.scheduler.runFor(2e9);
  const dir = lab.writeCaptures();

  it('prints the centred heading and exits 0', () => {
    expect(out!.stdout).toBe('                        This reply comes from server 1!\n');
    expect(out!.exitCode).toBe(0);
  });

  it('has the reference frame pattern: 667-byte GET, windows 505, close right after the page', (ctx) => {
    requireTsharkOrSkip(ctx);
    expectClean(dir);
    const ours = rows(join(dir, 'client1-eth0.pcap')).filter((x) => !x.arp);
    if (!refAvailable) return;
    const ref = rows(join(REF, 'e3/client1-eth0.pcap'), 'tcp.stream == 1');
    expect(pattern(ours)).toEqual(pattern(ref));
  });
});

describe('errors', () => {
  it('a SYN to a closed port gets a RST: wget, curl and links say so as the real tools do', (ctx) => {
    const lab = buildLab('two');
    lab.http.stop();
    const w = wget(lab, 'http://10.0.0.1/');
    expect(w.exitCode).toBe(4);
    expect(w.stderr).toBe('--2011-10-26 10:30:00--  http://10.0.0.1/\nConnecting to 10.0.0.1:80... failed: Connection refused.\n');
    const c = curl(lab, ['http://10.0.0.1/']);
    expect(c.exitCode).toBe(7);
    const meter = readFileSync('/work/shared/reference/console/curl-refused.txt', 'latin1').split('\n').slice(1, 5).join('\n');
    expect(c.stderr).toBe(`${meter}\n`);
    const b = new LinksBrowser(lab.clientEnv);
    const l = links(lab, b, 'http://10.0.0.1/');
    expect(l.exitCode).toBe(1);
    expect(l.stderr).toBe('Connection refused\n');
    lab.net.scheduler.runFor(1e9);
    requireTsharkOrSkip(ctx);
    const dir = lab.writeCaptures();
    expectClean(dir, false, ['Connection reset (RST)']);
    const rs = rows(join(dir, 'client1-eth0.pcap')).filter((x) => !x.arp);
    expect(rs.map((x) => `${x.len} ${x.flags} ${x.ipId}`)).toEqual([
      `74 S ${rs[0]!.ipId}`,
      '54 AR 0x0000',
      `74 S ${rs[2]!.ipId}`,
      '54 AR 0x0000',
      `74 S ${rs[4]!.ipId}`,
      '54 AR 0x0000',
    ]);
  });

  it('a host that does not answer ARP: No route to host after ~3 s', () => {
    const lab = buildLab('two');
    const start = lab.net.scheduler.now;
    const w = wget(lab, 'http://10.0.0.99/');
    expect(w.stderr).toBe('--2011-10-26 10:30:00--  http://10.0.0.99/\nConnecting to 10.0.0.99:80... failed: No route to host.\n');
    expect(w.exitCode).toBe(4);
    const took = (lab.net.scheduler.now - start) / 1e9;
    expect(took).toBeGreaterThan(2.9);
    expect(took).toBeLessThan(3.2);
    const t1 = lab.net.scheduler.now;
    const c = curl(lab, ['http://10.0.0.99/']);
    const ms = Math.floor((lab.net.scheduler.now - t1 - 300_000) / 1e6); // curl exits 0.3 ms after its error
    expect(c.exitCode).toBe(7);
    expect(c.stderr.endsWith(`\ncurl: (7) Failed to connect to 10.0.0.99 port 80 after ${ms} ms: Couldn't connect to server\n`)).toBe(true);
    expect(ms).toBeGreaterThan(2900);
    const l = links(lab, new LinksBrowser(lab.clientEnv), 'http://10.0.0.99/');
    expect(l.stderr).toBe('No route to host\n');
    expect(l.exitCode).toBe(1);
  });

  it('a SYN nobody answers: wget -T 2 -t 1 times out', () => {
    const lab = buildLab('routed');
    lab.server.setLinkUp('eth0', false);
    const w = wget(lab, 'http://100.0.0.1/', { connectTimeoutSec: 2, tries: 1 });
    expect(w.stderr).toBe(
      '--2011-10-26 10:30:00--  http://100.0.0.1/\nConnecting to 100.0.0.1:80... failed: Connection timed out.\nGiving up.\n\n',
    );
    expect(w.exitCode).toBe(4);
  });
});

describe('loss on a domain (seeded)', () => {
  const runs = (seed: number) => {
    const lab = buildLab('routed', { seed, lossRate: 0.15, lossDomain: 'B' });
    const pages: string[] = [];
    for (let i = 0; i < 8; i++) {
      const r = wget(lab, 'http://100.0.0.1/');
      pages.push(r.stdout);
      lab.net.scheduler.runFor(1e9);
    }
    lab.net.scheduler.runFor(120e9);
    return { lab, pages };
  };
  const { lab, pages } = runs(5);
  const dir = lab.writeCaptures();

  it('still delivers every page', () => {
    expect(pages).toEqual(new Array(8).fill(PAGE));
  });

  it('shows retransmissions that tshark labels as such, and nothing malformed', (ctx) => {
    requireTsharkOrSkip(ctx);
    expectClean(dir, true);
    const rep = tsharkCheck(join(dir, 'server1-eth0.pcap'));
    const client = tsharkCheck(join(dir, 'client1-eth0.pcap'));
    const labels = [...rep.analysisFlags, ...client.analysisFlags].flatMap((f) => f.messages).join('\n');
    expect(labels).toMatch(/retransmission/i);
  });
});

describe('determinism', () => {
  const capture = (seed: number): Map<string, Uint8Array> => {
    const lab = buildLab('routed', { seed });
    const url = 'http://100.0.0.1/';
    curl(lab, [url, url]);
    wget(lab, url);
    const b = new LinksBrowser(lab.clientEnv);
    links(lab, b, url);
    links(lab, b);
    b.close();
    lab.net.scheduler.runFor(70e9);
    return lab.files();
  };

  it('gives identical bytes for the same seed, different ones for another', () => {
    const a = capture(3);
    const b = capture(3);
    const c = capture(4);
    expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
    const same = (x: Uint8Array, y: Uint8Array): boolean => x.length === y.length && x.every((v, i) => v === y[i]);
    for (const [k, v] of a) expect(same(b.get(k)!, v), k).toBe(true);
    expect(same(c.get('client1-eth0.pcap')!, a.get('client1-eth0.pcap')!)).toBe(false);
  });
});
