import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  emitHttp,
  encodeHttp,
  getHeader,
  httpBufferLen,
  httpFirstLine,
  HttpStreamParser,
  isWireError,
  parseHttp,
  type HttpMessage,
  type ParsedHttpMessage,
} from '../../src/wire/index.ts';

const REF = fileURLToPath(new URL('./fixtures/real-kernel', import.meta.url));
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

const CURL_GET = 'GET / HTTP/1.1\r\nHost: 10.0.0.1\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n';
const PAGE = '<html><body><h1>This reply comes from server 2!</h1></body></html>\n';
const APACHE_200 =
  'HTTP/1.1 200 OK\r\nDate: Sat, 28 Nov 2026 12:38:09 GMT\r\nServer: Apache/2.4.71 (Debian)\r\n' +
  'Last-Modified: Mon, 01 Jan 2024 00:00:00 GMT\r\nETag: "43-60dd710212000"\r\nAccept-Ranges: bytes\r\n' +
  'Content-Length: 67\r\nContent-Type: text/html\r\n\r\n' + PAGE;

function all(p: HttpStreamParser, chunks: Uint8Array[]): ParsedHttpMessage[] {
  const out: ParsedHttpMessage[] = [];
  for (const c of chunks) {
    const r = p.push(c);
    if (isWireError(r)) throw new Error(r.toString());
    out.push(...r);
  }
  const e = p.end();
  if (isWireError(e)) throw new Error(e.toString());
  if (e !== undefined) out.push(e);
  return out;
}

describe('HTTP/1.x codec', () => {
  it('parses curl\'s request with headers in order and original case', () => {
    const r = parseHttp(enc(CURL_GET), 'request');
    if (isWireError(r)) throw new Error(r.toString());
    expect(r).toMatchObject({ kind: 'request', method: 'GET', target: '/', version: 'HTTP/1.1', wireLength: 72 });
    expect(r.headers).toEqual([
      { name: 'Host', value: '10.0.0.1' },
      { name: 'User-Agent', value: 'curl/7.88.1' },
      { name: 'Accept', value: '*/*' },
    ]);
    expect(r.body.length).toBe(0);
    expect(getHeader(r, 'user-agent')).toBe('curl/7.88.1');
  });
  it('parses Apache\'s response with its Content-Length body', () => {
    const r = parseHttp(enc(APACHE_200), 'response');
    if (isWireError(r)) throw new Error(r.toString());
    expect(r.kind === 'response' && [r.status, r.reason, r.version]).toEqual([200, 'OK', 'HTTP/1.1']);
    expect(r.headers.map((h) => h.name)).toEqual(['Date', 'Server', 'Last-Modified', 'ETag', 'Accept-Ranges', 'Content-Length', 'Content-Type']);
    expect(dec(r.body)).toBe(PAGE);
    expect(r.wireLength).toBe(APACHE_200.length);
  });
  it('emits messages byte-exactly (parse -> emit)', () => {
    for (const [text, role] of [[CURL_GET, 'request'], [APACHE_200, 'response']] as const) {
      const r = parseHttp(enc(text), role);
      if (isWireError(r)) throw new Error(r.toString());
      expect(httpBufferLen(r)).toBe(text.length);
      const b = new Uint8Array(text.length + 4).fill(0xa5);
      expect(emitHttp(r, b, 2)).toBe(text.length);
      expect(dec(b.subarray(2, 2 + text.length))).toBe(text);
      expect(b[1]).toBe(0xa5);
      expect(b[2 + text.length]).toBe(0xa5);
    }
  });
  it('parses the same message split across every segment boundary', () => {
    const whole = enc(APACHE_200);
    const ref = all(new HttpStreamParser('response'), [whole]);
    for (let cut = 0; cut <= whole.length; cut++) {
      const got = all(new HttpStreamParser('response'), [whole.subarray(0, cut), whole.subarray(cut)]);
      expect(got).toEqual(ref);
    }
    // Three pieces, every pair of cuts, over the request.
    const req = enc(CURL_GET);
    const refReq = all(new HttpStreamParser('request'), [req]);
    for (let a = 0; a <= req.length; a++) {
      for (let b = a; b <= req.length; b++) {
        expect(all(new HttpStreamParser('request'), [req.subarray(0, a), req.subarray(a, b), req.subarray(b)])).toEqual(refReq);
      }
    }
    // One byte at a time.
    expect(all(new HttpStreamParser('response'), Array.from(whole, (x) => new Uint8Array([x])))).toEqual(ref);
  });
  it('reads the real keep-alive stream (5 requests, 5 responses) and links\' long request', () => {
    const c2s = new Uint8Array(readFileSync(`${REF}/e3-client1-eth0-stream0.c2s.bin`));
    const s2c = new Uint8Array(readFileSync(`${REF}/e3-client1-eth0-stream0.s2c.bin`));
    const reqs = all(new HttpStreamParser('request'), [c2s]);
    const resps = all(new HttpStreamParser('response'), [s2c.subarray(0, 100), s2c.subarray(100)]);
    expect(reqs.length).toBe(5);
    expect(resps.length).toBe(5);
    expect(reqs.reduce((a, m) => a + m.wireLength, 0)).toBe(c2s.length);
    expect(resps.reduce((a, m) => a + m.wireLength, 0)).toBe(s2c.length);
    const concat = new Uint8Array(s2c.length);
    let o = 0;
    for (const m of resps) o += emitHttp(m, concat, o);
    expect(concat).toEqual(s2c);
    const links = all(new HttpStreamParser('request'), [new Uint8Array(readFileSync(`${REF}/e3-client1-eth0-stream1.c2s.bin`))]);
    expect(links.length).toBe(1);
    expect(getHeader(links[0]!, 'Connection')).toBe('keep-alive');
  });
  it('reads chunked bodies (with extensions and trailers) and reports them as chunked', () => {
    const text =
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n' +
      '5;ext=1\r\nhello\r\n' + '7\r\n, world\r\n' + '0\r\nX-Trailer: yes\r\n\r\n' +
      'HTTP/1.1 204 No Content\r\n\r\n';
    const whole = enc(text);
    const ref = all(new HttpStreamParser('response'), [whole]);
    expect(ref.length).toBe(2);
    expect(dec(ref[0]!.body)).toBe('hello, world');
    expect(ref[0]!.chunked).toBe(true);
    expect(getHeader(ref[0]!, 'x-trailer')).toBe('yes');
    expect(ref[1]!.kind === 'response' && ref[1]!.status).toBe(204);
    for (let cut = 0; cut <= whole.length; cut++) {
      expect(all(new HttpStreamParser('response'), [whole.subarray(0, cut), whole.subarray(cut)])).toEqual(ref);
    }
  });
  it('reads a response without length until the connection closes; HEAD responses have no body', () => {
    const p = new HttpStreamParser('response');
    expect(p.push(enc('HTTP/1.0 200 OK\r\nServer: x\r\n\r\nabc'))).toEqual([]);
    expect(p.push(enc('def'))).toEqual([]);
    const last = p.end();
    expect(!isWireError(last) && last !== undefined && dec(last.body)).toBe('abcdef');
    const h = new HttpStreamParser('response');
    h.expectResponseTo('HEAD');
    const r = h.push(enc('HTTP/1.1 200 OK\r\nContent-Length: 67\r\n\r\n'));
    expect(!isWireError(r) && r.length).toBe(1);
  });
  it('encodes a message built by hand', () => {
    const m: HttpMessage = {
      kind: 'request',
      method: 'GET',
      target: '/',
      version: 'HTTP/1.1',
      headers: [
        { name: 'Host', value: '10.0.0.1' },
        { name: 'User-Agent', value: 'curl/7.88.1' },
        { name: 'Accept', value: '*/*' },
      ],
      body: new Uint8Array(0),
    };
    expect(dec(encodeHttp(m))).toBe(CURL_GET);
  });
  it('gives the first line for printers', () => {
    expect(httpFirstLine(enc(CURL_GET))).toBe('GET / HTTP/1.1');
    expect(httpFirstLine(enc(APACHE_200))).toBe('HTTP/1.1 200 OK');
    expect(httpFirstLine(enc(PAGE))).toBeUndefined();
  });
  it('malformed: bad request line, bad header, bad chunk size, bad Content-Length, close mid-message, oversize head', () => {
    const bad = (text: string, role: 'request' | 'response'): string => {
      const r = parseHttp(enc(text), role);
      if (!isWireError(r)) throw new Error(`accepted ${JSON.stringify(text)}`);
      expect(r.kind).toBe('bad-http');
      return r.message;
    };
    expect(bad('GET /\r\n\r\n', 'request')).toMatch(/bad request line "GET \/"/);
    expect(bad('GET / HTTP/1.1\r\nNo colon here\r\n\r\n', 'request')).toMatch(/bad header field "No colon here"/);
    expect(bad('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 'response')).toMatch(/bad chunk size "zz"/);
    expect(bad('HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n', 'response')).toMatch(/bad Content-Length "-1"/);
    expect(bad('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc', 'response')).toMatch(/closed inside an HTTP message/);
    expect(bad('HTTP/1.1 2000 OK\r\n\r\n', 'response')).toMatch(/bad status line/);
    const p = new HttpStreamParser('request', { maxHeaderBytes: 100 });
    const r = p.push(enc('GET / HTTP/1.1\r\n' + 'X: ' + 'a'.repeat(200)));
    expect(isWireError(r) && r.message).toMatch(/longer than 100 bytes/);
    // The parser stays failed.
    expect(isWireError(p.push(enc('\r\n\r\n')))).toBe(true);
  });
  it('reports the error offset in stream coordinates', () => {
    const p = new HttpStreamParser('request');
    expect(p.push(enc(CURL_GET))).toHaveLength(1);
    const r = p.push(enc('BROKEN\r\n\r\n'));
    expect(isWireError(r) && r.offset).toBe(72);
  });
});
