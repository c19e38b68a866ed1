/**
 * Transcript goldens: `$ command` lines, each followed by what the command prints. As in
 * FORMATS.md, `[stderr]` starts the stderr part and `[rc=N]` gives a non-zero exit code (absent
 * means 0). Lines of a fixture file starting with `#!` are setup commands whose output is ignored.
 */
import { createIptablesState } from '../../../src/netfilter/model.ts';
import type { IptablesState } from '../../../src/netfilter/model.ts';
import { runIptablesCommand, splitRestoreLine } from '../../../src/netfilter/rules/index.ts';

export interface TranscriptStep {
  command: string;
  expected: string;
  actual: string;
}

/** Run `line` as a shell would split it (quotes only); `iptables-nft` runs the nft back end. */
export function runLine(state: IptablesState, line: string, stdin?: string): { stdout: string; stderr: string; exitCode: number } {
  return runIptablesCommand(state, splitRestoreLine(line), stdin);
}

export function render(r: { stdout: string; stderr: string; exitCode: number }): string {
  let s = r.stdout;
  if (r.stderr !== '') s += `[stderr]\n${r.stderr}`;
  if (r.exitCode !== 0) s += `[rc=${r.exitCode}]\n`;
  return s;
}

export function runTranscript(text: string, setup: readonly string[], state: IptablesState = createIptablesState(() => 1795870077)): TranscriptStep[] {
  for (const l of setup) {
    const r = runLine(state, l);
    if (r.exitCode !== 0) throw new Error(`setup failed: ${l}\n${r.stderr}`);
  }
  const steps: TranscriptStep[] = [];
  let cur: { command: string; lines: string[] } | null = null;
  const flush = (): void => {
    if (!cur) return;
    const expected = cur.lines.length ? `${cur.lines.join('\n')}\n` : '';
    const pipe = / \| (head|tail) -(\d+)$/.exec(cur.command);
    const command = pipe ? cur.command.slice(0, pipe.index) : cur.command;
    const r = runLine(state, command);
    if (pipe) {
      const lines = r.stdout.split('\n').slice(0, -1);
      const n = Number(pipe[2]);
      r.stdout = (pipe[1] === 'head' ? lines.slice(0, n) : lines.slice(-n)).map((l) => `${l}\n`).join('');
    }
    steps.push({ command: cur.command, expected, actual: render(r) });
  };
  for (const line of text.split('\n')) {
    if (line.startsWith('$ ')) {
      flush();
      cur = { command: line.slice(2), lines: [] };
    } else if (cur) cur.lines.push(line);
  }
  if (cur) {
    while (cur.lines.length && cur.lines[cur.lines.length - 1] === '') cur.lines.pop();
  }
  flush();
  return steps;
}
