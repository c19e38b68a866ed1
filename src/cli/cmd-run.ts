// `lbsim run`, `lbsim exec` and `lbsim shell`: boot a scenario (the lab by default, a scenario
// file, or a Netkit/Kathará lab folder), run console steps in virtual time, print the transcript,
// and write the captures and listings.
import { existsSync, readFileSync, rmdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Option } from 'commander';
import { buildLab, importLab, loadScenario, type Lab, type Scenario, type Step, type StepOutcome } from '../scenario/index.ts';
import { buildReportFromRun, runOutputFromLab, type Lang, type LabCaptureBytes } from '../report/index.ts';
import type { CaptureFile } from '../stack/index.ts';
import { FileSink, isLabFolder, readLabFolder, writeFileAtomic } from './files.ts';
import { CliError, EXIT_CHECK_FAILED, EXIT_OK, type CliIo } from './io.ts';
import { parseSeed, type CommandContext, type CommandModule } from './program.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
export const DEFAULT_SCENARIO = resolve(HERE, '..', '..', 'scenarios', 'netkit-loadbalancer.yaml');

/** A scenario file, a lab folder, or (no target) the lab. */
export function loadTarget(target: string | undefined, io: CliIo): Scenario {
  const path = target ?? DEFAULT_SCENARIO;
  if (!existsSync(path)) throw new CliError(`${path}: no such file or folder (expected a scenario .yaml file or a Netkit/Kathará lab folder)`);
  if (isLabFolder(path)) return importLab(readLabFolder(path, (m) => io.err(`${m}\n`)));
  if (!statSync(path).isFile()) throw new CliError(`${path}: not a file`);
  return loadScenario(readFileSync(path, 'utf8'), path);
}

interface RunOptions {
  out?: string;
  seed?: number;
  json?: boolean;
  strict?: boolean;
  /** commander's --no-report: false; the report is written unless asked not to. */
  report?: boolean;
  lang?: Lang;
  /** `lbsim report`: no transcript on stdout, just where the report is. */
  quiet?: boolean;
}

/** Opens every capture file under `dir` (names from the stack: host-iface.pcap, domain-X.pcap, lab.pcapng, trace.txt). */
class CaptureFiles {
  private readonly sinks: FileSink[] = [];
  readonly files: CaptureFile[] = [];
  private readonly existed: boolean;
  constructor(readonly dir: string) {
    this.existed = existsSync(dir);
  }
  factory = (file: CaptureFile): FileSink => {
    const sink = new FileSink(join(this.dir, file.name));
    this.sinks.push(sink);
    this.files.push(file);
    return sink;
  };
  /** The bytes of every closed capture file, for the report. */
  read(): LabCaptureBytes[] {
    return this.files.map((file) => {
      const b = readFileSync(join(this.dir, file.name));
      return { file, bytes: new Uint8Array(b.buffer, b.byteOffset, b.byteLength) };
    });
  }
  /** Removes what a failed run started writing (and the folder, if the run created it and it is empty). */
  abort(): void {
    for (const s of this.sinks) s.abort();
    if (!this.existed) {
      try {
        rmdirSync(this.dir);
      } catch {
        // not empty (files of an earlier step) or already gone: leave it
      }
    }
  }
}

/** Progress on stderr, only on a terminal: one line rewritten in place. */
class Progress {
  private shown = false;
  constructor(private readonly io: CliIo) {}
  show(text: string): void {
    if (!this.io.stderrIsTTY) return;
    const cols = 100;
    this.io.err(`\r\x1b[K${text.length > cols ? `${text.slice(0, cols - 1)}…` : text}`);
    this.shown = true;
  }
  clear(): void {
    if (this.shown) this.io.err('\r\x1b[K');
    this.shown = false;
  }
}

function stepLabel(step: Step): string {
  return step.kind === 'command' ? `${step.host}: ${step.command}` : step.kind === 'sleep' ? `sleep ${step.seconds}` : `# ${step.text}`;
}

function jsonStep(o: StepOutcome): Record<string, unknown> {
  const j: Record<string, unknown> = { kind: o.kind };
  if (o.host !== undefined) j.host = o.host;
  if (o.command !== undefined) j.command = o.command;
  if (o.kind === 'note') j.text = o.output;
  else j.output = o.output;
  if (o.kind === 'command') j.exitCode = o.exitCode;
  j.start = o.startNs / 1e9;
  j.end = o.endNs / 1e9;
  if (o.counts !== undefined) j.counts = o.counts;
  return j;
}

/** Runs steps on a booted lab, printing the transcript (or collecting JSON). */
function runSteps(lab: Lab, steps: Step[], io: CliIo, opts: RunOptions): { outcomes: StepOutcome[]; transcript: string } {
  const progress = new Progress(io);
  const outcomes: StepOutcome[] = [];
  let transcript = '';
  steps.forEach((step, i) => {
    progress.show(`[${i + 1}/${steps.length}] ${stepLabel(step)}`);
    const o = lab.runStep(step);
    outcomes.push(o);
    transcript += o.transcript;
    if (!opts.json && !opts.quiet) {
      progress.clear();
      io.out(o.transcript);
    }
  });
  progress.clear();
  return { outcomes, transcript };
}

function writeListings(lab: Lab, dir: string): void {
  for (const [host, text] of lab.iptablesListings()) writeFileAtomic(join(dir, 'iptables', `${host}.txt`), text);
  for (const [host, text] of lab.conntrackListings()) writeFileAtomic(join(dir, 'conntrack', `${host}.txt`), text);
}

function finish(ctx: CommandContext, scenario: Scenario, seed: number, outcomes: StepOutcome[], opts: RunOptions): void {
  if (opts.json) {
    ctx.io.out(`${JSON.stringify({ scenario: scenario.name, seed, steps: outcomes.map(jsonStep) }, null, 2)}\n`);
  }
  const failed = outcomes.filter((o) => o.kind === 'command' && o.exitCode !== 0);
  if (opts.strict && failed.length > 0) {
    ctx.io.err(`lbsim: --strict: ${failed.length} command${failed.length === 1 ? '' : 's'} failed: ${failed.map((o) => `${o.host}: ${o.command} (exit ${o.exitCode})`).join('; ')}\n`);
    ctx.exitCode = EXIT_CHECK_FAILED;
  } else {
    ctx.exitCode = EXIT_OK;
  }
}

/** Boots `scenario` with captures into `outDir` (when given); on failure removes the partial files. */
function boot(scenario: Scenario, seed: number, outDir: string | undefined): { lab: Lab; files: CaptureFiles | null } {
  const files = outDir !== undefined ? new CaptureFiles(outDir) : null;
  try {
    const lab = buildLab(scenario, files ? { seed, sinks: files.factory } : { seed });
    return { lab, files };
  } catch (e) {
    files?.abort();
    throw e;
  }
}

/** "HOST: COMMAND" -> a step; also "sleep N" and "sleep: N". */
export function parseStepArg(arg: string, scenario: Scenario): Step {
  const m = /^\s*([^:\s]+)\s*:\s*(.*)$/.exec(arg);
  const sleep = /^\s*sleep\s*:?\s+(\d+(?:\.\d+)?)\s*$/.exec(arg);
  if (sleep) return { kind: 'sleep', seconds: Number(sleep[1]) };
  if (!m) throw new CliError(`"${arg}": expected a step "HOST: COMMAND", e.g. "client1: links http://10.0.0.1/"`);
  const host = m[1]!;
  const names = scenario.hosts.map((h) => h.name);
  if (!names.includes(host)) throw new CliError(`"${arg}": unknown host "${host}" (hosts: ${names.join(', ')})`);
  return { kind: 'command', host, command: m[2]! };
}

const seedOption = () => new Option('--seed <N>', 'root seed of every random stream (default: the scenario\'s)').argParser(parseSeed);

/** `lbsim run` and `lbsim report`: boot, run the steps, write captures, listings and the report. */
function runAndWrite(ctx: CommandContext, target: string | undefined, opts: RunOptions): void {
  const scenario = loadTarget(target, ctx.io);
  const seed = opts.seed ?? scenario.seed;
  const outDir = opts.out ?? join('captures', scenario.name);
  const { lab, files } = boot(scenario, seed, outDir);
  try {
    const { outcomes, transcript } = runSteps(lab, scenario.steps, ctx.io, opts);
    lab.finish();
    writeFileAtomic(join(outDir, 'console.txt'), transcript);
    writeListings(lab, outDir);
    lab.close();
    if (opts.report !== false && files !== null) {
      const built = buildReportFromRun(runOutputFromLab(lab, scenario, outcomes, files.read()), opts.lang ?? 'fr', { figuresDir: null });
      writeFileAtomic(join(outDir, 'report.md'), built.markdown);
      writeFileAtomic(join(outDir, 'report.html'), built.html);
    }
    finish(ctx, scenario, seed, outcomes, opts);
    if (opts.quiet) ctx.io.out(`${join(outDir, 'report.html')}\n${join(outDir, 'report.md')}\n`);
    else if (ctx.io.stderrIsTTY) ctx.io.err(`lbsim: wrote ${outDir}/\n`);
  } catch (e) {
    files?.abort();
    throw e;
  }
}

const langOption = () => new Option('--lang <LANG>', 'language of the lab report').choices(['fr', 'en']).default('fr');

export const runCommands: CommandModule = (program, ctx, { examples }) => {
  program
    .command('run')
    .description('boot a scenario (the lab when none is named), run its steps, print the console transcript and write the captures')
    .argument('[SCENARIO|LABDIR]', 'a scenario file (docs/scenario.md) or a Netkit/Kathará lab folder; default: the lab')
    .option('-o, --out <DIR>', 'where to write the files (default: captures/<scenario name>/)')
    .addOption(seedOption())
    .option('--json', 'print the steps as JSON (host, command, output, exit code, per-server counts) instead of the transcript')
    .option('--strict', 'exit 1 if a console command fails')
    .addOption(langOption())
    .option('--no-report', 'do not write the lab report')
    .addHelpText('after', `${examples([
      'lbsim run                                   # the lab: Q1, Q2, Q3; files in captures/netkit-loadbalancer/',
      'lbsim run --lang en --out /tmp/lb           # with the report (report.md, report.html) in English',
      'lbsim run --seed 7 --out /tmp/lb7           # another random split on ws_random',
      'lbsim run my-scenario.yaml --json | jq .steps[0]',
      'lbsim run ~/labs/netkit-lab_loadbalancer-ws # a Netkit lab folder, directly',
    ])}
Files written: <host>-<iface>.pcap (what tcpdump on that interface sees), domain-<name>.pcap (every
frame on the segment), lab.pcapng (all of them, nanosecond times, NAT decisions as packet comments),
console.txt, iptables/<host>.txt and conntrack/<host>.txt (hosts with rules), trace.txt, and the lab
report answering Q1-Q3 from this run's own numbers: report.md and report.html (French unless --lang en).
`)
    .action((target: string | undefined, opts: RunOptions) => runAndWrite(ctx, target, opts));

  program
    .command('report')
    .description('run a scenario as `lbsim run` does and write the lab report (report.md, report.html) beside the captures')
    .argument('[SCENARIO|LABDIR]', 'a scenario file or lab folder; default: the lab')
    .option('-o, --out <DIR>', 'where to write the report and the captures (default: captures/<scenario name>/)')
    .addOption(seedOption())
    .addOption(langOption())
    .addHelpText('after', examples([
      'lbsim report                                # captures/netkit-loadbalancer/report.html, in French',
      'lbsim report --lang en --seed 7 --out /tmp/lb7',
    ]))
    .action((target: string | undefined, opts: RunOptions) => runAndWrite(ctx, target, { ...opts, report: true, quiet: true }));

  program
    .command('exec')
    .description('boot a scenario (the lab by default) without its steps and run just these console steps')
    .argument('<STEP...>', '"HOST: COMMAND" (quote each one), or "sleep SECONDS"')
    .option('-s, --scenario <SCENARIO|LABDIR>', 'a scenario file or lab folder (default: the lab)')
    .option('-o, --out <DIR>', 'also write the captures and listings there')
    .addOption(seedOption())
    .option('--json', 'print the steps as JSON instead of the transcript')
    .option('--strict', 'exit 1 if a console command fails')
    .addHelpText('after', examples([
      'lbsim exec "client2: ./count_server_replies.sh 10.0.0.1" "ws_round-robin: iptables -t nat -vnL"',
      'lbsim exec "client1: links http://10.0.0.1/" "client1: links reload" "client1: links close" "client1: links http://10.0.0.1/"',
      'lbsim exec --seed 3 --json "client1: ./count_server_replies.sh 10.0.0.2"',
      'lbsim exec -s my-lab/ "pc1: ping -c 3 10.0.0.1" --out /tmp/ping',
    ]))
    .action((stepArgs: string[], opts: RunOptions & { scenario?: string }) => {
      const scenario = loadTarget(opts.scenario, ctx.io);
      const steps = stepArgs.map((a) => parseStepArg(a, scenario));
      const seed = opts.seed ?? scenario.seed;
      const { lab, files } = boot(scenario, seed, opts.out);
      try {
        const { outcomes, transcript } = runSteps(lab, steps, ctx.io, opts);
        lab.finish();
        if (opts.out !== undefined) {
          writeFileAtomic(join(opts.out, 'console.txt'), transcript);
          writeListings(lab, opts.out);
        }
        lab.close();
        finish(ctx, scenario, seed, outcomes, opts);
      } catch (e) {
        files?.abort();
        throw e;
      }
    });

  program
    .command('shell')
    .description('an interactive console on a booted scenario (the lab by default): client1:~# prompts, history, line editing')
    .argument('[SCENARIO|LABDIR]', 'a scenario file or lab folder (default: the lab)')
    .option('-o, --out <DIR>', 'write the captures and listings there on exit')
    .addOption(seedOption())
    .addHelpText('after', `${examples([
      'lbsim shell',
      'lbsim shell --out /tmp/session my-lab/',
    ])}
In the console:
  links http://10.0.0.1/        run a command on the current host (first: client1, or the first host)
  ws_ip: iptables -t nat -vnL   run a command on another host
  use server1                   make server1 the current host
  sleep 10                      let 10 s of virtual time pass
  help, hosts, exit (or ctrl-D)
`)
    .action(async (target: string | undefined, opts: RunOptions) => {
      const scenario = loadTarget(target, ctx.io);
      const seed = opts.seed ?? scenario.seed;
      const { lab, files } = boot(scenario, seed, opts.out);
      try {
        const transcript = await interactive(lab, scenario, ctx.io);
        lab.finish();
        if (opts.out !== undefined) {
          writeFileAtomic(join(opts.out, 'console.txt'), transcript);
          writeListings(lab, opts.out);
          lab.close();
          ctx.io.err(`lbsim: wrote ${opts.out}/\n`);
        } else {
          lab.close();
        }
        ctx.exitCode = EXIT_OK;
      } catch (e) {
        files?.abort();
        throw e;
      }
    });
};

const SHELL_HELP = `Type a command to run it on the current host, or HOST: COMMAND for another host.
  use HOST      change the current host          hosts    list the hosts and their addresses
  sleep N       let N seconds of virtual time pass
  exit, quit    leave (ctrl-D too); with --out the captures are written then
Commands: links URL | links reload | links close, wget URL -O -, curl URL, ./count_server_replies.sh VIP,
iptables …, iptables-save, conntrack -L, ping -c N ADDR, route, ip addr|route, ifconfig, sleep N.
`;

async function interactive(lab: Lab, scenario: Scenario, io: CliIo): Promise<string> {
  const names = scenario.hosts.map((h) => h.name);
  let current = names.includes('client1') ? 'client1' : names[0]!;
  let transcript = '';
  const tty = io.stdinIsTTY;
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: tty, historySize: 1000, prompt: `${current}:~# ` });
  if (tty) {
    io.out(`lbsim shell on ${scenario.name} (seed ${lab.seed}): ${names.join(', ')}. Type help for help.\n`);
    // ctrl-C abandons the line being typed, as in bash; ctrl-D or exit leaves.
    rl.on('SIGINT', () => {
      io.out('^C\n');
      rl.write(null, { ctrl: true, name: 'u' });
      rl.prompt();
    });
    rl.prompt();
  }
  const handle = (raw: string): boolean => {
    const line = raw.trim();
    if (line === '') return true;
    if (line === 'exit' || line === 'quit' || line === 'logout') return false;
    if (line === 'help' || line === '?') {
      io.out(SHELL_HELP);
      return true;
    }
    if (line === 'hosts') {
      io.out(scenario.hosts.map((h) => `${h.name.padEnd(16)} ${h.interfaces.map((f) => `${f.name} ${f.addresses.map((a) => `${a.addr >>> 24}.${(a.addr >>> 16) & 255}.${(a.addr >>> 8) & 255}.${a.addr & 255}/${a.prefixLen}`).join(' ')}`).join(', ')}\n`).join(''));
      return true;
    }
    const use = /^use\s+(\S+)$/.exec(line);
    if (use) {
      if (names.includes(use[1]!)) current = use[1]!;
      else io.out(`no host "${use[1]}"; hosts: ${names.join(', ')}\n`);
      rl.setPrompt(`${current}:~# `);
      return true;
    }
    let step: Step;
    const hostLine = /^([A-Za-z0-9][A-Za-z0-9_-]*)\s*:\s*(\S.*)$/.exec(line);
    if (hostLine) {
      if (!names.includes(hostLine[1]!)) {
        io.out(`no host "${hostLine[1]}"; hosts: ${names.join(', ')}\n`);
        return true;
      }
      step = { kind: 'command', host: hostLine[1]!, command: hostLine[2]! };
    } else {
      step = { kind: 'command', host: current, command: line };
    }
    const o = lab.runStep(step);
    transcript += o.transcript;
    // On a terminal the prompt and the typed line are already on screen: print only the output.
    io.out(tty ? o.output : o.transcript);
    return true;
  };
  for await (const l of rl) {
    if (!handle(l)) break;
    if (tty) rl.prompt();
  }
  rl.close();
  return transcript;
}
