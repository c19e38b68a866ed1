/**
 * `runIptablesCommand(state, argv, stdin?)`: iptables, iptables-legacy, iptables-save and
 * iptables-restore (and their -nft/-legacy names) over an `IptablesState`, with iptables 1.8.9's
 * output, messages and exit codes for each back end (FORMATS.md §1–§3):
 *  - nf_tables (`iptables`, `iptables-nft`): lazy tables and base chains, policy counters only
 *    after -P / restore -c, a new rule leaves the other rules' nth counters alone;
 *  - legacy (`iptables-legacy`): every change replaces the whole table, which puts each nth
 *    counter of that table back to its start value; policy counters always count.
 */

import type { Backend, Chain, IptablesState, Rule, Ruleset, Table, TableName } from '../model.ts';
import { newChain, resetNthCounters } from '../model.ts';
import { listRules, listTable, ruleSpecText, saveBanner, saveTable, tablesForSave } from './render.ts';
import type { ParsedCommand } from './parse.ts';
import { parseIptablesArgs, targetExtension } from './parse.ts';
import { restoreRules } from './restore.ts';
import { IPTABLES_VERSION, IptablesError, backendLabel, formatError, paramError, plainError } from './xtables.ts';

export interface CommandResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

const TABLE_NAMES: readonly TableName[] = ['filter', 'nat', 'mangle', 'raw'];

const NO_CHAIN = 'iptables: No chain/target/match by that name.';
const LEGACY_PRESENT = '# Warning: iptables-legacy tables present, use iptables-legacy to see them\n';

type Program = 'iptables' | 'save' | 'restore';

/** argv[0] -> what runs and on which back end. */
export function programOf(name: string): { program: Program; backend: Backend } | undefined {
  const table: Record<string, { program: Program; backend: Backend }> = {
    iptables: { program: 'iptables', backend: 'nft' },
    'iptables-nft': { program: 'iptables', backend: 'nft' },
    'iptables-legacy': { program: 'iptables', backend: 'legacy' },
    'iptables-save': { program: 'save', backend: 'nft' },
    'iptables-nft-save': { program: 'save', backend: 'nft' },
    'iptables-legacy-save': { program: 'save', backend: 'legacy' },
    'iptables-restore': { program: 'restore', backend: 'nft' },
    'iptables-nft-restore': { program: 'restore', backend: 'nft' },
    'iptables-legacy-restore': { program: 'restore', backend: 'legacy' },
  };
  return Object.hasOwn(table, name) ? table[name] : undefined;
}

export function rulesetFor(state: IptablesState, backend: Backend): Ruleset {
  return backend === 'nft' ? state.nft : state.legacy;
}

export function runIptablesCommand(state: IptablesState, argv: readonly string[], stdin?: string): CommandResult {
  const prog = argv[0] ?? 'iptables';
  const which = programOf(prog);
  if (!which) return { stdout: '', stderr: `lbsim: ${prog}: not an iptables program\n`, exitCode: 127 };
  const rs = rulesetFor(state, which.backend);
  switch (which.program) {
    case 'iptables':
      return runIptables(state, rs, argv.slice(1));
    case 'save':
      return runSave(state, rs, prog, argv.slice(1));
    case 'restore':
      return restoreRules(state, rs, argv.slice(1), stdin ?? '');
  }
}

/** The table by name, or iptables' "table does not exist" for this back end (rc 3). */
export function lookupTable(rs: Ruleset, name: string): Table {
  const t = (TABLE_NAMES as readonly string[]).includes(name) ? rs.tables.get(name as TableName) : undefined;
  if (!t) {
    const msg =
      rs.backend === 'nft'
        ? `table '${name}' does not exist`
        : `can't initialize iptables table \`${name}': Table does not exist (do you need to insmod?)`;
    throw new IptablesError('version', msg, 3);
  }
  return t;
}

function kernelInvalid(rs: Ruleset, op: string, chain: string): IptablesError {
  if (rs.backend === 'nft') return new IptablesError('kernel', ` ${op} failed (Invalid argument): rule in chain ${chain}`, 4);
  return plainError("iptables: Invalid argument. Run `dmesg' for more information.");
}

/**
 * What the kernel's checkentry would refuse: a target outside its tables/hooks, tcp-reset
 * without -p tcp, a jump to a built-in chain.
 */
function checkRuleForChain(rs: Ruleset, table: Table, chain: Chain, rule: Rule, op: string): void {
  // xt_tcpudp / icmp: the match's .proto must be the rule's (not inverted) -p
  for (const m of rule.matches) {
    const need = m.kind === 'tcp' ? 6 : m.kind === 'udp' ? 17 : m.kind === 'icmp' ? 1 : null;
    if (need !== null && (rule.protocol?.num !== need || rule.protocol.invert)) throw kernelInvalid(rs, op, chain.name);
  }
  const t = rule.target;
  if (!t) return;
  if (t.kind === 'JUMP') {
    const dest = table.chains.get(t.chain);
    if (dest?.builtin) throw kernelInvalid(rs, op, chain.name);
    return;
  }
  if (t.kind === 'REJECT' && t.rejectWith === 'tcp-reset' && (rule.protocol?.num !== 6 || rule.protocol.invert)) {
    throw kernelInvalid(rs, op, chain.name);
  }
  const ext = targetExtension(t);
  if (!ext?.validIn) return;
  if (!ext.validIn.tables.includes(table.name)) throw kernelInvalid(rs, op, chain.name);
  if (chain.builtin && !ext.validIn.hooks.includes(chain.name)) throw kernelInvalid(rs, op, chain.name);
}

/** -j NAME that is neither a verdict nor an extension must name a chain of the table. */
function checkJump(rs: Ruleset, table: Table, p: ParsedCommand): void {
  if (p.jumpChain === null) return;
  if (table.chains.has(p.jumpChain)) return;
  if (rs.backend === 'nft') throw paramError(`Chain '${p.jumpChain}' does not exist`);
  throw paramError(`Couldn't load target \`${p.jumpChain}':No such file or directory\n`);
}

function findChain(table: Table, name: string | null): Chain {
  const c = name !== null ? table.chains.get(name) : undefined;
  if (!c) throw plainError(NO_CHAIN);
  return c;
}

/** nft: the base chain must exist in the kernel for -D/-R/-Z by number (FORMATS.md §2.5.4). */
function requireInstantiated(rs: Ruleset, table: Table, chain: Chain): void {
  if (rs.backend === 'nft' && (!table.instantiated || (chain.builtin && !chain.instantiated))) throw plainError(NO_CHAIN);
}

function instantiate(table: Table, chain?: Chain): void {
  table.instantiated = true;
  if (chain) chain.instantiated = true;
}

/** Rule identity for -D/-C by spec: what iptables compares (everything but the counters). */
function sameRule(a: Rule, b: Rule): boolean {
  return ruleSpecText(a) === ruleSpecText(b);
}

function zeroChain(c: Chain): void {
  c.policyCounters.pkts = 0;
  c.policyCounters.bytes = 0;
  for (const r of c.rules) {
    r.counters.pkts = 0;
    r.counters.bytes = 0;
  }
}

function runIptables(state: IptablesState, rs: Ruleset, args: readonly string[]): CommandResult {
  let stderr = '';
  let stdout = '';
  try {
    const p = parseIptablesArgs(args, rs.backend);
    stderr += p.warnings.join('');
    if (p.version) return { stdout: `iptables v${IPTABLES_VERSION} (${backendLabel(rs.backend)})\n`, stderr, exitCode: 0 };
    const table = lookupTable(rs, p.table);
    if (rs.backend === 'legacy') table.instantiated = true;
    const changed = execute(state, rs, table, p, (s) => {
      stdout += s;
    });
    if (changed && rs.backend === 'legacy') resetNthCounters(table);
    const listed = p.commands.includes('L') || p.commands.includes('S');
    if (listed && rs.backend === 'nft' && legacyTablesPresent(state)) stderr += LEGACY_PRESENT;
    return { stdout, stderr, exitCode: 0 };
  } catch (e) {
    if (!(e instanceof IptablesError)) throw e;
    return { stdout, stderr: stderr + formatError(e, 'iptables', rs.backend), exitCode: e.exitCode };
  }
}

export function legacyTablesPresent(state: IptablesState): boolean {
  for (const t of state.legacy.tables.values()) if (t.instantiated) return true;
  return false;
}

/** Runs one parsed command on `table`; returns true when the table changed (a commit). */
export function execute(state: IptablesState, rs: Ruleset, table: Table, p: ParsedCommand, print: (s: string) => void): boolean {
  void state;
  const cmd = p.commands[0];
  switch (cmd) {
    case 'A':
    case 'I':
    case 'R':
    case 'C':
    case 'D': {
      const chain = findChain(table, p.chain);
      if (cmd === 'D' && p.deleteByNumber) {
        requireInstantiated(rs, table, chain);
        const n = p.rulenum ?? 0;
        if (n > chain.rules.length) throw plainError('iptables: Index of deletion too big.');
        chain.rules.splice(n - 1, 1);
        return true;
      }
      checkJump(rs, table, p);
      const op = { A: 'RULE_APPEND', I: 'RULE_INSERT', R: 'RULE_REPLACE', C: 'RULE_CHECK', D: 'RULE_DELETE' }[cmd];
      if (cmd === 'A' || cmd === 'I' || cmd === 'R') for (const r of p.rules) checkRuleForChain(rs, table, chain, r, op);
      if (cmd === 'A') {
        instantiate(table, chain);
        chain.rules.push(...p.rules);
        return true;
      }
      if (cmd === 'I') {
        const n = p.rulenum ?? 1;
        if (n > chain.rules.length + 1) throw plainError('iptables: Index of insertion too big.');
        instantiate(table, chain);
        for (const r of p.rules) chain.rules.splice(n - 1, 0, r);
        return true;
      }
      if (cmd === 'R') {
        requireInstantiated(rs, table, chain);
        const n = p.rulenum ?? 0;
        if (n > chain.rules.length) throw plainError('iptables: Index of replacement too big.');
        const r = p.rules[0];
        if (r) chain.rules[n - 1] = r;
        return true;
      }
      // C and D by spec
      for (const r of p.rules) {
        const idx = chain.rules.findIndex((x) => sameRule(x, r));
        if (idx < 0) throw plainError('iptables: Bad rule (does a matching rule exist in that chain?).');
        if (cmd === 'D') chain.rules.splice(idx, 1);
      }
      return cmd === 'D';
    }
    case 'L':
    case 'S': {
      const chain = p.chain !== null ? table.chains.get(p.chain) : undefined;
      if (p.chain !== null && !chain) {
        if (rs.backend === 'nft') {
          throw new IptablesError('kernel', `chain \`${p.chain}' in table \`${table.name}' is incompatible, use 'nft' tool.`, 1);
        }
        throw plainError(NO_CHAIN);
      }
      if (cmd === 'L') {
        const f = { numeric: p.numeric, verbose: p.verbose, exact: p.exact, lineNumbers: p.lineNumbers };
        print(listTable(table, f, chain, p.rulenum ?? undefined));
      } else {
        print(listRules(table, p.verbose, chain, p.rulenum ?? undefined));
      }
      if (p.commands.includes('Z')) {
        for (const c of chain ? [chain] : table.chains.values()) zeroChain(c);
        return true;
      }
      return false;
    }
    case 'Z': {
      if (p.chain !== null) {
        const chain = findChain(table, p.chain);
        requireInstantiated(rs, table, chain);
        if (p.zeroByNumber) {
          const r = chain.rules[(p.rulenum ?? 0) - 1];
          if (!r) throw plainError('iptables: Index of deletion too big.');
          r.counters.pkts = 0;
          r.counters.bytes = 0;
        } else zeroChain(chain);
      } else {
        for (const c of table.chains.values()) zeroChain(c);
      }
      if (p.commands.includes('L') || p.commands.includes('S')) {
        const rest: ParsedCommand = { ...p, commands: p.commands.filter((c) => c !== 'Z') };
        execute(state, rs, table, rest, print);
      }
      return true;
    }
    case 'F': {
      if (p.chain !== null) findChain(table, p.chain).rules = [];
      else for (const c of table.chains.values()) c.rules = [];
      return true;
    }
    case 'N': {
      const name = p.chain ?? '';
      if (table.chains.has(name)) throw plainError('iptables: Chain already exists.');
      instantiate(table);
      table.chains.set(name, newChain(name, false, rs.backend));
      return true;
    }
    case 'X': {
      const victims = p.chain !== null ? [findChain(table, p.chain)] : [...table.chains.values()].filter((c) => !c.builtin);
      for (const c of victims) {
        if (c.builtin) throw kernelInvalid(rs, 'CHAIN_DEL', c.name);
        const referenced = [...table.chains.values()].some((o) => o.rules.some((r) => r.target?.kind === 'JUMP' && r.target.chain === c.name));
        if (referenced || c.rules.length > 0) {
          if (rs.backend === 'nft') throw new IptablesError('kernel', ` CHAIN_DEL failed (Device or resource busy): chain ${c.name}`, 4);
          throw plainError(referenced ? 'iptables: Too many links.' : 'iptables: Directory not empty.');
        }
      }
      for (const c of victims) table.chains.delete(c.name);
      return true;
    }
    case 'E': {
      const chain = findChain(table, p.chain);
      const to = p.extra ?? '';
      if (chain.builtin) throw plainError("iptables: Invalid argument. Run `dmesg' for more information.");
      if (table.chains.has(to)) throw plainError('iptables: File exists.');
      const entries = [...table.chains.entries()].map(([k, v]): [string, Chain] => (k === chain.name ? [to, v] : [k, v]));
      table.chains.clear();
      for (const [k, v] of entries) table.chains.set(k, v);
      for (const c of table.chains.values()) {
        for (const r of c.rules) if (r.target?.kind === 'JUMP' && r.target.chain === chain.name) r.target.chain = to;
      }
      chain.name = to;
      return true;
    }
    case 'P': {
      const chain = table.chains.get(p.chain ?? '');
      if (!chain?.builtin) throw plainError('iptables: Bad built-in chain name.');
      const policy = p.extra ?? '';
      if (policy !== 'ACCEPT' && policy !== 'DROP') throw plainError("iptables: Bad policy name. Run `dmesg' for more information.");
      instantiate(table, chain);
      chain.policy = policy;
      chain.policyCounting = true;
      if (p.setCounters) chain.policyCounters = { ...p.setCounters };
      return true;
    }
    default:
      throw paramError('no command specified');
  }
}

function runSave(state: IptablesState, rs: Ruleset, prog: string, args: readonly string[]): CommandResult {
  let counters = false;
  let only: string | null = null;
  const label = prog;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    if (a === '-c' || a === '--counters') counters = true;
    else if (a === '-t' || a === '--table') {
      const t = args[++i];
      if (t === undefined) return { stdout: '', stderr: formatError(paramError(`option "${a}" requires an argument`), label, rs.backend), exitCode: 2 };
      only = t;
    } else if (a.startsWith('--table=')) only = a.slice(8);
    else if (a === '-M' || a === '--modprobe') i++;
    else {
      return { stdout: '', stderr: formatError(paramError(`unknown option "${a}"`), label, rs.backend), exitCode: 2 };
    }
  }
  const banner = saveBanner(prog, rs.backend);
  const now = state.clockEpochSec();
  let tables: Table[];
  if (only !== null) {
    let t: Table;
    try {
      t = lookupTable(rs, only);
    } catch (e) {
      if (!(e instanceof IptablesError)) throw e;
      return { stdout: '', stderr: formatError(e, label, rs.backend), exitCode: 1 };
    }
    if (rs.backend === 'legacy') t.instantiated = true;
    tables = t.instantiated ? [t] : [];
  } else tables = tablesForSave(rs);
  const stdout = tables.map((t) => saveTable(t, banner, now, counters)).join('');
  const stderr = rs.backend === 'nft' && legacyTablesPresent(state) ? LEGACY_PRESENT : '';
  return { stdout, stderr, exitCode: 0 };
}
