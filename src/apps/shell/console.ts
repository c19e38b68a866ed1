// The console of each host: one shell per host whose state (variables, files written, the Links
// session, the working directory) lasts across console steps, the programs a lab user types, and
// the transcript format `client2:~# <command>` + what the terminal showed.
import type { Host, Network } from '../../stack/index.ts';
import { COREUTILS } from './coreutils.ts';
import { md5sumLine } from '../md5.ts';
import {
  bytes,
  Collector,
  COMMAND_NOT_FOUND,
  MemoryFileSystem,
  PROGRAM_START_NS,
  runScript,
  ShellState,
  startProgram,
  text,
  Trampoline,
  type Clock,
  type FileSystem,
  type Program,
  type Sink,
} from './interp.ts';
import { ifconfig, ip, netfilterCommand, route } from './netconfig.ts';
import { parseScript, ShellSyntaxError } from './parse.ts';
import { ping } from './ping.ts';
import {
  CounterTaps,
  servicesOf,
  type BrowserSession,
  type ClientResult,
  type ConsoleServices,
  type NetfilterCommands,
  type NetworkClients,
} from './services.ts';

/** Where the lab keeps the client script (Netkit logs in as root, in /root). */
export const COUNT_SCRIPT_PATH = '/root/count_server_replies.sh';

/**
 * The built-in model of the lab's client script, run by the shell step by step when the host has
 * no script file of its own: usage check, default route through ws_round-robin to learn the three
 * reference pages, route removal, then 100 fetches of the VIP (a new wget process, so a new TCP
 * connection, each time) whose md5 is compared with the references, counted by sort | uniq -c.
 */
export const BUILTIN_COUNT_SCRIPT = `#!/bin/bash
# count_server_replies.sh VIP: which server answers each of 100 requests sent to VIP.
if [ -z "$1" ]; then
  echo "Please specify the VIP of a web server as argument"
  exit 1
fi
route add default gw 10.0.0.1
for n in 1 2 3; do
  wget http://100.0.0.$n/ -O - 2>/dev/null | md5sum > /tmp/server$n.md5
done
route del default
for i in $(seq 1 100); do
  reply=$(wget http://$1/ -O - 2>/dev/null | md5sum)
  for n in 1 2 3; do
    if [ "$reply" = "$(cat /tmp/server$n.md5)" ]; then
      echo "replies received from server $n"
    fi
  done
done | sort | uniq -c
`;

export interface CommandResult {
  host: string;
  command: string;
  /** What the command wrote on stdout and on stderr (UTF-8). */
  stdout: string;
  stderr: string;
  /** Both, in the order the terminal received them. */
  output: string;
  exitCode: number;
  /** The directory part of the prompt the command was typed at: `~` in /root. */
  cwd: string;
  startNs: number;
  endNs: number;
}

export interface ShellContextOptions {
  /** The host's netfilter (for iptables*, conntrack); null or absent: those commands are unknown. */
  netfilter?: (host: Host) => NetfilterCommands | null;
  /** Files the host starts with (a lab folder's host/ tree, a scenario's files), by absolute path. */
  files?: (host: Host) => Record<string, string | Uint8Array>;
  /** The apps layer's network clients. */
  clients?: NetworkClients;
}

/** One host's console: its shell and what it reaches. */
export class HostConsole {
  readonly shell: ShellState;
  readonly fs: FileSystem;
  private busy = false;

  constructor(
    readonly host: Host,
    services: ConsoleServices,
    fs: FileSystem,
    programs: ReadonlyMap<string, Program>,
  ) {
    this.fs = fs;
    const clock: Clock = {
      now: () => host.scheduler.now,
      after: (ns, fn) => {
        host.scheduler.after(ns, fn);
      },
    };
    this.shell = new ShellState(host.name, fs, programs, clock, new Trampoline(), services);
  }

  /** The prompt, as Netkit's bash shows it: `client2:~# `. */
  prompt(): string {
    return `${this.host.name}:${promptDir(this.shell.cwd)}# `;
  }

  /** Runs one console line; `done` fires once the command has finished (in virtual time). */
  run(line: string, done: (r: CommandResult) => void): void {
    if (this.busy) throw new Error(`console of ${this.host.name} is still running a command`);
    this.busy = true;
    const startNs = this.host.scheduler.now;
    const cwd = promptDir(this.shell.cwd);
    const out: Uint8Array[] = [];
    const err: Uint8Array[] = [];
    const term: Uint8Array[] = [];
    const stdout: Sink = (c) => {
      out.push(c);
      term.push(c);
    };
    const stderr: Sink = (c) => {
      err.push(c);
      term.push(c);
    };
    const finish = (exitCode: number) => {
      this.busy = false;
      this.shell.exitCode = null;
      done({
        host: this.host.name,
        command: line,
        stdout: text(concat(out)),
        stderr: text(concat(err)),
        output: text(concat(term)),
        exitCode,
        cwd,
        startNs,
        endNs: this.host.scheduler.now,
      });
    };
    let script;
    try {
      script = parseScript(line);
    } catch (e) {
      if (!(e instanceof ShellSyntaxError)) throw e;
      stderr(bytes(`bash: ${e.message}\n`));
      this.shell.lastStatus = 2;
      finish(2);
      return;
    }
    if (script.items.length === 0) {
      finish(this.shell.lastStatus);
      return;
    }
    runScript(this.shell, script, { stdin: new Uint8Array(0), stdout, stderr }, (status) => {
      this.shell.lastStatus = status;
      finish(status);
    });
  }
}

function promptDir(cwd: string): string {
  return cwd === '/root' ? '~' : cwd.startsWith('/root/') ? `~${cwd.slice(5)}` : cwd;
}

function concat(chunks: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const c of chunks) n += c.length;
  const o = new Uint8Array(n);
  let k = 0;
  for (const c of chunks) {
    o.set(c, k);
    k += c.length;
  }
  return o;
}

/** The consoles of a network's hosts. */
export class ShellContext {
  private readonly consoles = new Map<string, HostConsole>();
  private readonly counters = new CounterTaps();
  private readonly programs: ReadonlyMap<string, Program>;

  /**
   * Create it once the topology is built and before traffic starts, so interface counters
   * (ifconfig) count from the beginning.
   */
  constructor(
    readonly network: Network,
    private readonly opts: ShellContextOptions = {},
  ) {
    for (const h of network.hosts) for (const i of h.interfaces) this.counters.attach(i);
    this.programs = buildPrograms();
  }

  /** Names of the commands a console knows, sorted (for the unknown-command message). */
  static knownCommands(): string[] {
    return [...buildPrograms().keys()].filter((k) => !k.startsWith('\0') && !k.startsWith('/')).concat(['./count_server_replies.sh', 'cd', 'exit', 'export']).sort();
  }

  console(host: Host | string): HostConsole {
    const h = typeof host === 'string' ? this.network.host(host) : host;
    let c = this.consoles.get(h.name);
    if (c === undefined) {
      for (const i of h.interfaces) this.counters.attach(i);
      const fs = new MemoryFileSystem(this.opts.files?.(h) ?? {});
      let browser: BrowserSession | null = null;
      const clients = this.opts.clients ?? {};
      const services: ConsoleServices = {
        host: h,
        netfilter: this.opts.netfilter?.(h) ?? null,
        clients,
        counters: (i) => this.counters.get(i),
        get browser(): BrowserSession | null {
          if (browser === null && clients.browser !== undefined) browser = clients.browser(h);
          return browser;
        },
      };
      c = new HostConsole(h, services, fs, this.programs);
      this.consoles.set(h.name, c);
    }
    return c;
  }
}

/**
 * Runs one console line on a host; `done` fires when the command has finished. The caller runs
 * the scheduler meanwhile (a console step starts a program and runs the scheduler until `done`).
 */
export function runCommand(ctx: ShellContext, host: Host | string, line: string, done: (r: CommandResult) => void): void {
  ctx.console(host).run(line, done);
}

/**
 * A step of a console transcript: the prompt and the command, then what the terminal showed,
 * then `[exit N]` when the command failed (the form of ../shared/reference/console/).
 */
export function formatTranscriptStep(r: Pick<CommandResult, 'host' | 'command' | 'output' | 'exitCode'> & { cwd?: string }): string {
  let s = `${r.host}:${r.cwd ?? '~'}# ${r.command}\n${r.output}`;
  if (s.length > 0 && !s.endsWith('\n')) s += '\n';
  if (r.exitCode !== 0) s += `[exit ${r.exitCode}]\n`;
  return s;
}

/**
 * The per-server counts in the output of count_server_replies.sh (`     37 replies received from
 * server 1`), for --json and reports.
 */
export function parseServerCounts(output: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const m of output.matchAll(/^ *([0-9]+) replies received from server (\S+)$/gm)) {
    counts[m[2] as string] = Number(m[1]);
  }
  return counts;
}

// ---------------------------------------------------------------------------------------------
// Programs

function clientOutput(p: Parameters<Program>[0], r: ClientResult): void {
  if (typeof r.stdout === 'string') p.out(r.stdout);
  else p.stdout(r.stdout);
  p.err(r.stderr);
  for (const f of r.files ?? []) p.shell.fs.write(p.shell.resolve(f.name), f.data);
}

/**
 * Splits clustered short options the way getopt does (`-qO-` -> `-q -O-`, `-so f` -> `-s -o f`),
 * so the clients' parsers see one option per word. `withArg` are the letters taking a value.
 */
export function splitShortOptions(argv: readonly string[], withArg: string): string[] {
  const out: string[] = [argv[0] ?? ''];
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') {
      out.push(...argv.slice(i));
      break;
    }
    if (!/^-[A-Za-z]{2,}/.test(a) || a === '-nv' || a.startsWith('-n')) {
      out.push(a);
      continue;
    }
    for (let k = 1; k < a.length; k++) {
      const f = a[k] as string;
      if (withArg.includes(f)) {
        out.push(`-${f}${a.slice(k + 1)}`);
        break;
      }
      out.push(`-${f}`);
    }
  }
  return out;
}

/**
 * What a terminal shows when a client writes its stdout and its stderr to it: wget's body comes
 * after the "Saving to" lines and before the progress dots; curl's between the meter's updates.
 */
function interleave(name: 'wget' | 'curl', body: Uint8Array, stderr: string): Array<{ out: boolean; bytes: Uint8Array }> {
  if (body.length === 0) return [{ out: false, bytes: bytes(stderr) }];
  let at = -1;
  if (name === 'wget') {
    const saving = stderr.indexOf('\nSaving to: ');
    if (saving >= 0) {
      const blank = stderr.indexOf('\n\n', saving + 1);
      if (blank >= 0) at = blank + 2;
    }
  } else {
    const meterEnd = stderr.indexOf('\n', stderr.indexOf('\r'));
    const lastCr = meterEnd >= 0 ? stderr.lastIndexOf('\r', meterEnd) : -1;
    if (lastCr > 0) at = lastCr;
  }
  if (at < 0) return [{ out: true, bytes: body }, { out: false, bytes: bytes(stderr) }];
  return [
    { out: false, bytes: bytes(stderr.slice(0, at)) },
    { out: true, bytes: body },
    { out: false, bytes: bytes(stderr.slice(at)) },
  ];
}

function clientProgram(name: 'wget' | 'curl'): Program {
  return (p) => {
    const s = servicesOf(p);
    const run = s.clients[name];
    if (run === undefined) {
      p.err(`bash: ${name}: command not found\n`);
      p.done(127);
      return;
    }
    const argv = splitShortOptions(p.argv, name === 'wget' ? 'OotTaPUeiwQlARDIXB' : 'oHXdueAmrTwYy');
    run(s.host, argv, (r) => {
      const body = typeof r.stdout === 'string' ? bytes(r.stdout) : r.stdout;
      for (const part of interleave(name, body, r.stderr)) {
        if (part.bytes.length > 0) (part.out ? p.stdout : p.stderr)(part.bytes);
      }
      for (const f of r.files ?? []) p.shell.fs.write(p.shell.resolve(f.name), f.data);
      p.done(r.exitCode);
    });
  };
}

const LINKS_USAGE = 'links: usage: links URL | links -dump URL | links reload | links close\n';

/**
 * links: `links URL` loads a page in the host's browser session (its connection stays open),
 * `links reload` asks again (ctrl+R), `links close` closes the connection (ctrl+S); the page is
 * printed as `links -dump` renders it. `links -dump URL` is a one-shot process.
 */
const links: Program = (p) => {
  const s = servicesOf(p);
  const args = p.argv.slice(1);
  const finish = (r: ClientResult) => {
    clientOutput(p, r);
    p.done(r.exitCode);
  };
  const verb = args[0];
  if (verb === undefined) {
    p.err(LINKS_USAGE);
    p.done(1);
    return;
  }
  if (verb === '-dump') {
    const url = args[1];
    if (url === undefined || args.length > 2) {
      p.err(LINKS_USAGE);
      p.done(1);
      return;
    }
    if (s.clients.linksDump !== undefined) {
      s.clients.linksDump(s.host, url, finish);
      return;
    }
    const factory = s.clients.browser;
    if (factory === undefined) {
      p.err('bash: links: command not found\n');
      p.done(127);
      return;
    }
    const once = factory(s.host);
    once.load(url, (r) => once.close(() => finish(r)));
    return;
  }
  const browser = s.browser;
  if (browser === null) {
    p.err('bash: links: command not found\n');
    p.done(127);
    return;
  }
  if (args.length !== 1 || verb.startsWith('-')) {
    p.err(LINKS_USAGE);
    p.done(1);
    return;
  }
  if (verb === 'reload') browser.reload(finish);
  else if (verb === 'close') browser.close(finish);
  else browser.load(verb, finish);
};

/**
 * The built-in model of count_server_replies.sh, run as a state machine that does exactly what
 * BUILTIN_COUNT_SCRIPT does, program by program (the same route and wget processes with the same
 * argv, the reference hashes kept in /tmp/serverN.md5, the same md5 comparison, sort | uniq -c),
 * without interpreting the text each time: the default lab runs it hundreds of times. A test
 * checks that both give the same output and start the same programs.
 */
const countScriptModel: Program = (p) => {
  const vip = p.argv[1] ?? '';
  if (vip === '') {
    p.out('Please specify the VIP of a web server as argument\n');
    p.done(1);
    return;
  }
  const sh = p.shell;
  const discard: Sink = () => {};
  const invoke = (argv: string[], stdout: Sink, stderr: Sink, k: (status: number) => void): void => {
    const prog = sh.programs.get(argv[0] as string);
    if (prog === undefined) {
      stderr(bytes(`${p.argv[0] ?? COUNT_SCRIPT_PATH}: line 1: ${argv[0] as string}: command not found\n`));
      k(127);
      return;
    }
    startProgram(sh, prog, argv, { stdin: new Uint8Array(0), stdout, stderr }, k);
  };
  /** `wget URL -O - 2>/dev/null | md5sum`: the md5sum line without its newline. */
  const fetchHash = (url: string, k: (hash: string) => void): void => {
    const body = new Collector();
    invoke(['wget', url, '-O', '-'], body.sink, discard, () => k(md5sumLine(body.bytes()).slice(0, -1)));
  };
  /** Runs `k` once a program the script forks now has started (PROGRAM_START_NS): seq, cat. */
  const afterExec = (k: () => void): void => sh.clock.after(PROGRAM_START_NS, k);
  const replies: string[] = [];
  const learn = (n: number): void => {
    if (n > 3) {
      // `for i in $(seq 1 100)`: seq starts before the first request (sort and uniq were forked
      // with the pipeline, long started when the loop ends).
      invoke(['route', 'del', 'default'], p.stdout, p.stderr, () => afterExec(() => ask(1)));
      return;
    }
    fetchHash(`http://100.0.0.${n}/`, (hash) => {
      sh.fs.write(`/tmp/server${n}.md5`, bytes(hash + '\n'));
      sh.trampoline.run(() => learn(n + 1));
    });
  };
  const ask = (i: number): void => {
    if (i > 100) {
      // sort | uniq -c (C locale)
      replies.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      let out = '';
      for (let j = 0; j < replies.length; ) {
        let e = j + 1;
        while (e < replies.length && replies[e] === replies[j]) e++;
        out += `${String(e - j).padStart(7)} ${replies[j] as string}\n`;
        j = e;
      }
      p.out(out);
      p.done(0);
      return;
    }
    fetchHash(`http://${vip}/`, (hash) => {
      // "$(cat /tmp/serverN.md5)" for n = 1, 2, 3: a cat each, the file as it is then.
      const compare = (n: number): void => {
        if (n > 3) {
          ask(i + 1);
          return;
        }
        afterExec(() => {
          const ref = sh.fs.read(`/tmp/server${n}.md5`);
          if (ref !== undefined && hash === text(ref).replace(/\n+$/, '')) replies.push(`replies received from server ${n}`);
          compare(n + 1);
        });
      };
      compare(1);
    });
  };
  invoke(['route', 'add', 'default', 'gw', '10.0.0.1'], p.stdout, p.stderr, () => learn(1));
};

const commandNotFound: Program = (p) => {
  const name = p.argv[0] ?? '';
  p.err(`bash: ${name}: command not found\nlbsim: known commands: ${ShellContext.knownCommands().join(' ')}\n`);
  p.done(127);
};

function buildPrograms(): Map<string, Program> {
  const m = new Map<string, Program>(COREUTILS);
  m.set('route', route);
  m.set('ip', ip);
  m.set('ifconfig', ifconfig);
  m.set('ping', ping);
  for (const n of ['iptables', 'iptables-legacy', 'iptables-nft', 'iptables-save', 'iptables-restore', 'iptables-legacy-save', 'iptables-legacy-restore', 'iptables-nft-save', 'iptables-nft-restore', 'conntrack']) {
    m.set(n, netfilterCommand);
  }
  m.set('wget', clientProgram('wget'));
  m.set('curl', clientProgram('curl'));
  m.set('links', links);
  m.set(COUNT_SCRIPT_PATH, countScriptModel);
  m.set(COMMAND_NOT_FOUND, commandNotFound);
  return m;
}
