// The composition root: a checked Scenario -> a running lab. Builds the Network (domains, hosts,
// interfaces, addresses, routes), gives every host its netfilter, TCP and files, attaches the
// captures, runs each host's boot lines in order at virtual time 0 (iptables commands through
// netfilter, Apache started), then runs console steps: each starts 1 s of virtual time after the
// previous one ended, and `sleep` adds more.
import { appEnvOf, HttpServer, networkClients, type HttpFile } from '../apps/index.ts';
import { formatTranscriptStep, parseServerCounts, runCommand, ShellContext, type CommandResult } from '../apps/shell/index.ts';
import { Netfilter } from '../netfilter/index.ts';
import { NS_PER_SEC } from '../sim/index.ts';
import { Capture, Network, type Host, type SinkFactory } from '../stack/index.ts';
import { attachTcp } from '../stack/tcp/index.ts';
import { macFromString } from '../wire/index.ts';
import { cidrToString, formatIpv4 } from './addr.ts';
import { excerpt, ScenarioError, ScenarioErrors, type SourcePos } from './errors.ts';
import type { BootLine, HostModel, Scenario, Step } from './model.ts';
import { classifyStartupLine, type BootAction } from './startup.ts';

export interface BuildOptions {
  /** Overrides the scenario's seed. */
  seed?: number;
  /** Capture files when given (the CLI backs them with files, tests with memory). */
  sinks?: SinkFactory;
}

/** One step's result: what the transcript shows and what programs that read results need. */
export interface StepOutcome {
  kind: Step['kind'];
  host?: string;
  command?: string;
  /** What this step adds to the console transcript (prompt line included). */
  transcript: string;
  /** The command's output as the console shows it (stdout and stderr in order); a note's text. */
  output: string;
  stdout: string;
  stderr: string;
  exitCode: number;
  startNs: number;
  endNs: number;
  /** Per-server reply counts of count_server_replies.sh ("1" -> 34, …). */
  counts?: Record<string, number>;
  /** Structured results the program reported (links: the server; the script: its counts). */
  extras?: unknown;
}

/** Gap between the end of one console step and the start of the next. */
export const STEP_GAP_NS = NS_PER_SEC;

/** What a lab host is made of besides its stack. */
export interface LabHost {
  readonly host: Host;
  readonly netfilter: Netfilter;
  /** The host's files as it boots (absolute path -> bytes): pages, scripts, .bashrc. */
  readonly files: Map<string, Uint8Array>;
  /** Apache, once a boot line started it. */
  web: HttpServer | null;
}

const utf8 = new TextEncoder();

function bootError(pos: SourcePos | undefined, host: string, problem: string, line: string, expected: string): ScenarioErrors {
  return new ScenarioErrors([new ScenarioError(pos, `${problem} (on ${host})`, excerpt(line, 200), expected)]);
}

const ROUTE_ERRNO: Record<string, string> = {
  EEXIST: 'File exists', ESRCH: 'No such process', ENETUNREACH: 'Network is unreachable', ENODEV: 'No such device', EINVAL: 'Invalid argument',
};

export class Lab {
  readonly network: Network;
  readonly capture: Capture | null;
  readonly seed: number;
  readonly consoles: ShellContext;
  private readonly hosts = new Map<string, LabHost>();
  /** When the next console step may start. */
  private nextStepNs = STEP_GAP_NS;
  private closed = false;

  constructor(readonly scenario: Scenario, opts: BuildOptions = {}) {
    this.seed = opts.seed ?? scenario.seed;
    const net = new Network({ seed: this.seed, startEpochSec: scenario.startEpochSec });
    this.network = net;
    for (const d of scenario.domains) net.addDomain(d.name, { lossRate: d.loss, ...(d.delayNs !== undefined ? { linkDelayNs: d.delayNs } : {}) });
    for (const spec of scenario.hosts) this.addHost(spec);
    net.checkMacs();
    // Captures attach before boot so that nothing sent at boot escapes them.
    this.capture = opts.sinks ? new Capture(net, { sinks: opts.sinks, comment: `lbsim: ${scenario.name}, seed ${this.seed}` }) : null;
    // The consoles count interface frames (ifconfig) from boot on; a console's files are the
    // host's files as boot left them.
    this.consoles = new ShellContext(net, {
      netfilter: (h) => this.labHost(h.name).netfilter,
      files: (h) => Object.fromEntries(this.labHost(h.name).files),
      clients: networkClients(),
    });
    for (const spec of scenario.hosts) for (const line of spec.boot) this.boot(spec, line);
  }

  private addHost(spec: HostModel): void {
    const net = this.network;
    const host = net.addHost(spec.name, { ipForward: spec.ipForward });
    for (const f of spec.interfaces) {
      net.connect(host, f.name, f.domain, f.mac !== undefined ? { mac: macFromString(f.mac) } : {});
      f.addresses.forEach((a, i) => {
        if (i === 0) host.setPrimaryAddress(f.name, a.addr, a.prefixLen);
        else host.addAddress(f.name, a.addr, a.prefixLen);
      });
      if (!f.up) host.setLinkUp(f.name, false);
    }
    for (const r of spec.routes) {
      const res = host.addRoute({ dst: r.to === 'default' ? 0 : r.to.addr, prefixLen: r.to === 'default' ? 0 : r.to.prefixLen,
        gateway: r.via ?? null, ...(r.dev !== undefined ? { iface: r.dev } : {}) });
      if (res !== 'ok') {
        throw new ScenarioErrors([new ScenarioError(undefined, `route ${r.to === 'default' ? 'default' : cidrToString(r.to)} on ${spec.name}: ${ROUTE_ERRNO[res] ?? res}`,
          undefined, 'a route whose gateway is on a connected subnet')]);
      }
    }
    const netfilter = new Netfilter({ ...host.filterEnv(), startEpochSec: this.scenario.startEpochSec }, host.rng('netfilter'));
    host.filter = netfilter;
    const files = new Map<string, Uint8Array>();
    for (const [path, text] of Object.entries(spec.files)) files.set(path, utf8.encode(text));
    attachTcp(host);
    this.hosts.set(spec.name, { host, netfilter, files, web: null });
  }

  /** Runs one boot line on its host, at the current virtual time (0 at build). */
  private boot(spec: HostModel, line: BootLine): void {
    const lh = this.hosts.get(spec.name)!;
    const c = classifyStartupLine(line.text);
    if (!c.ok) throw bootError(line.pos, spec.name, c.problem, line.text, c.expected);
    for (const a of c.actions) this.bootAction(lh, spec, line, a);
  }

  private bootAction(lh: LabHost, spec: HostModel, line: BootLine, a: BootAction): void {
    const host = lh.host;
    const fail = (problem: string, expected: string) => bootError(line.pos, spec.name, problem, line.text, expected);
    switch (a.kind) {
      case 'address': {
        const r = a.replace ? host.setPrimaryAddress(a.iface, a.cidr.addr, a.cidr.prefixLen) : host.addAddress(a.iface, a.cidr.addr, a.cidr.prefixLen);
        if (r !== 'ok') throw fail(`${cidrToString(a.cidr)} on ${a.iface}: ${ROUTE_ERRNO[r] ?? r}`, 'an address not yet on the interface');
        return;
      }
      case 'link':
        if (a.up !== undefined) host.setLinkUp(a.iface, a.up);
        if (a.mac !== undefined) host.iface(a.iface).mac = macFromString(a.mac);
        return;
      case 'route': {
        const spec2 = { dst: a.to === 'default' ? 0 : a.to.addr, prefixLen: a.to === 'default' ? 0 : a.to.prefixLen,
          ...(a.via !== undefined ? { gateway: a.via } : {}), ...(a.dev !== undefined ? { iface: a.dev } : {}) };
        const r = a.op === 'add' ? host.addRoute(spec2) : host.delRoute(spec2);
        if (r !== 'ok') {
          throw fail(`route ${a.op} ${a.to === 'default' ? 'default' : cidrToString(a.to)}${a.via !== undefined ? ` via ${formatIpv4(a.via)}` : ''}: ${ROUTE_ERRNO[r] ?? r}`,
            'a gateway on a connected subnet, and only routes that exist deleted');
        }
        return;
      }
      case 'iptables': {
        const r = lh.netfilter.exec(a.argv);
        if (r.exitCode !== 0) {
          // iptables' first line says what is wrong; the rest is its "Try `iptables -h'" hint.
          const why = r.stderr.split('\n').find((l) => l.trim() !== '') ?? `exit status ${r.exitCode}`;
          throw fail(`${a.argv[0]} failed with exit status ${r.exitCode}: ${why}`, `a command ${a.argv[0]} accepts (see iptables(8); lbsim prints what iptables 1.8.9 would)`);
        }
        return;
      }
      case 'ip_forward':
        host.ipForward = a.on;
        return;
      case 'service':
        // apache2 restart serves the files as they are now; stop closes open connections.
        lh.web?.stop();
        lh.web = a.action === 'stop' ? null : new HttpServer(appEnvOf(host), { files: documentRoot(lh.files) });
        return;
      case 'file': {
        const old = a.append ? (lh.files.get(a.path) ?? new Uint8Array(0)) : new Uint8Array(0);
        const add = utf8.encode(a.text);
        const next = new Uint8Array(old.length + add.length);
        next.set(old, 0);
        next.set(add, old.length);
        lh.files.set(a.path, next);
        return;
      }
      case 'noop':
        return;
    }
  }

  get hostNames(): string[] {
    return [...this.hosts.keys()];
  }

  labHost(name: string): LabHost {
    const h = this.hosts.get(name);
    if (!h) throw new Error(`no host ${name}`);
    return h;
  }

  /** Final `iptables -t <table> -vnL` of every host with rules, tables with rules in iptables-save order. */
  iptablesListings(): Map<string, string> {
    const out = new Map<string, string>();
    for (const [name, lh] of this.hosts) {
      const tables = this.tablesWithRules(lh);
      if (tables.length === 0) continue;
      const parts = tables.map((t) => {
        const r = lh.netfilter.exec(['iptables', '-t', t, '-vnL']);
        return tables.length === 1 ? r.stdout : `# iptables -t ${t} -vnL\n${r.stdout}`;
      });
      out.set(name, parts.join('\n'));
    }
    return out;
  }

  /** `conntrack -L` (entries on stdout, then the summary line conntrack prints on stderr) of every host with rules. */
  conntrackListings(): Map<string, string> {
    const out = new Map<string, string>();
    for (const [name, lh] of this.hosts) {
      if (this.tablesWithRules(lh).length === 0) continue;
      const r = lh.netfilter.exec(['conntrack', '-L']);
      out.set(name, r.stdout + r.stderr);
    }
    return out;
  }

  private tablesWithRules(lh: LabHost): string[] {
    const save = lh.netfilter.exec(['iptables-save']).stdout;
    const tables: string[] = [];
    let current = '';
    for (const l of save.split('\n')) {
      if (l.startsWith('*')) current = l.slice(1);
      else if (l.startsWith('-A ') && current !== '' && !tables.includes(current)) tables.push(current);
    }
    return tables;
  }

  /** Lets virtual time pass until `tNs`, running every event due. */
  advanceTo(tNs: number): void {
    this.network.scheduler.runUntil(tNs);
  }

  get now(): number {
    return this.network.scheduler.now;
  }

  /** Closes the capture files (after `finish`). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.capture?.close();
  }

  /**
   * Runs one step. A command starts 1 s of virtual time after the previous step ended and runs
   * until its program finishes; `sleep: N` lets N seconds pass; a note only marks the transcript.
   */
  runStep(step: Step): StepOutcome {
    if (this.closed) throw new Error('runStep after close');
    const startNs = Math.max(this.nextStepNs, this.now);
    if (step.kind === 'note') {
      return { kind: 'note', transcript: `# ${step.text}\n`, output: step.text, stdout: '', stderr: '', exitCode: 0, startNs: this.now, endNs: this.now };
    }
    if (step.kind === 'sleep') {
      const from = this.now;
      const endNs = Math.max(from, this.nextStepNs - STEP_GAP_NS) + Math.round(step.seconds * NS_PER_SEC);
      this.advanceTo(endNs);
      this.nextStepNs = endNs + STEP_GAP_NS;
      return { kind: 'sleep', transcript: '', output: '', stdout: '', stderr: '', exitCode: 0, startNs: from, endNs };
    }
    if (!this.hosts.has(step.host)) throw new Error(`runStep: no host ${step.host}`);
    this.advanceTo(startNs);
    let result: CommandResult | null = null;
    runCommand(this.consoles, step.host, step.command, (r) => {
      result = r;
    });
    const sched = this.network.scheduler;
    // A console program always ends: every client has timeouts (wget's 900 s read timeout is the
    // longest), so an empty event queue before `done` is a bug, not a hang to wait out.
    sched.runWhile(() => result === null, startNs + MAX_STEP_NS);
    const r = result as CommandResult | null;
    if (r === null) {
      throw new Error(`${step.host}: ${step.command}: did not finish within ${MAX_STEP_NS / NS_PER_SEC} s of virtual time`);
    }
    this.nextStepNs = r.endNs + STEP_GAP_NS;
    const outcome: StepOutcome = {
      kind: 'command', host: step.host, command: step.command,
      transcript: formatTranscriptStep(r), output: r.output, stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode,
      startNs: r.startNs, endNs: r.endNs,
    };
    const counts = parseServerCounts(r.stdout);
    if (Object.keys(counts).length > 0) outcome.counts = counts;
    return outcome;
  }

  /** Ends the run: lets the last step's packets finish (one step gap), then closes the captures. */
  finish(): void {
    if (this.closed) return;
    this.advanceTo(Math.max(this.nextStepNs, this.now));
  }
}

/** The longest a console command may run in virtual time. */
const MAX_STEP_NS = 4 * 3600 * NS_PER_SEC;

/**
 * Apache's DocumentRoot from the host's files: /var/www/html when the host has a file there
 * (Debian since Apache 2.4), else /var/www (the Netkit era's default).
 */
export function documentRoot(files: ReadonlyMap<string, Uint8Array>): Map<string, HttpFile> {
  const paths = [...files.keys()];
  const root = paths.some((p) => p.startsWith('/var/www/html/')) ? '/var/www/html' : '/var/www';
  const out = new Map<string, HttpFile>();
  for (const p of paths.sort()) {
    if (p.startsWith(`${root}/`)) out.set(p.slice(root.length), { body: files.get(p)! });
  }
  return out;
}

export function buildLab(scenario: Scenario, opts: BuildOptions = {}): Lab {
  return new Lab(scenario, opts);
}
