// Small labs for the HTTP end-to-end tests: two hosts on one segment, or client - router - server,
// with TCP, an Apache-like server and captures kept in memory (written to a temp dir for tshark).

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemorySink } from '../../src/pcap/index.ts';
import { Capture, Network, type CaptureFile, type Host } from '../../src/stack/index.ts';
import { attachTcp } from '../../src/stack/tcp/index.ts';
import { HttpServer, appEnvOf, type AppEnv } from '../../src/apps/index.ts';
import { ipv4FromString as ip } from '../../src/wire/index.ts';

export { ip };

export function page(n: number): Uint8Array {
  return new TextEncoder().encode(`<html><body><h1>This reply comes from server ${n}!</h1></body></html>\n`);
}

export interface Lab {
  net: Network;
  client: Host;
  server: Host;
  router: Host | null;
  clientEnv: AppEnv;
  http: HttpServer;
  /** Server address as the client uses it. */
  serverAddr: string;
  /** Closes the capture and writes every file to a fresh temp dir; returns the dir. */
  writeCaptures(): string;
  files(): Map<string, Uint8Array>;
}

export function buildLab(kind: 'two' | 'routed', opts: { seed?: number; lossRate?: number; lossDomain?: string } = {}): Lab {
  const net = new Network({ seed: opts.seed ?? 1 });
  const domainOpts = (name: string) => (opts.lossRate !== undefined && (opts.lossDomain ?? 'A') === name ? { lossRate: opts.lossRate } : {});
  net.addDomain('A', domainOpts('A'));
  if (kind === 'routed') net.addDomain('B', domainOpts('B'));
  const sinks = new Map<string, MemorySink>();
  const capture = new Capture(net, {
    sinks: (f: CaptureFile) => {
      const s = new MemorySink();
      sinks.set(f.name, s);
      return s;
    },
  });
  const client = net.addHost('client1');
  net.connect(client, 'eth0', 'A');
  client.addAddress('eth0', ip('10.0.0.10'), 24);
  let server: Host;
  let router: Host | null = null;
  let serverAddr: string;
  if (kind === 'two') {
    server = net.addHost('server1');
    net.connect(server, 'eth0', 'A');
    server.addAddress('eth0', ip('10.0.0.1'), 24);
    serverAddr = '10.0.0.1';
  } else {
    router = net.addHost('router', { ipForward: true });
    server = net.addHost('server1');
    net.connect(router, 'eth0', 'A');
    net.connect(router, 'eth1', 'B');
    net.connect(server, 'eth0', 'B');
    router.addAddress('eth0', ip('10.0.0.1'), 24);
    router.addAddress('eth1', ip('100.0.0.4'), 24);
    server.addAddress('eth0', ip('100.0.0.1'), 24);
    ok(client.addRoute({ dst: 0, prefixLen: 0, gateway: ip('10.0.0.1') }));
    ok(server.addRoute({ dst: 0, prefixLen: 0, gateway: ip('100.0.0.4') }));
    serverAddr = '100.0.0.1';
  }
  attachTcp(client);
  attachTcp(server);
  const http = new HttpServer(appEnvOf(server), { files: { '/index.html': { body: page(1) } } });
  let closed: Map<string, Uint8Array> | null = null;
  const files = (): Map<string, Uint8Array> => {
    if (closed === null) {
      capture.close();
      closed = new Map();
      for (const [k, v] of sinks) closed.set(k, v.bytes());
    }
    return closed;
  };
  return {
    net,
    client,
    server,
    router,
    clientEnv: appEnvOf(client),
    http,
    serverAddr,
    files,
    writeCaptures() {
      const dir = mkdtempSync(join(tmpdir(), 'lbsim-http-'));
      for (const [name, bytes] of files()) writeFileSync(join(dir, name), bytes);
      return dir;
    },
  };
}

function ok(r: string): void {
  if (r !== 'ok') throw new Error(`expected ok, got ${r}`);
}

/** Runs the scheduler until `done()` or the virtual time limit. */
export function runUntil(net: Network, done: () => boolean, limitSec = 600): void {
  net.scheduler.runWhile(() => !done(), net.scheduler.now + limitSec * 1e9);
  if (!done()) throw new Error(`still running after ${limitSec} s of virtual time`);
}
