// The interpreter of parsed shell code, in continuation-passing style: a program that needs
// virtual time (wget, ping, sleep) calls its `done` later, from a scheduler event, and the shell
// carries on from there. Synchronous continuations go through a trampoline so a 100-iteration
// loop of builtins does not grow the JS stack.
//
// Pipelines run their stages one after the other, each stage's stdout becoming the next one's
// stdin: the lab's pipelines (wget | md5sum, for ... done | sort | uniq -c) only consume their
// input at end of file, so the output is the same as with concurrent stages.
import {
  parseScript,
  ShellSyntaxError,
  type AndOr,
  type Command,
  type Pipeline,
  type Redirect,
  type Script,
  type SimpleCommand,
  type Word,
} from './parse.ts';

/** Where a program writes: a byte sink. */
export type Sink = (chunk: Uint8Array) => void;

export const DISCARD: Sink = () => {};

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function bytes(s: string): Uint8Array {
  return encoder.encode(s);
}

export function text(b: Uint8Array): string {
  return decoder.decode(b);
}

export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const c of chunks) n += c.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/** A sink that keeps what it is given. */
export class Collector {
  private chunks: Uint8Array[] = [];
  readonly sink: Sink;

  constructor() {
    // Assigned here, not as a field initializer: tsx keeps function names, and a named arrow
    // costs a property definition each time one is made (one collector per pipeline stage).
    this.sink = (c) => {
      if (c.length > 0) this.chunks.push(c);
    };
  }

  bytes(): Uint8Array {
    return concatBytes(this.chunks);
  }

  text(): string {
    return text(this.bytes());
  }
}

/** A host's files as the shell sees them (paths absolute, '/'-separated). */
export interface FileSystem {
  read(path: string): Uint8Array | undefined;
  write(path: string, data: Uint8Array): void;
  isDirectory(path: string): boolean;
}

export class MemoryFileSystem implements FileSystem {
  readonly files = new Map<string, Uint8Array>();

  constructor(initial: Record<string, string | Uint8Array> = {}) {
    for (const [p, c] of Object.entries(initial)) this.files.set(normalizePath('/', p), typeof c === 'string' ? bytes(c) : c);
  }

  read(path: string): Uint8Array | undefined {
    return this.files.get(path);
  }

  write(path: string, data: Uint8Array): void {
    this.files.set(path, data);
  }

  isDirectory(path: string): boolean {
    if (path === '/' || path === '/root' || path === '/tmp') return true;
    const prefix = path.endsWith('/') ? path : path + '/';
    for (const p of this.files.keys()) if (p.startsWith(prefix)) return true;
    return false;
  }
}

export function normalizePath(cwd: string, p: string): string {
  const abs = p.startsWith('/') ? p : `${cwd.replace(/\/$/, '')}/${p}`;
  const out: string[] = [];
  for (const seg of abs.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return '/' + out.join('/');
}

/** Everything a running program can see and do. */
export interface Proc {
  readonly argv: readonly string[];
  readonly stdin: Uint8Array;
  readonly stdout: Sink;
  readonly stderr: Sink;
  /** The shell that started it (variables, files, cwd, the host's services). */
  readonly shell: ShellState;
  /** Writes text to stdout / stderr. */
  out(s: string): void;
  err(s: string): void;
  /** Ends the program. Call exactly once, now or from a later scheduler event. */
  done(exitCode: number): void;
}

export type Program = (p: Proc) => void;

/**
 * Virtual time from the moment bash decides to run an external program to the moment that program
 * runs its first line: fork() of the shell, execve() and the dynamic loader mapping the binary and
 * its shared libraries (wget, route, md5sum, cat, seq ...). On a Linux of the lab's kind this is of
 * the order of a millisecond; 1 ms is the figure used, the same for every binary, so runs stay
 * deterministic. It matters because the network keeps working while a script is between two
 * commands: in count_server_replies.sh the last reference wget exits with the server's FIN still on
 * its way, and on a real host `route del default` only runs after that FIN has been ACKed (one
 * lab round trip is far below 1 ms). Starting the next program at the very instant the previous
 * one ended would cut the route first and leave the server retransmitting its FIN.
 *
 * Not charged: bash builtins (echo, printf, test, [, true, false, pwd, cd, read ...), which run
 * inside the shell, and forks that exec nothing (subshells, $(...) around shell code, pipeline
 * stages running shell code), which cost a fraction of this and have no program to wait for.
 * The stages of a pipeline are forked together when the pipeline starts, so a later stage's start
 * delay runs from then, in parallel with the stages before it (see `ShellState.launchedAt`).
 */
export const PROGRAM_START_NS = 1_000_000;

/** COREUTILS programs that bash runs as builtins when called by name (not by path). */
const BASH_BUILTIN_PROGRAMS: ReadonlySet<string> = new Set(['echo', 'printf', 'test', '[', 'true', 'false', 'pwd']);

/** Schedules work in virtual time (the simulation's scheduler). */
export interface Clock {
  /** Virtual time, integer nanoseconds since the scenario start. */
  now(): number;
  after(delayNs: number, fn: () => void): void;
}

/** The shell of one host: its variables survive from one console step to the next. */
export class ShellState {
  vars = new Map<string, string>();
  positional: string[] = [];
  /** $0 */
  argv0 = 'bash';
  lastStatus = 0;
  cwd = '/root';
  /** Set by `exit`: the rest of the script is skipped. */
  exitCode: number | null = null;
  /** Set by `return` inside a function. */
  returnCode: number | null = null;
  /** Pending `break N` / `continue N` levels. */
  breaking = 0;
  continuing = 0;
  functions = new Map<string, Command>();
  /**
   * A pipeline stage's shell: when bash forked it (the pipeline's start). The first program it
   * starts counts its start delay from then (PROGRAM_START_NS); null elsewhere.
   */
  launchedAt: number | null = null;

  constructor(
    readonly hostName: string,
    readonly fs: FileSystem,
    readonly programs: ReadonlyMap<string, Program>,
    readonly clock: Clock,
    readonly trampoline: Trampoline,
    /** Opaque per-host services for the network programs (see programs). */
    readonly services: unknown,
    readonly pid: number = 1,
  ) {}

  /** A child shell ((...), $(...), a pipeline stage, a script): variables copied. */
  child(): ShellState {
    const c = new ShellState(this.hostName, this.fs, this.programs, this.clock, this.trampoline, this.services, this.pid);
    c.vars = new Map(this.vars);
    c.positional = [...this.positional];
    c.argv0 = this.argv0;
    c.lastStatus = this.lastStatus;
    c.cwd = this.cwd;
    c.functions = new Map(this.functions);
    return c;
  }

  resolve(path: string): string {
    return normalizePath(this.cwd, path);
  }
}

/** Runs continuations in a loop instead of nesting them. */
export class Trampoline {
  private queue: Array<() => void> = [];
  private running = false;

  run(fn: () => void): void {
    this.queue.push(fn);
    if (this.running) return;
    this.running = true;
    try {
      while (this.queue.length > 0) (this.queue.shift() as () => void)();
    } finally {
      this.running = false;
    }
  }
}

interface Io {
  stdin: Uint8Array;
  stdout: Sink;
  stderr: Sink;
}

type K = (status: number) => void;

function errText(io: Io, s: string): void {
  io.stderr(bytes(s));
}

// ---------------------------------------------------------------------------------------------

/** exit, return, break or continue is unwinding: the current list stops. */
function interrupted(sh: ShellState): boolean {
  return sh.exitCode !== null || sh.returnCode !== null || sh.breaking > 0 || sh.continuing > 0;
}

/**
 * After a loop body: whether the loop goes on. `continue` resumes this loop when it targets it;
 * `break` (or a `continue` for an outer loop) leaves it.
 */
function loopGoesOn(sh: ShellState): boolean {
  if (sh.exitCode !== null || sh.returnCode !== null) return false;
  if (sh.breaking > 0) {
    sh.breaking--;
    return false;
  }
  if (sh.continuing > 0) {
    sh.continuing--;
    if (sh.continuing > 0) return false;
  }
  return true;
}

// The hot continuations below are methods of small run-state classes rather than named closures:
// tsx keeps function names, so each named closure made at run time costs a property definition.

export function runScript(sh: ShellState, script: Script, io: Io, k: K): void {
  const run = new ScriptRun(sh, script.items, io, k);
  sh.trampoline.run(() => run.step(sh.lastStatus));
}

/** A script's items, run one after the other. */
class ScriptRun {
  private i = 0;
  constructor(
    private readonly sh: ShellState,
    private readonly items: AndOr[],
    private readonly io: Io,
    private readonly k: K,
  ) {}

  step(status: number): void {
    const sh = this.sh;
    if (interrupted(sh) || this.i >= this.items.length) {
      this.k(sh.exitCode ?? sh.returnCode ?? status);
      return;
    }
    const item = this.items[this.i++] as AndOr;
    runAndOr(sh, item, this.io, (s) => sh.trampoline.run(() => this.step(s)));
  }
}

function runAndOr(sh: ShellState, a: AndOr, io: Io, k: K): void {
  const run = new AndOrRun(sh, a, io, k);
  runPipeline(sh, a.first, io, (s) => sh.trampoline.run(() => run.next(s)));
}

/** The pipelines of an && / || list after the first. */
class AndOrRun {
  private i = 0;
  constructor(
    private readonly sh: ShellState,
    private readonly a: AndOr,
    private readonly io: Io,
    private readonly k: K,
  ) {}

  next(status: number): void {
    const sh = this.sh;
    const rest = this.a.rest;
    sh.lastStatus = status;
    while (this.i < rest.length) {
      const r = rest[this.i++] as AndOr['rest'][number];
      if (interrupted(sh)) break;
      if ((r.op === '&&' && status === 0) || (r.op === '||' && status !== 0)) {
        runPipeline(sh, r.pipeline, this.io, (s) => sh.trampoline.run(() => this.next(s)));
        return;
      }
    }
    this.k(status);
  }
}

function runPipeline(sh: ShellState, p: Pipeline, io: Io, k: K): void {
  if (p.commands.length === 1) {
    runCommandNode(sh, p.commands[0] as Command, io, (status) => pipelineDone(sh, p, status, k));
    return;
  }
  new PipelineRun(sh, p, io, k).stage();
}

/** The stages of a pipeline of two or more commands. */
class PipelineRun {
  private stdin: Uint8Array;
  private i = 0;
  // bash forks every stage at once; they run one after the other here (see the header).
  private readonly forkedAt: number;
  constructor(
    private readonly sh: ShellState,
    private readonly p: Pipeline,
    private readonly io: Io,
    private readonly k: K,
  ) {
    this.stdin = io.stdin;
    this.forkedAt = sh.clock.now();
  }

  stage(): void {
    const { sh, p, io } = this;
    const cmd = p.commands[this.i++] as Command;
    const last = this.i === p.commands.length;
    const child = sh.child();
    // A stage of shell code (a loop, a group) forks its programs as it reaches them.
    if (cmd.kind === 'simple') child.launchedAt = this.forkedAt;
    const col = new Collector();
    runCommandNode(child, cmd, { stdin: this.stdin, stdout: last ? io.stdout : col.sink, stderr: io.stderr }, (status) => {
      if (last) {
        sh.trampoline.run(() => pipelineDone(sh, p, status, this.k));
        return;
      }
      this.stdin = col.bytes();
      sh.trampoline.run(() => this.stage());
    });
  }
}

/** A pipeline's status: `!` negates it; it becomes $?. */
function pipelineDone(sh: ShellState, p: Pipeline, status: number, k: K): void {
  const s = p.negate ? (status === 0 ? 1 : 0) : status;
  sh.lastStatus = s;
  k(s);
}

function runCommandNode(sh: ShellState, c: Command, io: Io, k: K): void {
  if (c.kind === 'simple') {
    runSimple(sh, c, io, k);
    return;
  }
  withRedirects(sh, c.redirects, io, k, (rio, kk) => {
    switch (c.kind) {
      case 'group': {
        const target = c.subshell ? sh.child() : sh;
        runScript(target, c.body, rio, kk);
        return;
      }
      case 'if':
        runIf(sh, c.clauses, c.elseBody, rio, kk);
        return;
      case 'for':
        runFor(sh, c.name, c.items, c.body, rio, kk);
        return;
      case 'while':
        runWhile(sh, c.until, c.cond, c.body, rio, kk);
        return;
      case 'arith-for':
        runArithFor(sh, c.init, c.cond, c.step, c.body, rio, kk);
        return;
      case 'arith': {
        const v = evalArith(sh, c.expr);
        if (typeof v === 'string') {
          errText(rio, `bash: ((: ${c.expr.trim()}: ${v}\n`);
          kk(1);
        } else kk(v !== 0 ? 0 : 1);
        return;
      }
      case 'cond':
        expandEach(sh, c.words, rio, (args) => {
          const r = evalCond(args);
          if (typeof r === 'string') {
            errText(rio, `bash: ${r}\n`);
            kk(2);
          } else kk(r ? 0 : 1);
        });
        return;
      case 'case':
        runCase(sh, c, rio, kk);
        return;
      case 'function':
        sh.functions.set(c.name, c.body);
        kk(0);
        return;
    }
  });
}

/** Expands each word to one string (no field splitting), as inside [[ ]] and case. */
function expandEach(sh: ShellState, words: Word[], io: Io, k: (values: string[]) => void): void {
  const out: string[] = [];
  let i = 0;
  const next = (): void => {
    if (i >= words.length) {
      k(out);
      return;
    }
    expandWord(sh, words[i++] as Word, io, false, (f) => {
      out.push(f.join(''));
      sh.trampoline.run(next);
    });
  };
  next();
}

/** A shell pattern (* ? [...]) as a regular expression matching the whole string. */
export function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '\\' && i + 1 < pattern.length) re += (pattern[++i] as string).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        let body = pattern.slice(i + 1, end);
        if (body.startsWith('!')) body = '^' + body.slice(1);
        re += `[${body.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's');
}

function runCase(sh: ShellState, c: Extract<Command, { kind: 'case' }>, io: Io, k: K): void {
  expandEach(sh, [c.subject], io, ([subject]) => {
    let a = 0;
    const nextArm = (): void => {
      if (a >= c.arms.length) {
        k(0);
        return;
      }
      const arm = c.arms[a++] as (typeof c.arms)[number];
      expandEach(sh, arm.patterns, io, (patterns) => {
        if (patterns.some((p) => globToRegExp(p).test(subject as string))) runScript(sh, arm.body, io, k);
        else sh.trampoline.run(nextArm);
      });
    };
    nextArm();
  });
}

function runArithFor(sh: ShellState, init: string, cond: string, step: string, body: Script, io: Io, k: K): void {
  const arith = (e: string): number | null => {
    if (e === '') return 1;
    const v = evalArith(sh, e);
    if (typeof v === 'string') {
      errText(io, `bash: ((: ${e}: ${v}\n`);
      return null;
    }
    return v;
  };
  if (arith(init) === null) {
    k(1);
    return;
  }
  let status = 0;
  const next = (): void => {
    const c = arith(cond);
    if (c === null) {
      k(1);
      return;
    }
    if (c === 0) {
      k(status);
      return;
    }
    runScript(sh, body, io, (s) => {
      status = s;
      if (!loopGoesOn(sh) || arith(step) === null) k(sh.exitCode ?? sh.returnCode ?? status);
      else sh.trampoline.run(next);
    });
  };
  next();
}

/** [[ ]] expressions: ! && || ( ), -z -n -e -f -d, == != (patterns), =~, < >, -eq ... */
function evalCond(args: string[]): boolean | string {
  let i = 0;
  const num = (x: string): number | null => (/^\s*-?[0-9]+\s*$/.test(x) ? Number.parseInt(x, 10) : null);
  const primary = (): boolean => {
    const a = args[i];
    if (a === undefined) throw new Error('conditional binary operator expected');
    if (a === '!') {
      i++;
      return !primary();
    }
    if (a === '(') {
      i++;
      const v = or();
      if (args[i++] !== ')') throw new Error("syntax error in conditional expression: expected `)'");
      return v;
    }
    const op = args[i + 1];
    const b = args[i + 2];
    if (op !== undefined && b !== undefined && /^(==|=|!=|=~|<|>|-eq|-ne|-lt|-le|-gt|-ge)$/.test(op)) {
      i += 3;
      switch (op) {
        case '==':
        case '=':
          return globToRegExp(b).test(a);
        case '!=':
          return !globToRegExp(b).test(a);
        case '=~':
          try {
            return new RegExp(b).test(a);
          } catch {
            return false;
          }
        case '<':
          return a < b;
        case '>':
          return a > b;
        default: {
          const x = num(a) ?? 0;
          const y = num(b) ?? 0;
          return op === '-eq' ? x === y : op === '-ne' ? x !== y : op === '-lt' ? x < y : op === '-le' ? x <= y : op === '-gt' ? x > y : x >= y;
        }
      }
    }
    if (/^-[znefd]$/.test(a) && args[i + 1] !== undefined) {
      const v = args[i + 1] as string;
      i += 2;
      if (a === '-z') return v === '';
      if (a === '-n') return v !== '';
      return false;
    }
    i++;
    return a !== '';
  };
  const and = (): boolean => {
    let v = primary();
    while (args[i] === '&&') {
      i++;
      const r = primary();
      v = v && r;
    }
    return v;
  };
  const or = (): boolean => {
    let v = and();
    while (args[i] === '||') {
      i++;
      const r = and();
      v = v || r;
    }
    return v;
  };
  try {
    const v = or();
    if (i < args.length) return `syntax error in conditional expression near \`${args[i] as string}'`;
    return v;
  } catch (e) {
    return (e as Error).message;
  }
}

function runIf(sh: ShellState, clauses: Array<{ cond: Script; body: Script }>, elseBody: Script | null, io: Io, k: K): void {
  let i = 0;
  const next = (): void => {
    if (i >= clauses.length) {
      if (elseBody !== null) runScript(sh, elseBody, io, k);
      else k(0);
      return;
    }
    const cl = clauses[i++] as { cond: Script; body: Script };
    runScript(sh, cl.cond, io, (s) => {
      if (interrupted(sh)) k(s);
      else if (s === 0) runScript(sh, cl.body, io, k);
      else sh.trampoline.run(next);
    });
  };
  next();
}

function runFor(sh: ShellState, name: string, items: Word[] | null, body: Script, io: Io, k: K): void {
  const iterate = (values: string[]) => {
    let i = 0;
    let status = 0;
    const next = (): void => {
      if (i >= values.length) {
        k(status);
        return;
      }
      sh.vars.set(name, values[i++] as string);
      runScript(sh, body, io, (s) => {
        status = s;
        if (!loopGoesOn(sh)) k(sh.exitCode ?? sh.returnCode ?? status);
        else sh.trampoline.run(next);
      });
    };
    next();
  };
  if (items === null) iterate([...sh.positional]);
  else expandWords(sh, items, io, (fields) => iterate(fields));
}

function runWhile(sh: ShellState, until: boolean, cond: Script, body: Script, io: Io, k: K): void {
  let status = 0;
  const next = (): void => {
    runScript(sh, cond, io, (s) => {
      if (interrupted(sh)) {
        if (!loopGoesOn(sh)) k(sh.exitCode ?? sh.returnCode ?? status);
        else sh.trampoline.run(next);
        return;
      }
      if ((s === 0) === until) {
        k(status);
        return;
      }
      runScript(sh, body, io, (b) => {
        status = b;
        if (!loopGoesOn(sh)) k(sh.exitCode ?? sh.returnCode ?? status);
        else sh.trampoline.run(next);
      });
    });
  };
  next();
}

/** Applies redirections left to right, runs `body` with them, then writes files it created. */
function withRedirects(sh: ShellState, redirects: Redirect[], io: Io, k: K, body: (io: Io, k: K) => void): void {
  if (redirects.length === 0) {
    body(io, k);
    return;
  }
  const fds: Array<Sink | undefined> = [undefined, io.stdout, io.stderr];
  let stdin = io.stdin;
  const files: Array<{ path: string; col: Collector }> = [];
  let i = 0;
  const next = (): void => {
    if (i >= redirects.length) {
      const rio: Io = { stdin, stdout: fds[1] ?? DISCARD, stderr: fds[2] ?? DISCARD };
      body(rio, (status) => {
        for (const f of files) sh.fs.write(f.path, concatBytes([sh.fs.read(f.path) ?? new Uint8Array(0), f.col.bytes()]));
        k(status);
      });
      return;
    }
    const r = redirects[i++] as Redirect;
    expandWords(sh, [r.target], io, (fields) => {
      if (fields.length !== 1) {
        errText(io, `bash: ${r.target.raw}: ambiguous redirect\n`);
        k(1);
        return;
      }
      const target = fields[0] as string;
      if (r.op === '>&') {
        const n = /^[0-9]$/.test(target) ? Number(target) : -1;
        if (n < 0) {
          // `>&file` is `&>file`.
          openOutput(target, -1, false);
        } else if (n > 2 || fds[n] === undefined) {
          errText(io, `bash: ${target}: Bad file descriptor\n`);
          k(1);
          return;
        } else {
          fds[r.fd] = fds[n];
        }
        next();
        return;
      }
      if (r.op === '<') {
        const path = sh.resolve(target);
        const data = path === '/dev/null' ? new Uint8Array(0) : sh.fs.read(path);
        if (data === undefined) {
          errText(io, `bash: ${target}: No such file or directory\n`);
          k(1);
          return;
        }
        if (r.fd === 0) stdin = data;
        next();
        return;
      }
      openOutput(target, r.fd, r.op === '>>');
      next();
    });
  };
  const openOutput = (target: string, fd: number, append: boolean): void => {
    const path = sh.resolve(target);
    let sink: Sink;
    if (path === '/dev/null') {
      sink = DISCARD;
    } else if (path === '/dev/stdout') {
      sink = io.stdout;
    } else if (path === '/dev/stderr') {
      sink = io.stderr;
    } else {
      const col = new Collector();
      // The file exists from the moment it is opened (O_CREAT, and O_TRUNC unless >>); what the
      // command writes is appended when it ends.
      if (!append || sh.fs.read(path) === undefined) sh.fs.write(path, new Uint8Array(0));
      files.push({ path, col });
      sink = col.sink;
    }
    if (fd === -1) {
      fds[1] = sink;
      fds[2] = sink;
    } else {
      fds[fd] = sink;
    }
  };
  next();
}

function runSimple(sh: ShellState, c: SimpleCommand, io: Io, k: K): void {
  new SimpleRun(sh, c, io, k).nextAssign();
}

/** A simple command: assignments and words are expanded before redirections are applied (bash order). */
class SimpleRun {
  private readonly assigns: Array<[string, string]> = [];
  private ai = 0;
  constructor(
    private readonly sh: ShellState,
    private readonly c: SimpleCommand,
    private readonly io: Io,
    private readonly k: K,
  ) {}

  nextAssign(): void {
    const { sh, c, io, k, assigns } = this;
    if (this.ai >= c.assigns.length) {
      expandWords(sh, c.words, io, (argv) => {
        if (argv.length === 0) {
          for (const [n, v] of assigns) sh.vars.set(n, v);
          withRedirects(sh, c.redirects, io, k, (_rio, kk) => kk(sh.lastStatus));
          return;
        }
        withRedirects(sh, c.redirects, io, k, (rio, kk) => exec(sh, argv, assigns, rio, kk));
      });
      return;
    }
    const a = c.assigns[this.ai++] as { name: string; value: Word };
    expandWord(sh, a.value, io, false, (fields) => {
      assigns.push([a.name, fields.join('')]);
      this.nextAssign();
    });
  }
}

/** Runs a command (argv already expanded): a shell builtin, a program, or a script file. */
function exec(sh: ShellState, argv: string[], assigns: Array<[string, string]>, io: Io, k: K): void {
  const name = argv[0] as string;
  const fn = sh.functions.get(name);
  if (fn !== undefined) {
    const saved = sh.positional;
    sh.positional = argv.slice(1);
    runCommandNode(sh, fn, io, (status) => {
      sh.positional = saved;
      const r = sh.returnCode;
      sh.returnCode = null;
      k(r ?? status);
    });
    return;
  }
  const builtin = SHELL_BUILTINS[name];
  if (builtin !== undefined) {
    builtin(sh, argv, io, k);
    return;
  }
  let env = sh;
  if (assigns.length > 0) {
    env = sh.child();
    env.launchedAt = sh.launchedAt;
  }
  for (const [n, v] of assigns) env.vars.set(n, v);
  // `bash FILE ARGS` and `sh FILE ARGS` run a script like `./FILE ARGS` does.
  if ((name === 'bash' || name === 'sh') && argv.length >= 2 && !(argv[1] as string).startsWith('-')) {
    runFile(env, argv[1] as string, argv.slice(1), io, k, `${name}: ${argv[1] as string}: No such file or directory\n`);
    return;
  }
  if (name.includes('/')) {
    // /sbin/route, /usr/bin/wget ...: a program in a standard directory, unless the host has
    // a file of that name.
    const abs = sh.resolve(name);
    const m = /^\/(?:usr\/(?:local\/)?)?s?bin\/([^/]+)$/.exec(abs);
    const std = m !== null && sh.fs.read(abs) === undefined ? sh.programs.get(m[1] as string) : undefined;
    if (std !== undefined) {
      // By path, even echo is the binary (/bin/echo), not the builtin.
      startProgram(env, std, argv, io, k);
      return;
    }
    runFile(env, name, argv, io, k, `bash: ${name}: No such file or directory\n`);
    return;
  }
  const program = sh.programs.get(name);
  if (program !== undefined) {
    startProgram(env, program, argv, io, k, !BASH_BUILTIN_PROGRAMS.has(name));
    return;
  }
  const missing = sh.programs.get(COMMAND_NOT_FOUND);
  if (missing !== undefined) {
    // bash forks, finds nothing to exec, and reports: no program start to wait for.
    startProgram(env, missing, argv, io, k, false);
    return;
  }
  errText(io, `bash: ${name}: command not found\n`);
  k(127);
}

/** The program the shell starts for a command it does not know (prints the error, exits 127). */
export const COMMAND_NOT_FOUND = '\0command-not-found';

/**
 * A path: the host's file is run as a script (a lab's own count_server_replies.sh); without a
 * file, a program registered under the absolute path (the built-in model of that script).
 */
function runFile(sh: ShellState, path: string, argv: string[], io: Io, k: K, missing: string): void {
  const abs = sh.resolve(path);
  const data = sh.fs.read(abs);
  if (data !== undefined) {
    // A script is a program too: fork, then exec of its interpreter (#!/bin/bash).
    afterStartDelay(sh, () => runScriptText(sh, path, text(data), argv.slice(1), io, k));
    return;
  }
  const program = sh.programs.get(abs);
  if (program !== undefined) {
    startProgram(sh, program, [path, ...argv.slice(1)], io, k);
    return;
  }
  errText(io, missing);
  k(127);
}

/**
 * Runs `fn` once a program launched from `sh` would start running (PROGRAM_START_NS after its
 * fork: now, or when its pipeline stage was forked); at once if that time has passed.
 */
function afterStartDelay(sh: ShellState, fn: () => void): void {
  const now = sh.clock.now();
  const forkedAt = sh.launchedAt ?? now;
  // Only the stage's first program was forked with the pipeline; later ones fork when they come.
  sh.launchedAt = null;
  const wait = forkedAt + PROGRAM_START_NS - now;
  if (wait <= 0) fn();
  else sh.clock.after(wait, fn);
}

/**
 * Starts `program` as a process of `sh`. `external`: a binary bash forks and execs, which starts
 * PROGRAM_START_NS later (the default); false for what bash runs itself (builtins).
 */
export function startProgram(sh: ShellState, program: Program, argv: string[], io: Io, k: K, external = true): void {
  if (external) {
    afterStartDelay(sh, () => runProgram(sh, program, argv, io, k));
    return;
  }
  sh.launchedAt = null;
  runProgram(sh, program, argv, io, k);
}

function runProgram(sh: ShellState, program: Program, argv: string[], io: Io, k: K): void {
  let finished = false;
  // Method shorthand, not arrow properties: tsx would name each arrow (a property definition).
  const proc: Proc = {
    argv,
    stdin: io.stdin,
    stdout: io.stdout,
    stderr: io.stderr,
    shell: sh,
    out(s) {
      io.stdout(bytes(s));
    },
    err(s) {
      io.stderr(bytes(s));
    },
    done(code) {
      if (finished) throw new Error(`${argv[0] ?? '?'}: done() called twice`);
      finished = true;
      sh.trampoline.run(() => k(code));
    },
  };
  program(proc);
}

/** Runs a script's text in a child shell with its own positional parameters, like `bash FILE`. */
export function runScriptText(sh: ShellState, name: string, source: string, args: string[], io: Io, k: K): void {
  let script: Script;
  try {
    script = parseScript(source.replace(/\r\n/g, '\n'));
  } catch (e) {
    if (e instanceof ShellSyntaxError) {
      const line = source.slice(0, e.offset).split('\n').length;
      errText(io, `${name}: line ${line}: ${e.message}\n`);
      k(2);
      return;
    }
    throw e;
  }
  const child = sh.child();
  child.positional = args;
  child.argv0 = name;
  child.lastStatus = 0;
  runScript(child, script, io, (status) => k(child.exitCode ?? status));
}

// ---------------------------------------------------------------------------------------------
// Expansion

type Segment = { text: string; split: boolean; quoted: boolean } | { brk: true };

function expandWords(sh: ShellState, words: Word[], io: Io, k: (fields: string[]) => void): void {
  new WordsExpansion(sh, words, io, k).next();
}

/** Words expanded one after the other into one list of fields. */
class WordsExpansion {
  private readonly out: string[] = [];
  private i = 0;
  constructor(
    private readonly sh: ShellState,
    private readonly words: Word[],
    private readonly io: Io,
    private readonly k: (fields: string[]) => void,
  ) {}

  next(): void {
    if (this.i >= this.words.length) {
      this.k(this.out);
      return;
    }
    expandWord(this.sh, this.words[this.i++] as Word, this.io, true, (fields) => {
      this.out.push(...fields);
      this.sh.trampoline.run(() => this.next());
    });
  }
}

function paramValue(sh: ShellState, name: string): string {
  if (/^[0-9]+$/.test(name)) {
    const n = Number(name);
    return n === 0 ? sh.argv0 : (sh.positional[n - 1] ?? '');
  }
  switch (name) {
    case '#':
      return String(sh.positional.length);
    case '?':
      return String(sh.lastStatus);
    case '$':
      return String(sh.pid);
    case '!':
      return '';
    case '@':
    case '*':
      return sh.positional.join(' ');
    default:
      return sh.vars.get(name) ?? '';
  }
}

/** Expands one word into fields (split = false: one string, as for an assignment). */
function expandWord(sh: ShellState, w: Word, io: Io, split: boolean, k: (fields: string[]) => void): void {
  new WordExpansion(sh, w, io, split, k).next();
}

/** One word's parts, expanded in order (a command substitution finishes later). */
class WordExpansion {
  private readonly segs: Segment[] = [];
  private i = 0;
  constructor(
    private readonly sh: ShellState,
    private readonly w: Word,
    private readonly io: Io,
    private readonly split: boolean,
    private readonly k: (fields: string[]) => void,
  ) {}

  next(): void {
    const { sh, w, io, segs } = this;
    if (this.i >= w.parts.length) {
      this.k(this.split ? fieldsOf(segs) : [segs.map((s) => ('brk' in s ? ' ' : s.text)).join('')]);
      return;
    }
    const p = w.parts[this.i++] as Word['parts'][number];
    switch (p.kind) {
      case 'lit':
        segs.push({ text: p.text, split: false, quoted: p.quoted });
        this.next();
        return;
      case 'param':
        if (p.name === '@' && p.quoted) {
          sh.positional.forEach((v, j) => {
            if (j > 0) segs.push({ brk: true });
            segs.push({ text: v, split: false, quoted: true });
          });
        } else {
          segs.push({ text: paramValue(sh, p.name), split: !p.quoted, quoted: p.quoted });
        }
        this.next();
        return;
      case 'arith': {
        const r = evalArith(sh, p.expr);
        if (typeof r === 'string') {
          errText(io, `bash: ${p.expr}: ${r}\n`);
          segs.push({ text: '', split: false, quoted: true });
        } else {
          segs.push({ text: String(r), split: !p.quoted, quoted: p.quoted });
        }
        this.next();
        return;
      }
      case 'cmdsub': {
        const child = sh.child();
        const col = new Collector();
        runScript(child, p.script, { stdin: new Uint8Array(0), stdout: col.sink, stderr: io.stderr }, (status) => {
          sh.lastStatus = status;
          segs.push({ text: col.text().replace(/\n+$/, ''), split: !p.quoted, quoted: p.quoted });
          sh.trampoline.run(() => this.next());
        });
        return;
      }
    }
  }
}

function fieldsOf(segs: Segment[]): string[] {
  const fields: string[] = [];
  let cur = '';
  let have = false;
  for (const s of segs) {
    if ('brk' in s) {
      fields.push(cur);
      cur = '';
      have = false;
      continue;
    }
    if (!s.split) {
      cur += s.text;
      if (s.quoted || s.text !== '') have = true;
      continue;
    }
    for (const ch of s.text) {
      if (ch === ' ' || ch === '\t' || ch === '\n') {
        if (have) fields.push(cur);
        cur = '';
        have = false;
      } else {
        cur += ch;
        have = true;
      }
    }
  }
  if (have) fields.push(cur);
  return fields;
}

/**
 * Shell arithmetic ($(( )), (( )), let, for (( ))): integers, variables (by name or $name),
 * + - * / % **, comparisons, ! && ||, ?:, assignments = += -= *= /= %=, ++ and --, and commas.
 * Returns the value, or an error message as bash words it.
 */
export function evalArith(sh: ShellState, expr: string): number | string {
  const toks: string[] = [];
  const re = /\s*(0x[0-9a-fA-F]+|[0-9]+|\$?[A-Za-z_][A-Za-z0-9_]*|\$[0-9#?]|\*\*|\+\+|--|[-+*/%]=|==|!=|<=|>=|&&|\|\||[-+*/%()<>!=?:,])/y;
  let pos = 0;
  const src = expr;
  while (pos < src.length) {
    if (/^\s*$/.test(src.slice(pos))) break;
    re.lastIndex = pos;
    const m = re.exec(src);
    if (m === null) return `syntax error: invalid arithmetic operator (error token is "${src.slice(pos).trim()}")`;
    toks.push(m[1] as string);
    pos = re.lastIndex;
  }
  let k = 0;
  const isName = (t: string | undefined): boolean => t !== undefined && /^[A-Za-z_][A-Za-z0-9_]*$/.test(t);
  const read = (t: string): number => {
    const v = t.startsWith('$') ? paramValue(sh, t.slice(1)) : (sh.vars.get(t) ?? '');
    if (v.trim() === '') return 0;
    const n = Number.parseInt(v, 10);
    if (Number.isNaN(n)) {
      // bash evaluates a variable holding an expression; a name that is not a number is 0.
      const nested = /^[A-Za-z_][A-Za-z0-9_]*$/.test(v.trim()) ? read(v.trim()) : 0;
      return nested;
    }
    return n;
  };
  const fail = (msg: string): never => {
    throw new Error(msg);
  };
  const primary = (): number => {
    const t = toks[k++];
    if (t === undefined) return fail('syntax error: operand expected (error token is "")');
    if (t === '(') {
      const v = comma();
      if (toks[k++] !== ')') fail("syntax error: `)' expected");
      return v;
    }
    if (t === '-') return -primary();
    if (t === '+') return primary();
    if (t === '!') return primary() === 0 ? 1 : 0;
    if (t === '++' || t === '--') {
      const n = toks[k++] as string;
      if (!isName(n)) return fail('syntax error: operand expected');
      const v = read(n) + (t === '++' ? 1 : -1);
      sh.vars.set(n, String(v));
      return v;
    }
    if (/^0x/i.test(t)) return Number.parseInt(t, 16);
    if (/^[0-9]+$/.test(t)) return t.length > 1 && t.startsWith('0') ? Number.parseInt(t, 8) : Number.parseInt(t, 10);
    if (isName(t)) {
      const after = toks[k];
      if (after === '++' || after === '--') {
        k++;
        const v = read(t);
        sh.vars.set(t, String(v + (after === '++' ? 1 : -1)));
        return v;
      }
      if (after === '=' || after === '+=' || after === '-=' || after === '*=' || after === '/=' || after === '%=') {
        k++;
        const r = assign();
        const cur = read(t);
        if ((after === '/=' || after === '%=') && r === 0) fail('division by 0 (error token is "0")');
        const v = after === '=' ? r : after === '+=' ? cur + r : after === '-=' ? cur - r : after === '*=' ? Math.imul(cur, r) : after === '/=' ? Math.trunc(cur / r) : cur % r;
        sh.vars.set(t, String(v));
        return v;
      }
      return read(t);
    }
    if (t.startsWith('$')) return read(t);
    return fail(`syntax error: operand expected (error token is "${t}")`);
  };
  const power = (): number => {
    const b = primary();
    if (toks[k] === '**') {
      k++;
      return b ** power();
    }
    return b;
  };
  const mul = (): number => {
    let v = power();
    while (toks[k] === '*' || toks[k] === '/' || toks[k] === '%') {
      const op = toks[k++];
      const r = power();
      if ((op === '/' || op === '%') && r === 0) fail('division by 0 (error token is "0")');
      v = op === '*' ? Math.imul(v, r) : op === '/' ? Math.trunc(v / r) : v % r;
    }
    return v;
  };
  const add = (): number => {
    let v = mul();
    while (toks[k] === '+' || toks[k] === '-') v = toks[k++] === '+' ? v + mul() : v - mul();
    return v;
  };
  const cmp = (): number => {
    let v = add();
    for (;;) {
      const op = toks[k];
      if (op !== '<' && op !== '>' && op !== '<=' && op !== '>=' && op !== '==' && op !== '!=') return v;
      k++;
      const r = add();
      v = (op === '<' ? v < r : op === '>' ? v > r : op === '<=' ? v <= r : op === '>=' ? v >= r : op === '==' ? v === r : v !== r) ? 1 : 0;
    }
  };
  const and = (): number => {
    let v = cmp();
    while (toks[k] === '&&') {
      k++;
      const r = cmp();
      v = v !== 0 && r !== 0 ? 1 : 0;
    }
    return v;
  };
  const or = (): number => {
    let v = and();
    while (toks[k] === '||') {
      k++;
      const r = and();
      v = v !== 0 || r !== 0 ? 1 : 0;
    }
    return v;
  };
  const assign = (): number => {
    const c = or();
    if (toks[k] === '?') {
      k++;
      const a = assign();
      if (toks[k++] !== ':') fail("syntax error: `:' expected for conditional expression");
      const b = assign();
      return c !== 0 ? a : b;
    }
    return c;
  };
  const comma = (): number => {
    let v = assign();
    while (toks[k] === ',') {
      k++;
      v = assign();
    }
    return v;
  };
  try {
    if (toks.length === 0) return 0;
    const v = comma();
    if (k < toks.length) return `syntax error in expression (error token is "${toks.slice(k).join(' ')}")`;
    return v | 0;
  } catch (e) {
    return (e as Error).message;
  }
}

// ---------------------------------------------------------------------------------------------
// Builtins that act on the shell itself

type Builtin = (sh: ShellState, argv: string[], io: Io, k: K) => void;

/** How far `read` has consumed each input buffer. */
const stdinCursor = new WeakMap<Uint8Array, number>();

const SHELL_BUILTINS: Record<string, Builtin> = {
  exit: (sh, argv, io, k) => {
    const a = argv[1];
    let code = sh.lastStatus;
    if (a !== undefined) {
      if (!/^-?[0-9]+$/.test(a)) {
        errText(io, `bash: exit: ${a}: numeric argument required\n`);
        code = 2;
      } else code = ((Number(a) % 256) + 256) % 256;
    }
    sh.exitCode = code;
    k(code);
  },
  cd: (sh, argv, io, k) => {
    const target = sh.resolve(argv[1] ?? '/root');
    if (!sh.fs.isDirectory(target)) {
      errText(io, `bash: cd: ${argv[1] ?? ''}: No such file or directory\n`);
      k(1);
      return;
    }
    sh.cwd = target;
    k(0);
  },
  export: (sh, argv, _io, k) => {
    for (const a of argv.slice(1)) {
      const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(a);
      if (m !== null) sh.vars.set(m[1] as string, m[2] as string);
    }
    k(0);
  },
  unset: (sh, argv, _io, k) => {
    for (const a of argv.slice(1)) sh.vars.delete(a);
    k(0);
  },
  shift: (sh, argv, _io, k) => {
    const n = argv[1] !== undefined ? Number(argv[1]) : 1;
    if (!Number.isInteger(n) || n < 0 || n > sh.positional.length) {
      k(1);
      return;
    }
    sh.positional = sh.positional.slice(n);
    k(0);
  },
  ':': (_sh, _argv, _io, k) => k(0),
  return: (sh, argv, _io, k) => {
    const code = argv[1] !== undefined && /^-?[0-9]+$/.test(argv[1]) ? ((Number(argv[1]) % 256) + 256) % 256 : sh.lastStatus;
    sh.returnCode = code;
    k(code);
  },
  break: (sh, argv, _io, k) => {
    sh.breaking = Math.max(1, Number(argv[1] ?? 1) || 1);
    k(0);
  },
  continue: (sh, argv, _io, k) => {
    sh.continuing = Math.max(1, Number(argv[1] ?? 1) || 1);
    k(0);
  },
  let: (sh, argv, io, k) => {
    let v = 0;
    for (const e of argv.slice(1)) {
      const r = evalArith(sh, e);
      if (typeof r === 'string') {
        errText(io, `bash: let: ${e}: ${r}\n`);
        k(1);
        return;
      }
      v = r;
    }
    k(v !== 0 ? 0 : 1);
  },
  local: (sh, argv, _io, k) => {
    for (const a of argv.slice(1)) {
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:=(.*))?$/s.exec(a);
      if (m !== null) sh.vars.set(m[1] as string, m[2] ?? sh.vars.get(m[1] as string) ?? '');
    }
    k(0);
  },
  read: (sh, argv, io, k) => {
    const names = argv.slice(1).filter((a) => !a.startsWith('-'));
    // Successive reads from the same input take successive lines.
    const at = stdinCursor.get(io.stdin) ?? 0;
    const input = text(io.stdin.subarray(at));
    if (input === '') {
      k(1);
      return;
    }
    const nl = input.indexOf('\n');
    const line = nl < 0 ? input : input.slice(0, nl);
    stdinCursor.set(io.stdin, at + bytes(nl < 0 ? input : input.slice(0, nl + 1)).length);
    const fields = line.trim().split(/[ \t]+/);
    const vars = names.length > 0 ? names : ['REPLY'];
    vars.forEach((n, j) => sh.vars.set(n, j === vars.length - 1 ? fields.slice(j).join(' ') : (fields[j] ?? '')));
    k(0);
  },
};

export const SHELL_BUILTIN_NAMES = Object.keys(SHELL_BUILTINS);
