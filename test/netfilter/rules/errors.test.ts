import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createIptablesState } from '../../../src/netfilter/model.ts';
import { runLine, runTranscript } from './transcript.ts';

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

describe('messages iptables 1.8.9 prints for the NAT and tcp options (libxt_DNAT.c, libxt_tcp.c)', () => {
  const cases: [string, string][] = [
    ['iptables -t nat -A PREROUTING -p tcp -j DNAT --to-destination 1.1.1.1:80:90', 'Invalid port:port syntax - use dash'],
    ['iptables -t nat -A PREROUTING -p tcp -j DNAT --to-destination 1.1.1.1:90-80', "Port range `80' funky"],
    ['iptables -t nat -A PREROUTING -p tcp -j DNAT --to-destination 1.1.1.1:0', "Port `0' not valid"],
    ['iptables -t nat -A PREROUTING -p tcp -j REDIRECT --to-ports 80x', "Garbage after port value: `x'"],
    ['iptables -t nat -A POSTROUTING -p tcp -j MASQUERADE --to-ports 9-8', 'MASQUERADE: Bad value for "--to-ports" option: "9-8"'],
    ['iptables -A INPUT -p tcp --sport 1 --sport 2', "Only one `--source-port' allowed"],
    ['iptables -A INPUT -p tcp --syn --tcp-flags SYN SYN', "Only one of `--syn' or `--tcp-flags'  allowed"],
    ['iptables -A INPUT -p tcp --tcp-flags SYN -j ACCEPT', '--tcp-flags requires two args.'],
    ['iptables -A INPUT -p tcp --tcp-flags SYN,FOO SYN', "Unknown TCP flag `FOO'"],
    ['iptables -A INPUT -p tcp -m multiport --dports 80 --sports 80', 'multiport: option "--sports" cannot be used together with "--destination-ports".\n'],
  ];
  for (const [line, msg] of cases) {
    it(line, () => {
      const r = runLine(createIptablesState(() => 0), line);
      expect(r.stderr).toBe(`iptables v1.8.9 (nf_tables): ${msg}\nTry \`iptables -h' or 'iptables --help' for more information.\n`);
      expect(r.exitCode).toBe(2);
    });
  }
});
