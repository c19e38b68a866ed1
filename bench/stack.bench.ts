// Sequential HTTP connections client -> router -> server through the whole stack (ARP, IPv4
// forwarding, TCP, the Apache-like server, wget), every frame captured on every interface and
// domain into null sinks (pcap per interface and domain, the merged pcapng, no text trace).
// Reports simulated connections per second of CPU time, captured frames per second (interface
// records, all interfaces), and the heap after 10,000 and 20,000 connections (flat = finished
// connections, TIME_WAIT included, are freed).

import { NullSink } from '../src/pcap/index.ts';
import { Capture, Network, type Host } from '../src/stack/index.ts';
import { attachTcp } from '../src/stack/tcp/index.ts';
import { HttpServer, appEnvOf, runWget, type AppEnv } from '../src/apps/index.ts';
import { ipv4FromString as ip } from '../src/wire/index.ts';
import type { BenchCase, BenchModule } from './harness.ts';

interface BenchLab {
  net: Network;
  capture: Capture;
  env: AppEnv;
  done: number;
}

function buildLab(): BenchLab {
  const net = new Network({ seed: 1 });
  const capture = new Capture(net, { sinks: () => new NullSink(), trace: false });
  const client = net.addHost('client1');
  const router = net.addHost('router', { ipForward: true });
  const server = net.addHost('server1');
  net.connect(client, 'eth0', 'A');
  net.connect(router, 'eth0', 'A');
  net.connect(router, 'eth1', 'B');
  net.connect(server, 'eth0', 'B');
  client.addAddress('eth0', ip('10.0.0.10'), 24);
  router.addAddress('eth0', ip('10.0.0.1'), 24);
  router.addAddress('eth1', ip('100.0.0.4'), 24);
  server.addAddress('eth0', ip('100.0.0.1'), 24);
  ok(client, client.addRoute({ dst: 0, prefixLen: 0, gateway: ip('10.0.0.1') }));
  ok(server, server.addRoute({ dst: 0, prefixLen: 0, gateway: ip('100.0.0.4') }));
  attachTcp(client);
  attachTcp(server);
  new HttpServer(appEnvOf(server), {
    files: { '/index.html': { body: new TextEncoder().encode('<html><body><h1>This reply comes from server 1!</h1></body></html>\n') } },
  });
  return { net, capture, env: appEnvOf(client), done: 0 };
}

function ok(h: Host, r: string): void {
  if (r !== 'ok') throw new Error(`${h.name}: ${r}`);
}

/** Runs `n` wget fetches one after the other (each starts when the previous process exits). */
function fetch(lab: BenchLab, n: number): void {
  const target = lab.done + n;
  const next = (): void => {
    runWget(lab.env, { url: 'http://100.0.0.1/', output: '-', quiet: true }, (r) => {
      if (r.exitCode !== 0) throw new Error(`wget failed: ${r.stderr}`);
      lab.done++;
      if (lab.done < target) next();
    });
  };
  next();
  lab.net.scheduler.runWhile(() => lab.done < target);
}

const PER_RUN = 1000;
let connLab: BenchLab | null = null;
let frameLab: BenchLab | null = null;
let framesPerConn = 0;

function heapMb(): number {
  globalThis.gc?.();
  return process.memoryUsage().heapUsed / 1e6;
}

const cases: BenchCase[] = [
  {
    name: 'HTTP connections client -> router -> server (wget, captured)',
    unit: 'connections',
    opsPerRun: PER_RUN,
    setup: () => {
      connLab = buildLab();
    },
    run: () => fetch(connLab!, PER_RUN),
    teardown: () => {
      connLab = null;
    },
  },
  {
    name: 'the same, in captured frames (all interfaces)',
    unit: 'frames',
    opsPerRun: 0,
    setup: () => {
      frameLab = buildLab();
      // Measure the frames one batch produces once, so opsPerRun is exact.
      const before = frameLab.capture.stats.interfaceFrames;
      fetch(frameLab, PER_RUN);
      framesPerConn = (frameLab.capture.stats.interfaceFrames - before) / PER_RUN;
      (cases[1] as { opsPerRun: number }).opsPerRun = Math.round(framesPerConn * PER_RUN);
    },
    run: () => fetch(frameLab!, PER_RUN),
    teardown: () => {
      frameLab = null;
    },
  },
  {
    name: '10,000 then 20,000 connections: heap (MB, printed) stays flat',
    unit: 'connections',
    opsPerRun: 10_000,
    setup: () => {
      const lab = buildLab();
      const h0 = heapMb();
      fetch(lab, 10_000);
      const h1 = heapMb();
      const tw1 = lab.net.scheduler.pending;
      fetch(lab, 10_000);
      const h2 = heapMb();
      console.log(
        `    heap: ${h0.toFixed(1)} MB at start, ${h1.toFixed(1)} MB after 10,000 connections, ${h2.toFixed(1)} MB after 20,000` +
          ` (pending events ${tw1} / ${lab.net.scheduler.pending}; ${framesPerConn || 'n/a'} captured frames per connection;` +
          ` ${(lab.net.scheduler.now / 1e9).toFixed(1)} s of virtual time)`,
      );
      connLab = lab;
    },
    run: () => fetch(connLab!, 10_000),
    teardown: () => {
      connLab = null;
    },
  },
];

const mod: BenchModule = { title: 'stack: sequential HTTP connections', cases };
export default mod;
