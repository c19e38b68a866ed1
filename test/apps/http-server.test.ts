import { describe, expect, it } from 'vitest';
import { HttpClientConnection, HttpServer, imfDate, type AppEnv, type HttpResponseInfo } from '../../src/apps/index.ts';
import { ipv4FromString } from '../../src/wire/index.ts';
import { FakeNet } from '../stack/tcp/harness.ts';

const START = 1319625000; // 2011-10-26T10:30:00Z

function setup(serverAddr = '10.0.2.2', start = START) {
  const net = new FakeNet();
  const client = net.addHost('client', '10.0.2.1');
  const server = net.addHost('server', serverAddr);
  const env = (tcp: typeof client): AppEnv => ({ tcp, scheduler: net.sched, startEpochSec: start });
  const hello = { body: new TextEncoder().encode('Hello from the server, 44 bytes of content!\n'), mtimeSec: 1685622896.123456 };
  const http = new HttpServer(env(server), {
    files: { '/index.html': { body: new TextEncoder().encode('<p>x</p>\n') }, '/hello.txt': hello },
  });
  return { net, clientEnv: env(client), http, addr: ipv4FromString(serverAddr) };
}

/** Sends the requests one after the other on one connection; returns the raw responses. */
function exchange(requests: string[], serverAddr?: string, start?: number): { responses: HttpResponseInfo[]; closedByServerAt: number; net: FakeNet } {
  const { net, clientEnv, addr } = setup(serverAddr, start);
  const responses: HttpResponseInfo[] = [];
  let closedByServerAt = -1;
  let i = 0;
  const conn: HttpClientConnection = new HttpClientConnection(clientEnv, addr, 80, (e) => {
    if (e.kind === 'connected' || e.kind === 'response') {
      if (e.kind === 'response') responses.push(e.response);
      if (i < requests.length) {
        const r = requests[i++]!;
        conn.send(r.startsWith('HEAD') ? 'HEAD' : 'GET', r);
      } else if (e.kind === 'response' && requests.length > 0 && responses.length === requests.length) {
        // stay open: the server decides
      }
    }
    if (e.kind === 'idle-close' || e.kind === 'closed') {
      closedByServerAt = net.sched.now;
      conn.close();
    }
  });
  net.sched.runFor(20e9);
  return { responses, closedByServerAt, net };
}

const text = (r: HttpResponseInfo): string => r.rawHead + new TextDecoder('latin1').decode(r.body);

describe('Apache-like responses', () => {
  it('serves the 404 page byte for byte (FORMATS.md §6.2)', () => {
    const { responses } = exchange(['GET /nope HTTP/1.1\r\nHost: 10.0.2.2\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n']);
    const r = responses[0]!;
    expect(r.status).toBe(404);
    expect(r.rawHead).toBe(
      'HTTP/1.1 404 Not Found\r\nDate: Wed, 26 Oct 2011 10:30:00 GMT\r\nServer: Apache/2.4.71 (Debian)\r\n' +
        'Content-Length: 310\r\nContent-Type: text/html; charset=iso-8859-1\r\n\r\n',
    );
    expect(new TextDecoder().decode(r.body)).toBe(
      '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN" "http://www.w3.org/TR/html4/strict.dtd">\n' +
        '<html><head>\n<title>404 Not Found</title>\n</head><body>\n<h1>Not Found</h1>\n' +
        '<p>The requested URL was not found on this server.</p>\n<hr>\n' +
        '<address>Apache/2.4.71 (Debian) Server at 10.0.2.2 Port 80</address>\n</body></html>\n',
    );
  });

  it('names the Host header host and port in the signature (312 bytes for 10.0.1.1:8080)', () => {
    const { responses } = exchange(['GET /missing/path.html HTTP/1.1\r\nHost: 10.0.1.1:8080\r\n\r\n']);
    expect(responses[0]!.body.length).toBe(312);
    expect(new TextDecoder().decode(responses[0]!.body)).toContain('Server at 10.0.1.1 Port 8080');
  });

  it('builds Last-Modified and the ETag from size and mtime in microseconds (FORMATS.md §6.3)', () => {
    // At the reference's date (a 2011 clock would find the 2023 file in the future: weak ETag).
    const { responses } = exchange(['GET /hello.txt HTTP/1.1\r\nHost: 10.0.2.2\r\n\r\n'], undefined, 1795870192);
    expect(responses[0]!.rawHead).toBe(
      'HTTP/1.1 200 OK\r\nDate: Sat, 28 Nov 2026 12:49:52 GMT\r\nServer: Apache/2.4.71 (Debian)\r\n' +
        'Last-Modified: Thu, 01 Jun 2023 12:34:56 GMT\r\nETag: "2c-5fd10a9f2de40"\r\nAccept-Ranges: bytes\r\n' +
        'Content-Length: 44\r\nContent-Type: text/plain\r\n\r\n',
    );
  });

  it('answers keep-alive only when asked, counting max down from 100', () => {
    const ka = 'GET /hello.txt HTTP/1.1\r\nHost: 10.0.2.2\r\nConnection: keep-alive\r\n\r\n';
    const { responses } = exchange([ka, 'GET /nope HTTP/1.1\r\nHost: 10.0.2.2\r\nConnection: keep-alive\r\n\r\n', ka]);
    expect(responses.map((r) => r.rawHead.match(/Keep-Alive: (.*)\r\n/)?.[1])).toEqual([
      'timeout=5, max=100',
      'timeout=5, max=99',
      'timeout=5, max=98',
    ]);
    expect(responses[1]!.rawHead).toMatch(/Content-Length: 310\r\nKeep-Alive: timeout=5, max=99\r\nConnection: Keep-Alive\r\nContent-Type: text\/html; charset=iso-8859-1\r\n\r\n$/);
  });

  it('closes after the response to HTTP/1.0 without keep-alive (Connection: close)', () => {
    const { responses, closedByServerAt } = exchange(['GET /hello.txt HTTP/1.0\r\n\r\n']);
    expect(responses[0]!.rawHead).toContain('Content-Length: 44\r\nConnection: close\r\nContent-Type: text/plain\r\n');
    expect(closedByServerAt).toBeGreaterThan(0);
    expect(closedByServerAt).toBeLessThan(10e6);
  });

  it('serves at most 100 keep-alive responses, then Connection: close', () => {
    const ka = 'GET / HTTP/1.1\r\nHost: 10.0.2.2\r\nConnection: keep-alive\r\n\r\n';
    const { responses, closedByServerAt } = exchange(new Array(101).fill(ka));
    expect(responses.length).toBe(101);
    expect(responses[99]!.rawHead).toContain('Keep-Alive: timeout=5, max=1\r\n');
    expect(responses[100]!.rawHead).toContain('Connection: close\r\n');
    expect(responses[100]!.rawHead).not.toContain('Keep-Alive');
    expect(closedByServerAt).toBeGreaterThan(0);
  });

  it('HEAD: no body; a 404 has no Content-Length; a small html file shows Vary', () => {
    const { responses } = exchange(['HEAD /nope HTTP/1.1\r\nHost: 10.0.2.2\r\n\r\n', 'HEAD / HTTP/1.1\r\nHost: 10.0.2.2\r\n\r\n']);
    expect(responses[0]!.rawHead).toBe(
      'HTTP/1.1 404 Not Found\r\nDate: Wed, 26 Oct 2011 10:30:00 GMT\r\nServer: Apache/2.4.71 (Debian)\r\n' +
        'Content-Type: text/html; charset=iso-8859-1\r\n\r\n',
    );
    expect(responses[1]!.rawHead).toMatch(/Content-Length: 9\r\nVary: Accept-Encoding\r\nContent-Type: text\/html\r\n\r\n$/);
    expect(responses[1]!.body.length).toBe(0);
  });

  it('closes an idle keep-alive connection after 5 s of virtual time', () => {
    const { responses, closedByServerAt } = exchange(['GET / HTTP/1.1\r\nHost: 10.0.2.2\r\nConnection: keep-alive\r\n\r\n']);
    expect(responses.length).toBe(1);
    const idle = (closedByServerAt - responses[0]!.doneNs) / 1e9;
    expect(idle).toBeGreaterThan(4.99);
    expect(idle).toBeLessThan(5.01);
  });

  it('gives a weak ETag to a file changed less than a second before the request', () => {
    const { net, clientEnv, addr } = setup('10.0.2.3');
    const env2: AppEnv = { tcp: net.addHost('server2', '10.0.2.4'), scheduler: net.sched, startEpochSec: START };
    new HttpServer(env2, { files: { '/fresh.txt': { body: new TextEncoder().encode('fresh\n'), mtimeSec: START } } });
    let head = '';
    const c: HttpClientConnection = new HttpClientConnection(clientEnv, ipv4FromString('10.0.2.4'), 80, (e) => {
      if (e.kind === 'connected') c.send('GET', 'GET /fresh.txt HTTP/1.1\r\nHost: x\r\n\r\n');
      if (e.kind === 'response') head = e.response.rawHead;
    });
    net.sched.runFor(1e9);
    expect(head).toContain(`ETag: W/"6-${(START * 1e6).toString(16)}"\r\n`);
    expect(addr).toBe(ipv4FromString('10.0.2.3'));
  });
});

describe('dates', () => {
  it('formats IMF-fixdate from epoch seconds', () => {
    expect(imfDate(1319625000)).toBe('Wed, 26 Oct 2011 10:30:00 GMT');
    expect(imfDate(1795870192)).toBe('Sat, 28 Nov 2026 12:49:52 GMT');
    expect(imfDate(1704067200)).toBe('Mon, 01 Jan 2024 00:00:00 GMT');
    expect(imfDate(951782400)).toBe('Tue, 29 Feb 2000 00:00:00 GMT');
    expect(imfDate(0)).toBe('Thu, 01 Jan 1970 00:00:00 GMT');
  });

  it('texts the page and the raw head', () => {
    const { responses } = exchange(['GET / HTTP/1.1\r\nHost: 10.0.2.2\r\n\r\n']);
    expect(text(responses[0]!)).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\n<p>x<\/p>\n$/);
  });
});
