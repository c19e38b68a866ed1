// The whole lab (scenarios/netkit-loadbalancer.yaml through the scenario builder: two clients,
// three iptables web switches with conntrack and NAT, three Apache servers, every capture of a
// `lbsim run`: interface and domain pcaps, the merged pcapng with NAT comments, trace.txt) with
// `./count_server_replies.sh VIP` run 100 times per VIP — rounds of 10.0.0.1, .2, .3, clients
// taking turns — so 300 runs of 103 connections, about 31,000 connections.
// Once with capture files under os.tmpdir() (the CLI's FileSink, removed afterwards), once with
// captures into null sinks. Each is one timed run; it prints the wall time, captured frames
// (interface records) per wall second, the peak RSS and heap sampled after every script run, and
// RSS and heap after a forced GC at several points (flat = finished connections are freed once
// TIME_WAIT and conntrack's 120 s TIME_WAIT timeout have filled up).

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import { FileSink } from '../src/cli/files.ts';
import { NullSink, type ByteSink } from '../src/pcap/index.ts';
import { buildLab, loadScenario, type Lab } from '../src/scenario/index.ts';
import type { CaptureFile } from '../src/stack/index.ts';
import type { BenchCase, BenchModule } from './harness.ts';

const SCENARIO = join(dirname(fileURLToPath(import.meta.url)), '..', 'scenarios', 'netkit-loadbalancer.yaml');
const VIPS = ['10.0.0.1', '10.0.0.2', '10.0.0.3'];
const ROUNDS = Number(process.env.LBSIM_BENCH_LAB_ROUNDS ?? 100);
/** Rounds after which memory is read (after a forced GC). */
const MARKS = new Set([1, 10, 25, 50, 75, 100].filter((r) => r <= ROUNDS).concat([ROUNDS]));

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const MB = 1e6;

interface LabRun {
  lab: Lab;
  dir: string | null;
  lines: string[];
}

function boot(files: boolean): LabRun {
  const scenario = loadScenario(readFileSync(SCENARIO, 'utf8'), SCENARIO);
  const dir = files ? mkdtempSync(join(tmpdir(), 'lbsim-bench-lab-')) : null;
  const sinks = (f: CaptureFile): ByteSink => (dir !== null ? new FileSink(join(dir, f.name)) : new NullSink());
  return { lab: buildLab(scenario, { sinks }), dir, lines: [] };
}

/** Runs the workload; returns the captured interface frames. Memory readings go to `lines`. */
function workload(r: LabRun): number {
  const { lab } = r;
  const capture = lab.capture!;
  const f0 = capture.stats.interfaceFrames;
  let peakRss = 0;
  let peakHeap = 0;
  let readNs = 0n;
  let readCpuUs = 0;
  const marks: string[] = [];
  const read = (label: string): void => {
    const t = process.hrtime.bigint();
    const c = process.cpuUsage();
    gc();
    const m = process.memoryUsage();
    marks.push(`${label}: rss ${(m.rss / MB).toFixed(0)} MB, heap ${(m.heapUsed / MB).toFixed(1)} MB`);
    readNs += process.hrtime.bigint() - t;
    const d = process.cpuUsage(c);
    readCpuUs += d.user + d.system;
  };
  read('after boot');
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  let runs = 0;
  for (let round = 1; round <= ROUNDS; round++) {
    for (const vip of VIPS) {
      const host = runs % 2 === 0 ? 'client1' : 'client2';
      const o = lab.runStep({ kind: 'command', host, command: `./count_server_replies.sh ${vip}` });
      if (o.exitCode !== 0) throw new Error(`${host}: count_server_replies.sh ${vip}: exit ${o.exitCode}: ${o.stderr}`);
      runs++;
      const m = process.memoryUsage();
      if (m.rss > peakRss) peakRss = m.rss;
      if (m.heapUsed > peakHeap) peakHeap = m.heapUsed;
    }
    if (MARKS.has(round)) read(`${round * VIPS.length} runs (${(lab.network.scheduler.now / 1e9).toFixed(0)} s virtual)`);
  }
  lab.finish();
  lab.close();
  const wall = Number(process.hrtime.bigint() - t0 - readNs) / 1e9;
  const cpuUsed = process.cpuUsage(cpu0);
  const cpu = (cpuUsed.user + cpuUsed.system - readCpuUs) / 1e6;
  const frames = capture.stats.interfaceFrames - f0;
  r.lines.push(
    `${runs} script runs, ${frames} interface frames (${capture.stats.domainFrames} domain frames), ${wall.toFixed(2)} s wall without the GC readings: ` +
      `${(frames / wall / 1e3).toFixed(1)} k frames/s wall; ${cpu.toFixed(2)} s CPU: ${(frames / cpu / 1e3).toFixed(1)} k frames/s of CPU time`,
    `peak (sampled after each script run): rss ${(peakRss / MB).toFixed(0)} MB, heap ${(peakHeap / MB).toFixed(1)} MB; process maxRSS ${(process.resourceUsage().maxRSS / 1e3).toFixed(0)} MB`,
    `after a forced GC — ${marks.join('; ')}`,
  );
  return frames;
}

function labCase(files: boolean): BenchCase {
  let run: LabRun | null = null;
  let lines: string[] = [];
  const c: BenchCase = {
    name: `lab, count_server_replies.sh x${ROUNDS} per VIP, ${files ? 'capture files in os.tmpdir()' : 'captures into null sinks'}`,
    unit: 'frames',
    opsPerRun: 0,
    once: true,
    setup: () => {
      run = boot(files);
    },
    run: () => {
      c.opsPerRun = workload(run!);
    },
    teardown: () => {
      if (run?.dir != null) rmSync(run.dir, { recursive: true, force: true });
      // Keep the figures only: the next case starts from an empty heap.
      lines = run?.lines ?? [];
      run = null;
    },
    report: () => lines,
  };
  return c;
}

const mod: BenchModule = { title: 'lab: the whole load-balancer lab', cases: [labCase(true), labCase(false)] };
export default mod;
