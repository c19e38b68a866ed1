import { describe, expect, it } from 'vitest';
import { ipv4FromString, TCP_ACK, TCP_RST } from '../../../src/wire/index.ts';
import type { TcpSocket, TcpStack } from '../../../src/stack/tcp/index.ts';
import { FakeNet, dec, enc, optionHex, type Sent } from './harness.ts';

const CLIENT = ipv4FromString('10.0.0.10');
const SERVER = ipv4FromString('10.0.0.1');
const MS = 1_000_000;
const US = 1_000;

const GET72 = 'GET / HTTP/1.1\r\nHost: 10.0.0.1\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n';

function response(n: number): string {
  const body = `<html><body><h1>This reply comes from server ${n}!</h1></body></html>\n`;
  const head =
    'HTTP/1.1 200 OK\r\nDate: Sat, 28 Nov 2026 12:38:09 GMT\r\nServer: Apache/2.4.71 (Debian)\r\n' +
    'Last-Modified: Mon, 01 Jan 2024 00:00:00 GMT\r\nETag: "43-60dd710212000"\r\nAccept-Ranges: bytes\r\n' +
    `Content-Length: ${body.length}\r\nContent-Type: text/html\r\n\r\n`;
  return head + body;
}

/** A server that answers each request (one write per request) after `thinkNs`, and closes on EOF. */
function echoServer(net: FakeNet, server: TcpStack, reply: string, thinkNs = 1200 * US): TcpSocket[] {
  const accepted: TcpSocket[] = [];
  server.listen(80, (sock) => {
    accepted.push(sock);
    return {
      onData: () => {
        net.sched.after(thinkNs, () => sock.write(enc(reply)));
      },
      onPeerClose: () => {
        net.sched.after(200 * US, () => sock.close());
      },
    };
  });
  return accepted;
}

interface ClientRun {
  received: string;
  connected: boolean;
  error: string | null;
  closed: boolean;
  sock: TcpSocket;
}

/** A curl-like client: `requests` requests on one connection, each after the previous response. */
function curlLike(net: FakeNet, client: TcpStack, requests: number, respLen: number, req = GET72): ClientRun {
  const run: ClientRun = { received: '', connected: false, error: null, closed: false, sock: null as unknown as TcpSocket };
  let got = 0;
  let sent = 0;
  const sendOne = (sock: TcpSocket): void => {
    sent++;
    sock.write(enc(req));
  };
  run.sock = client.connect(SERVER, 80, {
    onConnect: (sock) => {
      run.connected = true;
      net.sched.after(60 * US, () => sendOne(sock));
    },
    onData: (sock, d) => {
      run.received += dec(d);
      got += d.length;
      if (got === respLen * sent) {
        if (sent < requests) net.sched.after(450 * US, () => sendOne(sock));
        else net.sched.after(400 * US, () => sock.close());
      }
    },
    onClosed: () => {
      run.closed = true;
    },
    onError: (_s, e) => {
      run.error = e;
    },
  });
  return run;
}

function setup(seed = 1): { net: FakeNet; client: TcpStack; server: TcpStack } {
  const net = new FakeNet();
  const client = net.addHost('client1', '10.0.0.10', seed);
  const server = net.addHost('server1', '10.0.0.1', seed);
  return { net, client, server };
}

function ids(log: Sent[], from: string): number[] {
  return log.filter((s) => s.from === from).map((s) => s.ipId);
}

describe('TCP like Linux: one request per connection (reference e1)', () => {
  const { net, client, server } = setup();
  const resp = response(1);
  echoServer(net, server, resp);
  const run = curlLike(net, client, 1, resp.length);
  net.sched.runFor(1000 * MS);

  it('completes the exchange', () => {
    expect(run.connected).toBe(true);
    expect(run.error).toBeNull();
    expect(run.received).toBe(resp);
    expect(run.closed).toBe(true);
    expect(resp.length).toBe(294);
  });

  it('has the reference frame pattern with its windows', () => {
    expect(net.pattern()).toEqual([
      'client1 S 0 win=64240',
      'server1 S. 0 win=65160',
      'client1 . 0 win=502',
      'client1 P. 72 win=502',
      'server1 . 0 win=509',
      'server1 P. 294 win=509',
      'client1 . 0 win=501',
      'client1 F. 0 win=501',
      'server1 F. 0 win=509',
      'client1 . 0 win=501',
    ]);
  });

  it('uses the Linux SYN and SYN-ACK option bytes and NOP NOP TS later', () => {
    const [syn, synAck, ack] = net.log as [Sent, Sent, Sent];
    const tsHex = (v: number): string =>
      [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    const synTs = (syn.tcp.options[2] as { tsVal: number }).tsVal;
    const saTs = (synAck.tcp.options[2] as { tsVal: number }).tsVal;
    expect(optionHex(syn)).toBe(`02 04 05 b4 04 02 08 0a ${tsHex(synTs)} 00 00 00 00 01 03 03 07`);
    expect(optionHex(synAck)).toBe(`02 04 05 b4 04 02 08 0a ${tsHex(saTs)} ${tsHex(synTs)} 01 03 03 07`);
    expect(optionHex(ack)).toBe(`01 01 08 0a ${tsHex(synTs)} ${tsHex(saTs)}`);
    expect(syn.bytes.length).toBe(40); // 74-byte frame
    expect(ack.bytes.length).toBe(32); // 66-byte frame
    for (const s of net.log) expect(s.ttl).toBe(64);
    for (const s of net.log) expect(s.df).toBe(true);
  });

  it('counts IP IDs per socket; the SYN-ACK carries 0', () => {
    const c = ids(net.log, 'client1');
    for (let i = 1; i < c.length; i++) expect(c[i]).toBe((c[0]! + i) & 0xffff);
    const s = ids(net.log, 'server1');
    expect(s[0]).toBe(0);
    expect(s[1]).not.toBe(0);
    for (let i = 2; i < s.length; i++) expect(s[i]).toBe((s[1]! + i - 1) & 0xffff);
  });

  it('echoes timestamps and runs a 1 ms TSval clock', () => {
    const c = net.log.filter((s) => s.from === 'client1');
    const ts = (s: Sent) => s.tcp.options.find((o) => o.kind === 'timestamps') as { tsVal: number; tsEcr: number };
    const t0 = ts(c[0]!).tsVal;
    for (const s of c) expect(ts(s).tsVal).toBe((t0 + Math.floor(s.t / MS)) >>> 0);
    for (let i = 1; i < net.log.length; i++) {
      const prevOther = net.log.slice(0, i).reverse().find((p) => p.from !== net.log[i]!.from)!;
      expect(ts(net.log[i]!).tsEcr).toBe(ts(prevOther).tsVal);
    }
  });

  it('leaves the client in TIME_WAIT for 60 s, then frees it', () => {
    expect(client.timeWaitEntries).toBe(1);
    expect(server.connectionCount + server.timeWaitEntries).toBe(0);
    net.sched.runFor(60_000 * MS);
    expect(client.timeWaitEntries).toBe(0);
    expect(client.connectionCount).toBe(0);
  });
});

describe('keep-alive: five requests on one connection (reference e3 stream 0)', () => {
  const { net, client, server } = setup(7);
  const resp = response(2);
  echoServer(net, server, resp, 250 * US);
  const run = curlLike(net, client, 5, resp.length);
  net.sched.runFor(1000 * MS);

  it('sends no separate ACK for requests 2..5 nor for responses 2..5', () => {
    expect(run.received).toBe(resp.repeat(5));
    expect(net.pattern()).toEqual([
      'client1 S 0 win=64240',
      'server1 S. 0 win=65160',
      'client1 . 0 win=502',
      'client1 P. 72 win=502',
      'server1 . 0 win=509',
      'server1 P. 294 win=509',
      'client1 . 0 win=501',
      'client1 P. 72 win=501',
      'server1 P. 294 win=509',
      'client1 P. 72 win=501',
      'server1 P. 294 win=509',
      'client1 P. 72 win=501',
      'server1 P. 294 win=509',
      'client1 P. 72 win=501',
      'server1 P. 294 win=509',
      'client1 F. 0 win=501',
      'server1 F. 0 win=509',
      'client1 . 0 win=501',
    ]);
  });
});

describe('windows after a large request (links, 601 bytes)', () => {
  it('advertises 505 for the rest of the connection', () => {
    const { net, client, server } = setup(3);
    const resp = response(3);
    echoServer(net, server, resp);
    const req = 'GET / HTTP/1.1\r\n' + 'X'.repeat(601 - 20) + '\r\n\r\n';
    expect(req.length).toBe(601);
    curlLike(net, client, 1, resp.length, req);
    net.sched.runFor(1000 * MS);
    const srv = net.log.filter((s) => s.from === 'server1').map((s) => s.tcp.window);
    expect(srv).toEqual([65160, 505, 505, 505]);
  });
});

describe('closed port', () => {
  it('answers a SYN with RST,ACK (seq 0, ID 0, window 0) and the client sees refused', () => {
    const { net, client } = setup();
    const run = curlLike(net, client, 1, 10);
    net.sched.runFor(100 * MS);
    expect(run.error).toBe('refused');
    const [syn, rst] = net.log as [Sent, Sent];
    expect(rst.tcp.flags).toBe(TCP_RST | TCP_ACK);
    expect(rst.tcp.seq).toBe(0);
    expect(rst.tcp.ack).toBe((syn.tcp.seq + 1) >>> 0);
    expect(rst.ipId).toBe(0);
    expect(rst.tcp.window).toBe(0);
    expect(rst.bytes.length).toBe(20);
    expect(net.log.length).toBe(2);
    expect(client.connectionCount).toBe(0);
  });
});

describe('SYN retransmission (tcp_syn_linear_timeouts=4, syn_retries=6)', () => {
  it('resends 1 s apart four times, then doubles, and gives up at 131 s', () => {
    const { net, client } = setup();
    net.drop = (s) => s.from === 'client1';
    const run = curlLike(net, client, 1, 10);
    let failedAt = -1;
    const onError = run.sock.handlers.onError!;
    run.sock.handlers.onError = (s, e) => {
      failedAt = net.sched.now;
      onError(s, e);
    };
    net.sched.runFor(200_000 * MS);
    const times = net.log.map((s) => s.t / 1e9);
    expect(times).toEqual([0, 1, 2, 3, 4, 5, 7, 11, 19, 35, 67]);
    expect(new Set(net.log.map((s) => s.tcp.seq)).size).toBe(1);
    const idsSeen = net.log.map((s) => s.ipId);
    for (let i = 1; i < idsSeen.length; i++) expect(idsSeen[i]).toBe((idsSeen[0]! + i) & 0xffff);
    expect(run.error).toBe('timeout');
    expect(failedAt / 1e9).toBe(131);
  });
});

describe('loss and retransmission', () => {
  it('resends a lost response after the RTO (srtt + 200 ms) and the data still arrives', () => {
    const { net, client, server } = setup();
    const resp = response(1);
    echoServer(net, server, resp);
    let dropped = false;
    net.drop = (s) => {
      if (!dropped && s.from === 'server1' && s.len > 0) {
        dropped = true;
        return true;
      }
      return false;
    };
    const run = curlLike(net, client, 1, resp.length);
    net.sched.runFor(5000 * MS);
    expect(run.received).toBe(resp);
    const data = net.log.filter((s) => s.from === 'server1' && s.len > 0);
    expect(data.length).toBe(2);
    expect(data[1]!.tcp.seq).toBe(data[0]!.tcp.seq);
    const gap = (data[1]!.t - data[0]!.t) / MS;
    expect(gap).toBeGreaterThanOrEqual(200);
    expect(gap).toBeLessThan(210);
    expect(server.stats.retransSegs).toBe(1);
  });

  it('resends a lost request, and a lost FIN', () => {
    const { net, client, server } = setup(5);
    const resp = response(1);
    echoServer(net, server, resp);
    const seen = new Set<string>();
    net.drop = (s) => {
      const key = s.len > 0 ? 'data' : s.flags.includes('F') ? 'fin' : '';
      if (s.from === 'client1' && key !== '' && !seen.has(key)) {
        seen.add(key);
        return true;
      }
      return false;
    };
    const run = curlLike(net, client, 1, resp.length);
    net.sched.runFor(10_000 * MS);
    expect(run.received).toBe(resp);
    expect(run.closed).toBe(true);
    expect(client.stats.retransSegs).toBe(2);
    expect(server.connectionCount).toBe(0);
  });

  it('keeps the ack clock with several segments and one loss in the middle', () => {
    const { net, client, server } = setup(9);
    const big = 'x'.repeat(10_000);
    echoServer(net, server, big, 100 * US);
    let n = 0;
    net.drop = (s) => s.from === 'server1' && s.len > 0 && ++n === 3;
    const run = curlLike(net, client, 1, big.length);
    net.sched.runFor(10_000 * MS);
    expect(run.received).toBe(big);
    const segs = net.log.filter((s) => s.from === 'server1' && s.len > 0);
    expect(segs.slice(0, 7).map((s) => s.len)).toEqual([1448, 1448, 1448, 1448, 1448, 1448, 1312]);
    expect(segs.slice(0, 7).map((s) => s.flags)).toEqual(['.', '.', '.', '.', '.', '.', 'P.']);
    // The receiver saw the hole: duplicate ACKs carry a SACK block.
    const sacks = net.log.filter((s) => s.from === 'client1' && s.tcp.options.some((o) => o.kind === 'sack'));
    expect(sacks.length).toBeGreaterThan(0);
  });
});

describe('delayed ACK', () => {
  it('ACKs the first response at once, then delays the ACK of a later one by 40 ms', () => {
    const { net, client, server } = setup();
    const resp = response(1);
    echoServer(net, server, resp, 1 * MS);
    let got = 0;
    client.connect(SERVER, 80, {
      onConnect: (s) => s.write(enc(GET72)),
      onData: (s, d) => {
        got += d.length;
        // Request 2 goes out 100 us after response 1 (interactive); response 2 is left unanswered.
        if (got === resp.length) net.sched.after(100 * US, () => s.write(enc(GET72)));
      },
    });
    net.sched.runFor(1000 * MS);
    const responses = net.log.filter((s) => s.from === 'server1' && s.len === resp.length);
    expect(responses.length).toBe(2);
    const after = (t: number) => net.log.find((s) => s.from === 'client1' && s.t > t)!;
    const ack1 = after(responses[0]!.t);
    expect(ack1.flags).toBe('.');
    expect(ack1.t - responses[0]!.t).toBe(50 * US); // quickack: on arrival
    const ack2 = after(responses[1]!.t);
    expect(ack2.flags).toBe('.');
    expect(ack2.tcp.ack).toBe((responses[1]!.tcp.seq + resp.length) >>> 0);
    expect(ack2.t - responses[1]!.t).toBe(50 * US + 40 * MS);
  });
});

describe('ephemeral ports', () => {
  it('are even, in 32768-60999, and rise in steps of 2-16 towards one destination', () => {
    const { net, client, server } = setup(11);
    server.listen(80, () => ({}));
    const ports: number[] = [];
    for (let i = 0; i < 40; i++) {
      const s = client.connect(SERVER, 80, {});
      ports.push(s.localPort);
      net.sched.runFor(10 * MS);
      s.close();
    }
    for (const p of ports) {
      expect(p % 2).toBe(0);
      expect(p).toBeGreaterThanOrEqual(32768);
      expect(p).toBeLessThanOrEqual(60999);
    }
    for (let i = 1; i < ports.length; i++) {
      const step = (ports[i]! - ports[i - 1]! + 28232) % 28232;
      expect(step).toBeGreaterThanOrEqual(2);
      expect(step).toBeLessThanOrEqual(16);
    }
  });
});

describe('segmentation and determinism', () => {
  it('cuts a write at the MSS (1448 with timestamps) with PSH on the last segment', () => {
    const { net, client, server } = setup();
    const body = 'y'.repeat(5000);
    echoServer(net, server, body);
    curlLike(net, client, 1, body.length);
    net.sched.runFor(1000 * MS);
    const segs = net.log.filter((s) => s.from === 'server1' && s.len > 0);
    expect(segs.map((s) => `${s.flags}${s.len}`)).toEqual(['.1448', '.1448', '.1448', 'P.656']);
  });

  it('gives identical bytes for the same seed and different ones for another', () => {
    const run = (seed: number): string => {
      const { net, client, server } = setup(seed);
      const resp = response(1);
      echoServer(net, server, resp);
      curlLike(net, client, 2, resp.length);
      net.sched.runFor(1000 * MS);
      return net.log.map((s) => `${s.t} ${s.ipId} ${Buffer.from(s.bytes).toString('hex')}`).join('\n');
    };
    expect(run(42)).toBe(run(42));
    expect(run(42)).not.toBe(run(43));
  });
});
