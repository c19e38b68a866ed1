// ctrl+R in Links 2.28 (the lab's reload) against what Links and Apache do. No real-kernel capture
// has a reload, so the expectation is built from the reference's stream 1 request (links -dump)
// and the programs' sources: session.c reload(ses, -1) raises ses->reloadlevel from NC_CACHE by one
// on each ctrl+R; http.c http_send_header adds If-Modified-Since (the cached Last-Modified) at
// NC_IF_MOD and Pragma/Cache-Control no-cache from NC_PR_NO_CACHE, after Connection; Apache's
// ap_meets_conditions answers an unchanged file with 304, whose header filter keeps Date, Server,
// then Connection, Keep-Alive and ETag, and no body.

import { beforeAll, describe, expect, it } from 'vitest';
import { requireTsharkOrSkip, tsharkFields } from '../support/tshark.ts';
import { lbsimPcap, referenceBytes, runLab, type LabRun } from './support.ts';

const latin1 = (b: Uint8Array): string => new TextDecoder('latin1').decode(b);

let run: LabRun;
beforeAll(async () => {
  run = await runLab(
    ['client1: links http://10.0.0.1/', 'client1: links reload', 'client1: links reload', 'client1: links reload', 'client1: links close'],
    { start: '2026-11-28T12:37:25Z' },
  );
});

/** The HTTP payloads of client1's capture, in order, with their direction. */
function payloads(): { fromClient: boolean; text: string }[] {
  const rows = tsharkFields(lbsimPcap(run, 'client1-eth0'), ['ip.src', 'tcp.payload'], { filter: 'tcp.len > 0' });
  return rows.map((r) => ({
    fromClient: r['ip.src']?.[0] === '10.0.0.10',
    text: latin1(Uint8Array.from((r['tcp.payload']?.[0] ?? '').replaceAll(':', '').match(/../g) ?? [], (h) => parseInt(h, 16))),
  }));
}

describe('links reload (ctrl+R) on a kept-alive connection', () => {
  it('requests: plain, then If-Modified-Since, then plain, then Pragma/Cache-Control no-cache', (ctx) => {
    requireTsharkOrSkip(ctx);
    // The reference request is links -dump's; the interactive browser says "text" instead.
    const plain = latin1(referenceBytes('e3/http-bytes/client1-eth0-stream1.c2s.bin')).replace('; dump)', '; text)');
    const withHeaders = (h: string): string => plain.replace(/\r\n\r\n$/, `\r\n${h}\r\n`);
    const requests = payloads().filter((p) => p.fromClient).map((p) => p.text);
    expect(requests).toEqual([
      plain,
      withHeaders('If-Modified-Since: Mon, 01 Jan 2024 00:00:00 GMT\r\n'),
      plain,
      withHeaders('Pragma: no-cache\r\nCache-Control: no-cache\r\n'),
    ]);
  });

  it('responses: 200, then Apache\'s 304 Not Modified (no body), then 200 twice, max counting down', (ctx) => {
    requireTsharkOrSkip(ctx);
    const responses = payloads().filter((p) => !p.fromClient).map((p) => p.text.replace(/^Date: .*\r\n/m, 'Date: *\r\n'));
    expect(responses.map((r) => r.split('\r\n')[0])).toEqual(['HTTP/1.1 200 OK', 'HTTP/1.1 304 Not Modified', 'HTTP/1.1 200 OK', 'HTTP/1.1 200 OK']);
    expect(responses[1]).toBe(
      'HTTP/1.1 304 Not Modified\r\nDate: *\r\nServer: Apache/2.4.71 (Debian)\r\nConnection: Keep-Alive\r\n' +
      'Keep-Alive: timeout=5, max=99\r\nETag: "43-60dd710212000"\r\n\r\n',
    );
    expect(responses.map((r) => /max=(\d+)/.exec(r)?.[1])).toEqual(['100', '99', '98', '97']);
  });

  it('every reload shows the page (from the cache after the 304)', () => {
    const pages = run.steps.filter((s) => s.command?.startsWith('links http') || s.command === 'links reload').map((s) => s.output);
    expect(pages).toEqual(Array(4).fill('                        This reply comes from server 1!\n'));
  });
});

describe('parseHttpDate (If-Modified-Since as apr_date_parse_http reads it)', () => {
  it('inverts imfDate over 200 years and reads the RFC 850 and asctime forms', async () => {
    const { imfDate, parseHttpDate } = await import('../../src/apps/http-common.ts');
    for (let t = 0; t < 200 * 365 * 86400; t += 86400 * 37 + 3671) expect(parseHttpDate(imfDate(t))).toBe(t);
    expect(parseHttpDate('Monday, 01-Jan-24 00:00:00 GMT')).toBe(1704067200);
    expect(parseHttpDate('Mon Jan  1 00:00:00 2024')).toBe(1704067200);
    expect(parseHttpDate('yesterday')).toBeUndefined();
    expect(parseHttpDate('Mon, 32 Jan 2024 00:00:00 GMT')).toBeUndefined();
  });
});

describe('links: opening a URL already in its cache', () => {
  let again: LabRun;
  beforeAll(async () => {
    again = await runLab(['client1: links http://10.0.0.1/', 'client1: links http://10.0.0.1/', 'client1: links close', 'client1: links http://10.0.0.1/']);
  });

  it('shows the cached page without a request (load_url at NC_CACHE); after quitting, asks again', (ctx) => {
    requireTsharkOrSkip(ctx);
    const pages = again.steps.filter((s) => s.command === 'links http://10.0.0.1/').map((s) => s.output);
    expect(pages).toEqual([
      '                        This reply comes from server 1!\n',
      '                        This reply comes from server 1!\n',
      '                        This reply comes from server 2!\n',
    ]);
    const requests = tsharkFields(lbsimPcap(again, 'client1-eth0'), ['tcp.stream'], { filter: 'http.request' });
    expect(requests.map((r) => r['tcp.stream']?.[0])).toEqual(['0', '1']);
  });
});
