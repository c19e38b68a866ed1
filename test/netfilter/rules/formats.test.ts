import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createIptablesState } from '../../../src/netfilter/model.ts';
import { runIptablesCommand } from '../../../src/netfilter/rules/index.ts';
import { runTranscript } from './transcript.ts';

const here = new URL('./fixtures/', import.meta.url);
const script = readFileSync(new URL('rules-2.1.sh', here), 'utf8').split('\n').filter((l) => l !== '');

describe('FORMATS.md §2.2: the rule script listed by iptables 1.8.9 (nf_tables)', () => {
  const steps = runTranscript(readFileSync(new URL('formats-2.2-nft.txt', here), 'utf8'), script);
  for (const s of steps) {
    it(s.command, () => {
      expect(s.actual).toBe(s.expected);
    });
  }
});

describe('FORMATS.md §1: counter formatting (counters loaded with iptables-restore -c), both back ends', () => {
  const rules = readFileSync(new URL('counters.rules', here), 'utf8');
  const transcript = readFileSync(new URL('formats-1-counters.txt', here), 'utf8');
  for (const backend of ['nft', 'legacy'] as const) {
    const state = createIptablesState(() => 1795870077);
    const restore = backend === 'nft' ? 'iptables-nft-restore' : 'iptables-legacy-restore';
    const r = runIptablesCommand(state, [restore, '-c'], rules);
    it(`${restore} -c loads the rules`, () => {
      expect(r).toEqual({ stdout: '', stderr: '', exitCode: 0 });
    });
    const text = backend === 'nft' ? transcript : transcript.replaceAll('$ iptables ', '$ iptables-legacy ');
    for (const s of runTranscript(text, [], state)) {
      it(`${backend}: ${s.command}`, () => {
        expect(s.actual).toBe(s.expected);
      });
    }
  }
});

describe('FORMATS.md §2.3: more listing details (after the §2.1 script)', () => {
  for (const backend of ['iptables', 'iptables-legacy']) {
    const setup = script.map((l) => l.replace(/^iptables /, `${backend} `));
    const text = readFileSync(new URL('formats-2.3-misc.txt', here), 'utf8').replaceAll('$ iptables ', `$ ${backend} `);
    for (const s of runTranscript(text, setup)) {
      it(`${s.command}`, () => {
        expect(s.actual).toBe(s.expected);
      });
    }
  }
});
