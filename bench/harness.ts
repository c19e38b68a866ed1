// The benchmark contract: every bench/*.bench.ts module default-exports a BenchModule. The runner
// (bench/index.ts) finds them by file name, so a layer adds its benchmark without touching it.

export interface BenchCase {
  name: string;
  /** What one operation is, for the report (e.g. "frames"). */
  unit: string;
  /** Operations done by one call of run(). */
  opsPerRun: number;
  /** Bytes handled per operation, to report a throughput (optional). */
  bytesPerOp?: number;
  /** Called once before timing (and again after teardown if the case is re-run). */
  setup?: () => void;
  run: () => void;
  /** Called once after timing (close files, remove temporary data). */
  teardown?: () => void;
  /**
   * A long workload timed as one run (no warm-up, no repeated samples): the runner calls setup,
   * run once, then reads opsPerRun (run may set it) and prints the lines of `report`.
   */
  once?: boolean;
  /** Extra lines printed under the result (memory readings, wall time...). */
  report?: () => string[];
}

export interface BenchModule {
  title: string;
  cases: BenchCase[];
}

export interface BenchResult {
  module: string;
  name: string;
  unit: string;
  opsPerSec: number;
  /** Spread of the samples: (max - min) / median. */
  spread: number;
  bytesPerSec?: number;
  /** Wall-clock seconds of the timed run (`once` cases). */
  wallSec?: number;
  /** The case's own report lines. */
  notes?: string[];
}
