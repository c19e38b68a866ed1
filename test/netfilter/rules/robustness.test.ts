/** Any command line gets iptables' answer, never an exception (seeded random argv). */
import { describe, expect, it } from 'vitest';
import { createIptablesState } from '../../../src/netfilter/model.ts';
import { runIptablesCommand } from '../../../src/netfilter/rules/index.ts';
import { rngFor } from '../../../src/sim/index.ts';

const WORDS = [
  '-A', '-I', '-D', '-R', '-L', '-S', '-F', '-Z', '-N', '-X', '-E', '-P', '-C', '-t', 'nat', 'filter', 'raw', 'bogus',
  'INPUT', 'PREROUTING', 'POSTROUTING', 'FOO', '1', '2', '0', '-1', '!', '-s', '-d', '10.0.0.1', '10.0.0.0/8', '1.2.3.999',
  '-p', 'tcp', 'udp', 'icmp', 'all', '-i', '-o', 'eth0', 'eth+', '-j', '-g', 'ACCEPT', 'DROP', 'RETURN', 'DNAT', 'SNAT',
  'MASQUERADE', 'REDIRECT', 'REJECT', 'LOG', '--to-destination', '--to-source', '--to-ports', '1.1.1.1:80', '1024-2000',
  '-m', 'statistic', 'conntrack', 'state', 'multiport', '--mode', 'nth', 'random', '--every', '--packet', '--probability',
  '0.5', '3', '--ctstate', '--state', 'NEW,ESTABLISHED', '--dports', '80,443', '--dport', '--sport', '80:90', '-v', '-n',
  '-x', '--line-numbers', '-vnL', '--reject-with', 'tcp-reset', '--log-prefix', 'x ', '--icmp-type', 'echo-request', '-c',
  '--', '-f', '--syn', '--tcp-flags', 'SYN,ACK', 'SYN', '--to', '-V', '--list=INPUT', '--table=nat', '-tnat',
];
const PROGS = ['iptables', 'iptables-legacy', 'iptables-save', 'iptables-legacy-save', 'iptables-restore'];

describe('robustness', () => {
  it('20,000 random command lines: every one answers with an exit code and no exception', () => {
    const rng = rngFor(7, 'test/iptables-fuzz');
    const state = createIptablesState(() => 0);
    const codes = new Set<number>();
    for (let n = 0; n < 20000; n++) {
      const len = rng.int(0, 12);
      const argv = [PROGS[rng.int(0, PROGS.length - 1)]!];
      for (let k = 0; k < len; k++) argv.push(WORDS[rng.int(0, WORDS.length - 1)]!);
      const stdin = argv[0] === 'iptables-restore' ? `*nat\n${argv.slice(1).join(' ')}\nCOMMIT\n` : undefined;
      const r = runIptablesCommand(state, argv, stdin);
      expect(typeof r.exitCode).toBe('number');
      if (r.exitCode !== 0) expect(r.stderr).not.toBe('');
      codes.add(r.exitCode);
    }
    for (const c of codes) expect([0, 1, 2, 3, 4, 127]).toContain(c);
    for (const c of [0, 1, 2, 3]) expect(codes.has(c)).toBe(true);
  });
});
