// A shell without a network: coreutils, a virtual clock driven by a small event queue, files in
// memory, and extra programs a test injects.
import {
  COREUTILS,
  MemoryFileSystem,
  ShellState,
  Trampoline,
  runScript,
  parseScript,
  type Clock,
  type Program,
} from '../../../src/apps/shell/index.ts';

export class FakeClock implements Clock {
  t = 0;
  private q: Array<{ at: number; seq: number; fn: () => void }> = [];
  private seq = 0;
  now(): number {
    return this.t;
  }
  after(delayNs: number, fn: () => void): void {
    this.q.push({ at: this.t + delayNs, seq: this.seq++, fn });
  }
  runAll(): void {
    for (;;) {
      this.q.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const e = this.q.shift();
      if (e === undefined) return;
      this.t = e.at;
      e.fn();
    }
  }
}

export interface Run {
  stdout: string;
  stderr: string;
  status: number;
  shell: ShellState;
  fs: MemoryFileSystem;
  clock: FakeClock;
}

export function runShell(src: string, opts: { files?: Record<string, string>; programs?: Record<string, Program>; positional?: string[] } = {}): Run {
  const fs = new MemoryFileSystem(opts.files ?? {});
  const programs = new Map<string, Program>(COREUTILS);
  for (const [k, v] of Object.entries(opts.programs ?? {})) programs.set(k, v);
  const clock = new FakeClock();
  const shell = new ShellState('client1', fs, programs, clock, new Trampoline(), null);
  shell.positional = opts.positional ?? [];
  let out = '';
  let err = '';
  let status = -1;
  const dec = new TextDecoder();
  runScript(shell, parseScript(src), { stdin: new Uint8Array(0), stdout: (c) => (out += dec.decode(c)), stderr: (c) => (err += dec.decode(c)) }, (s) => {
    status = s;
  });
  clock.runAll();
  return { stdout: out, stderr: err, status, shell, fs, clock };
}
