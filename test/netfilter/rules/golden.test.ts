/**
 * Golden rule text in iptables' own `.t` format (extensions/*.t upstream):
 *   `:CHAIN[,CHAIN...]` sets the chains, `*table` the table (filter by default), and each line
 *   `rule;canonical save form or = ;OK|FAIL`.
 * Every OK line must be accepted by both back ends and come back from `-S` as its canonical form,
 * which must itself parse back to the same text and survive iptables-save | iptables-restore.
 * Every FAIL line must be refused with a non-zero exit code and an error on stderr.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createIptablesState } from '../../../src/netfilter/model.ts';
import { runIptablesCommand, splitRestoreLine } from '../../../src/netfilter/rules/index.ts';

interface Case {
  file: string;
  line: number;
  table: string;
  chains: string[];
  input: string;
  expected: string;
  ok: boolean;
}

function readCases(file: string, text: string): Case[] {
  const out: Case[] = [];
  let table = 'filter';
  let chains: string[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trimEnd();
    if (line === '' || line.startsWith('#')) return;
    if (line.startsWith('*')) table = line.slice(1);
    else if (line.startsWith(':')) chains = line.slice(1).split(',');
    else {
      const parts = line.split(';');
      if (parts.length !== 3) throw new Error(`${file}:${i + 1}: expected rule;result;OK|FAIL, got ${line}`);
      const [input = '', result = '', verdict = ''] = parts;
      if (verdict !== 'OK' && verdict !== 'FAIL') throw new Error(`${file}:${i + 1}: verdict must be OK or FAIL`);
      out.push({ file, line: i + 1, table, chains, input, expected: result === '=' ? input : result, ok: verdict === 'OK' });
    }
  });
  return out;
}

function fresh(prog: string, table: string) {
  const state = createIptablesState(() => 0);
  const r = runIptablesCommand(state, [prog, '-t', table, '-N', 'FOO']);
  if (r.exitCode !== 0) throw new Error(r.stderr);
  return state;
}

const dir = new URL('./golden/', import.meta.url);
const files = readdirSync(dir).filter((f) => f.endsWith('.t')).sort();

describe.each(['iptables', 'iptables-legacy'])('golden .t files with %s', (prog) => {
  for (const file of files) {
    const cases = readCases(file, readFileSync(new URL(file, dir), 'utf8'));
    describe(file, () => {
      for (const c of cases) {
        for (const chain of c.chains) {
          it(`${c.line}: -t ${c.table} -A ${chain} ${c.input} -> ${c.ok ? c.expected : 'FAIL'}`, () => {
            const state = fresh(prog, c.table);
            const r = runIptablesCommand(state, [prog, '-t', c.table, '-A', chain, ...splitRestoreLine(c.input)]);
            if (!c.ok) {
              expect(r.exitCode, 'must be refused').not.toBe(0);
              expect(r.stderr).not.toBe('');
              return;
            }
            // the only stderr an accepted rule may print is lbsim's own warning (--every without --packet)
            expect(r.stderr).toMatch(/^(lbsim: warning: [^\n]*\n)?$/);
            expect(r.exitCode).toBe(0);
            const saved = runIptablesCommand(state, [prog, '-t', c.table, '-S', chain]).stdout.trimEnd().split('\n').pop();
            const want = `-A ${chain}${c.expected === '' ? '' : ` ${c.expected}`}`;
            expect(saved).toBe(want);

            // the canonical form parses back to itself
            const again = fresh(prog, c.table);
            const r2 = runIptablesCommand(again, [prog, '-t', c.table, ...splitRestoreLine(want)]);
            expect(r2.exitCode, r2.stderr).toBe(0);
            expect(runIptablesCommand(again, [prog, '-t', c.table, '-S', chain]).stdout.trimEnd().split('\n').pop()).toBe(want);

            // and survives save | restore
            const save = prog === 'iptables' ? 'iptables-save' : 'iptables-legacy-save';
            const restore = prog === 'iptables' ? 'iptables-restore' : 'iptables-legacy-restore';
            const dump = runIptablesCommand(state, [save, '-c']).stdout;
            const third = createIptablesState(() => 0);
            const r3 = runIptablesCommand(third, [restore, '-c'], dump);
            expect(r3.exitCode, r3.stderr).toBe(0);
            expect(runIptablesCommand(third, [save, '-c']).stdout).toBe(dump);
          });
        }
      }
    });
  }
});
