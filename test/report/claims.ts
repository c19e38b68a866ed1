// Checks every row of a report's "See it yourself" table (English) with tshark on the files in
// `dir`: one tshark pass per file, counting every filter at once (-z io,stat).
import { join } from 'node:path';
import { expect } from 'vitest';
import type { LabRunData } from '../../src/report/index.ts';
import { runTshark } from '../support/tshark.ts';

/** Frames matching each filter in `file`, from one `tshark -z io,stat,0,F1,F2,...` pass. */
export function countFrames(file: string, filters: string[]): number[] {
  for (const f of filters) if (f.includes(',') || f.includes('"')) throw new Error(`filter not usable in io,stat: ${f}`);
  const r = runTshark(['-q', '-n', '-r', file, '-z', `io,stat,0,${filters.join(',')}`]);
  expect(r.status, r.stderr).toBe(0);
  const row = r.stdout.split('\n').find((l) => /^\|\s*[\d.]+ <> [\d.]+\s*\|/.test(l));
  if (row === undefined) throw new Error(`no io,stat row in:\n${r.stdout}`);
  const cells = row.split('|').map((c) => c.trim());
  // cells: '', interval, frames1, bytes1, frames2, bytes2, ...
  return filters.map((_, i) => Number(cells[2 + 2 * i]));
}

const hex = (s: string): string => [...s].map((c) => c.charCodeAt(0).toString(16).padStart(2, '0')).join(':');

export function checkClaims(markdownEn: string, data: LabRunData, dir: string): number {
  const table = markdownEn.split('## 6. See it yourself')[1]!;
  const rows = [...table.matchAll(/^\| (.+?) \| `([^`]+)` \| `([^`]+)` \|$/gm)].map((m) => ({ claim: m[1]!, file: m[2]!, filter: m[3]! }));
  // Each check: a filter to count in a file and what the count must satisfy.
  const checks: { file: string; filter: string; claim: string; test: (n: number) => void }[] = [];
  for (const { claim, file, filter } of rows) {
    let m: RegExpExecArray | null;
    if (file.endsWith('.pcapng')) {
      checks.push({ file, filter, claim, test: (n) => expect(n, claim).toBeGreaterThan(0) });
    } else if ((m = /^Q3: (\d+) /.exec(claim)) !== null || (m = /^Q2: .*, (\d+) connections/.exec(claim)) !== null) {
      const want = Number(m[1]);
      checks.push({ file, filter, claim, test: (n) => expect(n, claim).toBe(want) });
    } else if ((m = /^Q1: .*, connection (\d+), page from server (\d+)/.exec(claim)) !== null) {
      expect(filter).toBe(`tcp.stream eq ${m[1]}`);
      checks.push({ file, filter: `${filter} && frame contains ${hex(`server ${m[2]}`)}`, claim, test: (n) => expect(n, claim).toBeGreaterThan(0) });
    } else if ((m = /^Ladder: the connection, (outside|inside)/.exec(claim)) !== null) {
      const want = data.ladder!.packets.filter((p) => p.side === m![1]).length;
      checks.push({ file, filter, claim, test: (n) => expect(n, claim).toBe(want) });
    } else throw new Error(`unchecked claim: ${claim}`);
  }
  const files = [...new Set(checks.map((c) => c.file))];
  for (const file of files) {
    const mine = checks.filter((c) => c.file === file);
    const counts = countFrames(join(dir, file), mine.map((c) => c.filter));
    mine.forEach((c, i) => c.test(counts[i]!));
  }
  return checks.length;
}
