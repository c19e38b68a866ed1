// `npm run bench [-- <filter>] [--json] [--time <seconds per case>]`: runs every bench/*.bench.ts
// module (sorted by name) and prints operations per second. Speed is measured here, never gated
// by unit tests. A filter keeps cases whose "module: case" text contains it. Cases marked `once`
// (whole-lab runs) are timed as a single run and print their own report lines.

import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import os from 'node:os';
import type { BenchCase, BenchModule, BenchResult } from './harness.ts';

const args = process.argv.slice(2);
const json = args.includes('--json');
const timeIdx = args.indexOf('--time');
const secondsPerCase = timeIdx >= 0 ? Number(args[timeIdx + 1]) : 1.5;
const filters = args.filter((a, i) => !a.startsWith('--') && (timeIdx < 0 || i !== timeIdx + 1));

function nowNs(): bigint {
  return process.hrtime.bigint();
}

/** CPU time (user + system, all threads) of this process in ns: unlike wall time it does not
 * count the time other processes hold the CPU, so figures stay comparable on a busy machine. */
function cpuNs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
}

/** A `once` case: one timed run; ops per second of CPU time, and the wall time. */
function measureOnce(c: BenchCase): { opsPerSec: number; spread: number; wallSec: number } {
  c.setup?.();
  try {
    const t0 = nowNs();
    const c0 = cpuNs();
    c.run();
    const dt = (cpuNs() - c0) / 1e9;
    const wallSec = Number(nowNs() - t0) / 1e9;
    return { opsPerSec: c.opsPerRun / dt, spread: 0, wallSec };
  } finally {
    c.teardown?.();
  }
}

function measure(c: BenchCase): { opsPerSec: number; spread: number; wallSec?: number } {
  if (c.once === true) return measureOnce(c);
  c.setup?.();
  try {
    // Warm up until the JIT has settled (at least 0.2 s).
    const warmEnd = nowNs() + 200_000_000n;
    while (nowNs() < warmEnd) c.run();
    const samples: number[] = [];
    const budget = BigInt(Math.round(secondsPerCase * 1e9));
    const end = nowNs() + budget;
    while (samples.length < 5 || (nowNs() < end && samples.length < 200)) {
      const t0 = nowNs();
      const c0 = cpuNs();
      let runs = 0;
      // A sample lasts ~50 ms so GC pauses average out across samples.
      while (nowNs() - t0 < 50_000_000n) {
        c.run();
        runs++;
      }
      const dt = (cpuNs() - c0) / 1e9;
      samples.push((runs * c.opsPerRun) / dt);
    }
    samples.sort((a, b) => a - b);
    const median = samples[Math.floor(samples.length / 2)]!;
    return { opsPerSec: median, spread: (samples[samples.length - 1]! - samples[0]!) / median };
  } finally {
    c.teardown?.();
  }
}

function fmt(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return n.toFixed(0);
}

const here = dirname(fileURLToPath(import.meta.url));
const files = readdirSync(here).filter((f) => f.endsWith('.bench.ts')).sort();
const results: BenchResult[] = [];
if (!json) {
  console.log(`lbsim bench — node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown CPU'}; per second of process CPU time, median of ≥5 samples`);
}
for (const f of files) {
  const mod = (await import(pathToFileURL(join(here, f)).href)) as { default: BenchModule };
  const m = mod.default;
  const cases = m.cases.filter((c) => filters.length === 0 || filters.some((x) => `${m.title}: ${c.name}`.includes(x)));
  if (cases.length === 0) continue;
  if (!json) console.log(`\n${m.title} (${f})`);
  for (const c of cases) {
    const r = measure(c);
    const res: BenchResult = { module: m.title, name: c.name, unit: c.unit, opsPerSec: r.opsPerSec, spread: r.spread };
    if (c.bytesPerOp !== undefined) res.bytesPerSec = r.opsPerSec * c.bytesPerOp;
    if (r.wallSec !== undefined) res.wallSec = r.wallSec;
    const notes = c.report?.() ?? [];
    if (notes.length > 0) res.notes = notes;
    results.push(res);
    if (!json) {
      const mb = res.bytesPerSec === undefined ? '' : `  ${(res.bytesPerSec / 1e6).toFixed(0).padStart(5)} MB/s`;
      const tail = r.wallSec === undefined ? `±${(r.spread * 50).toFixed(0)}%` : `(one run, ${r.wallSec.toFixed(2)} s wall)`;
      console.log(`  ${c.name.padEnd(74)} ${fmt(r.opsPerSec).padStart(9)} ${c.unit}/s${mb}  ${tail}`);
      for (const line of notes) console.log(`    ${line}`);
    }
  }
}
if (json) console.log(JSON.stringify(results, null, 2));
