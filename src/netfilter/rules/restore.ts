/**
 * iptables-restore: `*table`, `:CHAIN POLICY [pkts:bytes]`, rule lines (with `[pkts:bytes]` in
 * front under -c), `COMMIT`, `#` comments. Each table block is applied atomically at COMMIT on
 * a copy (a failing block leaves the table as it was). Without --noflush a block replaces the
 * whole table, as the kernel's table replace does.
 */

import type { IptablesState, Ruleset, Table } from '../model.ts';
import { BUILTIN_CHAINS, newChain, resetNthCounters } from '../model.ts';
import type { CommandResult } from './commands.ts';
import { execute, lookupTable } from './commands.ts';
import { parseIptablesArgs } from './parse.ts';
import { IptablesError, formatError, paramError, plainError } from './xtables.ts';

/** add_param_to_argv: words split on blanks; "..." groups (quotes removed), \" is a literal quote. */
export function splitRestoreLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let quote = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] ?? '';
    if (ch === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) {
      cur += line[i + 1];
      inWord = true;
      i++;
    } else if (ch === '"') {
      quote = !quote;
      inWord = true;
    } else if (!quote && (ch === ' ' || ch === '\t')) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (quote) throw paramError('Unterminated quoted string');
  if (inWord) out.push(cur);
  return out;
}

function cloneTable(t: Table): Table {
  return structuredClone(t);
}

function parseCounters(text: string): { pkts: number; bytes: number } | undefined {
  // Counters are doubles in the model: exact up to 2^53, the nearest double beyond (a 64-bit
  // kernel counter that large is not reachable in a simulated run).
  const m = /^\[(\d{1,20}):(\d{1,20})\]$/.exec(text);
  if (!m) return undefined;
  return { pkts: Number(m[1]), bytes: Number(m[2]) };
}

export function restoreRules(state: IptablesState, rs: Ruleset, args: readonly string[], input: string): CommandResult {
  const prog = 'iptables-restore';
  let counters = false;
  let noflush = false;
  let test = false;
  let onlyTable: string | null = null;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    if (a === '-c' || a === '--counters') counters = true;
    else if (a === '-n' || a === '--noflush') noflush = true;
    else if (a === '-t' || a === '--test') test = true;
    else if (a === '-v' || a === '--verbose' || a === '-w' || a === '--wait') continue;
    else if (a === '-T' || a === '--table') onlyTable = args[++i] ?? '';
    else return { stdout: '', stderr: formatError(paramError(`unknown option "${a}"`), prog, rs.backend), exitCode: 2 };
  }

  let work: Table | null = null;
  let target: Table | null = null;
  let skip = false;
  let lineNo = 0;
  let stderr = '';
  const lines = input.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  try {
    for (const raw of lines) {
      lineNo++;
      const line = raw.replace(/\r$/, '').trim();
      if (line === '' || line.startsWith('#')) continue;
      if (line.startsWith('*')) {
        if (work) throw paramError(`${prog}: COMMIT expected at line ${lineNo}\n`);
        const name = line.slice(1);
        target = lookupTable(rs, name);
        skip = onlyTable !== null && onlyTable !== name;
        work = cloneTable(target);
        if (!noflush) {
          for (const c of [...work.chains.values()]) {
            if (c.builtin) {
              c.rules = [];
            } else work.chains.delete(c.name);
          }
        }
        work.instantiated = true;
        continue;
      }
      if (!work || !target) throw paramError(`${prog}: no command specified at line ${lineNo}\n`);
      if (line === 'COMMIT') {
        if (!skip && !test) {
          target.chains = work.chains;
          target.instantiated = true;
          if (rs.backend === 'legacy') resetNthCounters(target);
        }
        work = null;
        target = null;
        continue;
      }
      if (line.startsWith(':')) {
        const [name = '', policy = '', cnt] = line.slice(1).split(/\s+/);
        const existing = work.chains.get(name);
        if (policy === '-') {
          if (existing?.builtin) throw paramError(`Can't set policy \`-' on \`${name}' line ${lineNo}: Bad built-in chain name\n`);
          if (existing) existing.rules = [];
          else work.chains.set(name, newChain(name, false, rs.backend));
          continue;
        }
        if (!existing?.builtin || !(BUILTIN_CHAINS[work.name] as readonly string[]).includes(name)) {
          throw paramError(`Can't set policy \`${policy}' on \`${name}' line ${lineNo}: Bad built-in chain name\n`);
        }
        if (policy !== 'ACCEPT' && policy !== 'DROP') {
          throw paramError(`Can't set policy \`${policy}' on \`${name}' line ${lineNo}: Bad policy name\n`);
        }
        existing.policy = policy;
        existing.instantiated = true;
        if (counters) {
          const c = cnt !== undefined ? parseCounters(cnt) : undefined;
          if (!c) throw paramError(`invalid policy counters for chain '${name}'\n`);
          existing.policyCounters = c;
          existing.policyCounting = true;
        }
        continue;
      }
      let words = splitRestoreLine(line);
      let preset: { pkts: number; bytes: number } | undefined;
      if (counters && words[0]?.startsWith('[')) {
        preset = parseCounters(words[0]);
        if (!preset) throw paramError(`Bad counters at line ${lineNo}\n`);
        words = words.slice(1);
      }
      if (words.some((w) => w === '-t' || w === '--table' || w.startsWith('--table='))) {
        throw paramError(`The -t option (seen in line ${lineNo}) cannot be used in ${prog}.\n`);
      }
      const p = parseIptablesArgs(words, rs.backend);
      if (preset) for (const r of p.rules) r.counters = { ...preset };
      stderr += p.warnings.join('');
      p.table = work.name;
      for (const c of work.chains.values()) if (c.builtin && p.chain === c.name) c.instantiated = true;
      try {
        execute(state, rs, work, p, () => {});
      } catch (e) {
        if (e instanceof IptablesError && e.kind !== 'param' && e.kind !== 'bare-param') {
          throw plainError(`${prog}: line ${lineNo} failed`);
        }
        throw e;
      }
    }
    if (work) throw paramError(`${prog}: COMMIT expected at line ${lineNo + 1}\n`);
  } catch (e) {
    if (!(e instanceof IptablesError)) throw e;
    const where = e.kind === 'param' || e.kind === 'bare-param' ? lineNo : undefined;
    return { stdout: '', stderr: stderr + formatError(e, prog, rs.backend, where), exitCode: e.exitCode === 2 ? 2 : 1 };
  }
  return { stdout: '', stderr, exitCode: 0 };
}
