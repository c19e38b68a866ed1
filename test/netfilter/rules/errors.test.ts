import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runTranscript } from './transcript.ts';

const here = new URL('./fixtures/', import.meta.url);

/** The one deliberate difference from iptables 1.8.9 (issue 4, item 1). */
const EVERY_WITHOUT_PACKET = ' -t nat -A PREROUTING -m statistic --mode nth --every 3 -j ACCEPT';

describe.each([
  ['FORMATS.md §3.3: iptables 1.8.9 (nf_tables)', 'errors-3.3-nft.txt'],
  ['FORMATS.md §3.4: iptables 1.8.9 (legacy), §3.3 with the differences of §3.4 applied', 'errors-3.4-legacy.txt'],
])('%s: error messages and exit codes, in one fresh namespace', (_title, file) => {
  for (const s of runTranscript(readFileSync(new URL(file, here), 'utf8'), [])) {
    if (s.command.endsWith(EVERY_WITHOUT_PACKET)) {
      it(`${s.command} (accepted as --packet 0, with a warning quoting the modern error)`, () => {
        expect(s.expected).toContain('statistic: option "--every" also requires "--packet".');
        expect(s.actual).toBe(
          '[stderr]\nlbsim: warning: iptables 1.4.11 and later reject this rule (statistic: option "--every" also requires "--packet".); ' +
            'running it as Netkit-era iptables did, with --packet 0. Portable spelling: -m statistic --mode nth --every 3 --packet 0\n',
        );
      });
      continue;
    }
    it(s.command, () => {
      expect(s.actual).toBe(s.expected);
    });
  }
});
