// TCP (the TCP helper's TcpStack) over this stack: client - router - server, captured, judged by tshark.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireTsharkOrSkip, tsharkCheck, tsharkFields } from '../support/tshark.ts';
import { captureToMemory, ip, routed } from './support.ts';

const SEC = 1e9;
const enc = new TextEncoder();

function exchange(opts: { lossRate?: number; seed?: number } = {}) {
  const { net, client, server } = routed(opts.seed === undefined ? {} : { seed: opts.seed });
  if (opts.lossRate !== undefined) {
    // Replace segment B by a lossy one before anything is captured.
    const lossy = net.addDomain('B-lossy', { lossRate: opts.lossRate });
    net.connect(net.host('router'), 'eth1', lossy);
    net.connect(server, 'eth0', lossy);
  }
  const cap = captureToMemory(net);
  const got: string[] = [];
  let closed = false;
  server.tcp.listen(80, () => ({
    onData: (sock, data) => {
      got.push(new TextDecoder().decode(data));
      sock.write(enc.encode('x'.repeat(3000)));
    },
    onPeerClose: (sock) => sock.close(),
  }));
  let received = 0;
  client.tcp.connect(ip('100.0.0.1'), 80, {
    onConnect: (sock) => sock.write(enc.encode('GET / HTTP/1.1\r\nHost: 100.0.0.1\r\n\r\n')),
    onData: (sock, data) => {
      received += data.length;
      if (received === 3000) sock.close();
    },
    onClosed: () => {
      closed = true;
    },
  });
  net.scheduler.runUntil(30 * SEC);
  return { files: cap.finish(), got, received: () => received, closed: () => closed, net, client, server };
}

function writeAll(files: Map<string, Uint8Array>): string {
  const dir = mkdtempSync(join(tmpdir(), 'lbsim-tcp-'));
  for (const [name, bytes] of files) writeFileSync(join(dir, name), bytes);
  return dir;
}

describe('TCP over the stack', () => {
  it('a request and a 3000-byte answer cross the router; both sides close', () => {
    const r = exchange();
    expect(r.got).toEqual(['GET / HTTP/1.1\r\nHost: 100.0.0.1\r\n\r\n']);
    expect(r.received()).toBe(3000);
    expect(r.closed()).toBe(true);
  });

  it('a SYN to a closed port gets a RST and connect fails with refused', () => {
    const { net, client } = routed();
    const errors: string[] = [];
    client.tcp.connect(ip('100.0.0.1'), 81, { onError: (_s, e) => errors.push(e) });
    net.scheduler.runUntil(SEC);
    expect(errors).toEqual(['refused']);
  });

  it('tshark: no malformed packets, no bad checksums, no TCP analysis flags; TTL 63 beyond the router', (ctx) => {
    requireTsharkOrSkip(ctx);
    const dir = writeAll(exchange().files);
    for (const f of ['client1-eth0.pcap', 'router-eth0.pcap', 'router-eth1.pcap', 'server1-eth0.pcap', 'domain-A.pcap', 'domain-B.pcap']) {
      const rep = tsharkCheck(join(dir, f));
      expect(rep.malformed, f).toEqual([]);
      expect(rep.badChecksums, f).toEqual([]);
      expect(rep.analysisFlags, f).toEqual([]);
    }
    const syn = tsharkFields(join(dir, 'server1-eth0.pcap'), ['ip.ttl'], { filter: 'tcp.flags.syn == 1 && tcp.flags.ack == 0' });
    expect(syn.map((r) => r['ip.ttl']?.[0])).toEqual(['63']);
  });

  it('loss on a segment: retransmissions that tshark labels as such, and the data still arrives', (ctx) => {
    requireTsharkOrSkip(ctx);
    // Seed chosen so that the 25% loss hits data segments of this short exchange.
    let r: ReturnType<typeof exchange> | undefined;
    let retrans = 0;
    let dir = '';
    for (let seed = 1; seed <= 20 && retrans === 0; seed++) {
      r = exchange({ lossRate: 0.25, seed });
      if (r.received() !== 3000) continue;
      dir = writeAll(r.files);
      retrans = tsharkFields(join(dir, 'router-eth1.pcap'), ['frame.number'], { filter: 'tcp.analysis.retransmission' }).length;
    }
    expect(r?.received()).toBe(3000);
    expect(retrans).toBeGreaterThan(0);
    const rep = tsharkCheck(join(dir, 'router-eth1.pcap'));
    expect(rep.malformed).toEqual([]);
    expect(rep.badChecksums).toEqual([]);
  });
});
