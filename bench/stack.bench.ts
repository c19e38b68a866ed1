// Sequential HTTP connections client -> router -> server through the whole stack (ARP, IPv4
// forwarding, TCP, the Apache-like server, wget), every frame captured on every interface and
// domain into null sinks (pcap per interface and domain, the merged pcapng, no text trace).
// Reports simulated connections per second of CPU time, captured frames per second (interface
// records, all interfaces), and the heap after 10,000 and 20,000 connections (flat = finished
// connections, TIME_WAIT included, are freed).

import v8 from 'node:v8';
import vm from 'node:vm';
import { NullSink } from '../src/pcap/index.ts';
import { Capture, Network, type Host } from '../src/stack/index.ts';
import { attachTcp, type TcpStack } from '../src/stack/tcp/index.ts';
import { HttpServer, appEnvOf, runWget, type AppEnv } from '../src/apps/index.ts';
import { ipv4FromString as ip } from '../src/wire/index.ts';
import type { BenchCase, BenchModule } from './harness.ts';

interface BenchLab {
  net: Network;
  capture: Capture;
  env: AppEnv;
  clientTcp: TcpStack;
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
  const clientTcp = attachTcp(client);
  attachTcp(server);
  new HttpServer(appEnvOf(server), {
    files: { '/index.html': { body: new TextEncoder().encode('<html><body><h1>This reply comes from server 1!</h1></body></html>\n') } },
  });
  return { net, capture, env: appEnvOf(client), clientTcp, done: 0 };
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

// A full collection before each heap reading, without asking the runner for --expose-gc.
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

function heapMb(): number {
  gc();
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
    name: '40,000 connections; heap at 10k/20k/40k printed above',
    unit: 'connections',
    opsPerRun: 40_000,
    setup: () => {
      const lab = buildLab();
      const h0 = heapMb();
      const marks: string[] = [];
      for (const n of [10_000, 10_000, 20_000]) {
        fetch(lab, n);
        marks.push(`${heapMb().toFixed(1)} MB after ${lab.done / 1000}k (${lab.clientTcp.timeWaitEntries} in TIME_WAIT)`);
      }
      console.log(
        `    heap ${h0.toFixed(1)} MB at start; ${marks.join('; ')}; ${(lab.net.scheduler.now / 1e9).toFixed(0)} s virtual;` +
          ` ${framesPerConn || 'n/a'} captured frames per connection`,
      );
      connLab = lab;
    },
    run: () => fetch(connLab!, 40_000),
    teardown: () => {
      connLab = null;
    },
  },
];

const mod: BenchModule = { title: 'stack: sequential HTTP connections', cases };
export default mod;
