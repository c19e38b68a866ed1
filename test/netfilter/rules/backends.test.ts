/**
 * What differs between `iptables` (nf_tables) and `iptables-legacy` beyond the text
 * (LINUX.md "statistic match, nth mode", FORMATS.md §2.5), and the statistic match in use.
 */
import { describe, expect, it } from 'vitest';
import { countPolicy, countRule, createIptablesState, evaluateRule } from '../../../src/netfilter/model.ts';
import type { Chain, IptablesState, PacketInfo, Ruleset, StatisticMatch } from '../../../src/netfilter/model.ts';
import { rngFor } from '../../../src/sim/index.ts';
import { runLine } from './transcript.ts';

const RR = [
  '-t nat -A PREROUTING -d 10.0.0.1 -m statistic --mode nth --every 3 --packet 0 -j DNAT --to-destination 100.0.0.1',
  '-t nat -A PREROUTING -d 10.0.0.1 -m statistic --mode nth --every 2 --packet 0 -j DNAT --to-destination 100.0.0.2',
  '-t nat -A PREROUTING -d 10.0.0.1 -j DNAT --to-destination 100.0.0.3',
];

function pkt(dst: number): PacketInfo {
  return {
    src: 0x0a00000a, dst, protocol: 6, sport: 40000, dport: 80, tcpFlags: 2, icmpType: -1, icmpCode: -1, fragment: false,
    inIface: 'eth0', outIface: null, ipTotalLen: 60, ctstate: 'NEW', ctSnat: false, ctDnat: false,
  };
}

const noDraw = { u32: (): number => { throw new Error('no random draw expected'); } };

/** First matching rule number (0 = policy), counting as the engine does. */
function firstMatch(rs: Ruleset, chain: Chain, p: PacketInfo, rng = noDraw): number {
  for (let i = 0; i < chain.rules.length; i++) {
    const r = chain.rules[i]!;
    if (evaluateRule(r, p, rng)) {
      countRule(r, p.ipTotalLen);
      return i + 1;
    }
  }
  countPolicy(rs, chain, p.ipTotalLen);
  return 0;
}

function boot(prog: string, lines: string[]): IptablesState {
  const state = createIptablesState(() => 0);
  for (const l of lines) expect(runLine(state, `${prog} ${l}`).exitCode).toBe(0);
  return state;
}

describe('nth counters and table changes', () => {
  it('nf_tables: adding a rule keeps the other rules\' nth counters', () => {
    const state = boot('iptables', RR);
    const pre = state.nft.tables.get('nat')!.chains.get('PREROUTING')!;
    expect(firstMatch(state.nft, pre, pkt(0x0a000001))).toBe(1);
    expect(firstMatch(state.nft, pre, pkt(0x0a000001))).toBe(2);
    expect(runLine(state, 'iptables -t nat -A PREROUTING -d 10.9.9.9 -j ACCEPT').exitCode).toBe(0);
    expect(firstMatch(state.nft, pre, pkt(0x0a000001))).toBe(3);
    expect(firstMatch(state.nft, pre, pkt(0x0a000001))).toBe(1);
  });

  it('legacy: any change to the table puts every nth counter back to its start', () => {
    const state = boot('iptables-legacy', RR);
    const pre = state.legacy.tables.get('nat')!.chains.get('PREROUTING')!;
    expect(firstMatch(state.legacy, pre, pkt(0x0a000001))).toBe(1);
    expect(firstMatch(state.legacy, pre, pkt(0x0a000001))).toBe(2);
    expect(runLine(state, 'iptables-legacy -t nat -A PREROUTING -d 10.9.9.9 -j ACCEPT').exitCode).toBe(0);
    expect(firstMatch(state.legacy, pre, pkt(0x0a000001))).toBe(1);
    expect(firstMatch(state.legacy, pre, pkt(0x0a000001))).toBe(2);
    // -Z commits the table too; listing does not
    expect(runLine(state, 'iptables-legacy -t nat -vnL').exitCode).toBe(0);
    expect(firstMatch(state.legacy, pre, pkt(0x0a000001))).toBe(3);
    expect(runLine(state, 'iptables-legacy -t nat -Z').exitCode).toBe(0);
    expect(firstMatch(state.legacy, pre, pkt(0x0a000001))).toBe(1);
    // a change to another table leaves this one alone
    expect(runLine(state, 'iptables-legacy -A INPUT -j ACCEPT').exitCode).toBe(0);
    expect(firstMatch(state.legacy, pre, pkt(0x0a000001))).toBe(2);
  });

  it('--packet P: evaluation k matches iff (k-1) mod N == P', () => {
    const state = boot('iptables', ['-t nat -A PREROUTING -m statistic --mode nth --every 4 --packet 2 -j DNAT --to-destination 1.1.1.1']);
    const pre = state.nft.tables.get('nat')!.chains.get('PREROUTING')!;
    const seq = Array.from({ length: 9 }, () => firstMatch(state.nft, pre, pkt(1)));
    expect(seq).toEqual([0, 0, 1, 0, 0, 0, 1, 0, 0]);
    const m = pre.rules[0]!.matches[0] as StatisticMatch;
    expect(m.nthStart).toBe(1);
  });

  it('the random rules split 100,000 first packets 0.330/0.335/0.335 within 4 sigma', () => {
    const state = boot('iptables', [
      '-t nat -A PREROUTING -d 10.0.0.2 -m statistic --mode random --probability 0.33 -j DNAT --to-destination 100.0.0.1',
      '-t nat -A PREROUTING -d 10.0.0.2 -m statistic --mode random --probability 0.5 -j DNAT --to-destination 100.0.0.2',
      '-t nat -A PREROUTING -d 10.0.0.2 -j DNAT --to-destination 100.0.0.3',
    ]);
    const pre = state.nft.tables.get('nat')!.chains.get('PREROUTING')!;
    const rng = rngFor(1, 'ws_random/netfilter');
    const n = 100_000;
    const hits = [0, 0, 0, 0];
    for (let i = 0; i < n; i++) hits[firstMatch(state.nft, pre, pkt(0x0a000002), rng)]! += 1;
    const expected = [0, 708669604 / 2 ** 31, (1 - 708669604 / 2 ** 31) * 0.5, (1 - 708669604 / 2 ** 31) * 0.5];
    expect(expected[1]).toBeCloseTo(0.330000000075, 12);
    for (const k of [1, 2, 3]) {
      const p = expected[k]!;
      const sigma = Math.sqrt(n * p * (1 - p));
      expect(Math.abs(hits[k]! - n * p)).toBeLessThan(4 * sigma);
    }
    expect(hits[0]).toBe(0);
    expect(pre.rules.map((r) => r.counters.pkts)).toEqual(hits.slice(1));
    expect(pre.rules[0]!.counters.bytes).toBe(hits[1]! * 60);
  });
});

describe('policy counters', () => {
  it('nf_tables: a chain that came into being through -A keeps 0 packets; -P turns counting on', () => {
    const state = boot('iptables', ['-A OUTPUT -p tcp --dport 1 -j ACCEPT', '-P INPUT ACCEPT']);
    const filter = state.nft.tables.get('filter')!;
    countPolicy(state.nft, filter.chains.get('OUTPUT')!, 84);
    countPolicy(state.nft, filter.chains.get('INPUT')!, 84);
    countPolicy(state.nft, filter.chains.get('INPUT')!, 84);
    expect(runLine(state, 'iptables -vnL').stdout.split('\n').filter((l) => l.startsWith('Chain'))).toEqual([
      'Chain INPUT (policy ACCEPT 2 packets, 168 bytes)',
      'Chain FORWARD (policy ACCEPT 0 packets, 0 bytes)',
      'Chain OUTPUT (policy ACCEPT 0 packets, 0 bytes)',
    ]);
  });

  it('legacy: every packet that falls off a built-in chain counts', () => {
    const state = boot('iptables-legacy', ['-t nat -A PREROUTING -d 10.0.0.1 -j DNAT --to-destination 100.0.0.3']);
    const nat = state.legacy.tables.get('nat')!;
    firstMatch(state.legacy, nat.chains.get('PREROUTING')!, pkt(0x0a000009));
    expect(runLine(state, 'iptables-legacy -t nat -vnL PREROUTING').stdout.split('\n')[0]).toBe(
      'Chain PREROUTING (policy ACCEPT 1 packets, 60 bytes)',
    );
    expect(runLine(state, 'iptables-legacy-save -t nat').stdout).toContain(':PREROUTING ACCEPT [1:60]\n');
  });

  it('-Z zeroes rule and policy counters; -Z CHAIN N one rule', () => {
    const state = boot('iptables-legacy', ['-A INPUT -j ACCEPT', '-A INPUT -j ACCEPT']);
    const input = state.legacy.tables.get('filter')!.chains.get('INPUT')!;
    input.rules.forEach((r) => countRule(r, 100));
    countPolicy(state.legacy, input, 50);
    expect(runLine(state, 'iptables-legacy -Z INPUT 2').exitCode).toBe(0);
    expect(input.rules.map((r) => r.counters.pkts)).toEqual([1, 0]);
    expect(runLine(state, 'iptables-legacy -L -Z INPUT -v -n').stdout.split('\n')[0]).toBe('Chain INPUT (policy ACCEPT 1 packets, 50 bytes)');
    expect(input.policyCounters).toEqual({ pkts: 0, bytes: 0 });
    expect(input.rules[0]!.counters).toEqual({ pkts: 0, bytes: 0 });
  });
});

describe('nf_tables laziness and the two back ends side by side', () => {
  it('-Z/-D/-R on a base chain that was never created: No chain/target/match by that name.', () => {
    const state = boot('iptables', ['-A OUTPUT -p tcp --dport 1 -j ACCEPT']);
    for (const cmd of ['-Z FORWARD', '-D INPUT 1', '-R INPUT 1 -j ACCEPT']) {
      expect(runLine(state, `iptables ${cmd}`)).toEqual({ stdout: '', stderr: 'iptables: No chain/target/match by that name.\n', exitCode: 1 });
    }
    expect(runLine(state, 'iptables -D OUTPUT 2').stderr).toBe('iptables: Index of deletion too big.\n');
  });

  it('iptables-save lists only the tables that exist, filter before nat; banners name the program', () => {
    const state = createIptablesState(() => 1795870091);
    expect(runLine(state, 'iptables-save').stdout).toBe('');
    runLine(state, 'iptables -t nat -A POSTROUTING -o eth1 -j MASQUERADE');
    runLine(state, 'iptables -A FORWARD -j ACCEPT');
    const out = runLine(state, 'iptables-save').stdout;
    expect(out.split('\n').filter((l) => l.startsWith('*'))).toEqual(['*filter', '*nat']);
    expect(out.split('\n')[0]).toBe('# Generated by iptables-save v1.8.9 (nf_tables) on Sat Nov 28 12:48:11 2026');
    expect(runLine(state, 'iptables-nft-save').stdout.split('\n')[0]).toBe(
      '# Generated by iptables-nft-save v1.8.9 (nf_tables) on Sat Nov 28 12:48:11 2026',
    );
    runLine(state, 'iptables-legacy -t nat -A POSTROUTING -o eth1 -j MASQUERADE');
    expect(runLine(state, 'iptables-legacy-save -t nat').stdout.split('\n')[0]).toBe('# Generated by iptables-save v1.8.9 on Sat Nov 28 12:48:11 2026');
  });

  it('nf_tables warns on stderr after a listing when legacy tables exist', () => {
    const state = createIptablesState(() => 0);
    runLine(state, 'iptables-legacy -t nat -L');
    const r = runLine(state, 'iptables -t nat -L INPUT -n');
    expect(r.stdout).toBe('Chain INPUT (policy ACCEPT)\ntarget     prot opt source               destination         \n');
    expect(r.stderr).toBe('# Warning: iptables-legacy tables present, use iptables-legacy to see them\n');
  });

  it('iptables -V names the back end', () => {
    const state = createIptablesState(() => 0);
    expect(runLine(state, 'iptables -V').stdout).toBe('iptables v1.8.9 (nf_tables)\n');
    expect(runLine(state, 'iptables-legacy --version').stdout).toBe('iptables v1.8.9 (legacy)\n');
  });
});

describe('commands', () => {
  it('-I, -R, -D by spec and number, -C, -E, -X, -F', () => {
    const state = createIptablesState(() => 0);
    const ok = (l: string): void => {
      const r = runLine(state, `iptables ${l}`);
      expect(r.stderr).toBe('');
      expect(r.exitCode).toBe(0);
    };
    ok('-N FOO');
    ok('-A INPUT -s 1.1.1.1 -j ACCEPT');
    ok('-I INPUT -s 2.2.2.2 -j DROP');
    ok('-I INPUT 3 -s 3.3.3.3 -j FOO');
    ok('-R INPUT 1 -s 4.4.4.4 -j DROP');
    ok('-C INPUT -s 1.1.1.1 -j ACCEPT');
    expect(runLine(state, 'iptables -C INPUT -s 1.1.1.1 -j DROP').exitCode).toBe(1);
    expect(runLine(state, 'iptables -S INPUT').stdout).toBe(
      '-P INPUT ACCEPT\n-A INPUT -s 4.4.4.4/32 -j DROP\n-A INPUT -s 1.1.1.1/32 -j ACCEPT\n-A INPUT -s 3.3.3.3/32 -j FOO\n',
    );
    ok('-E FOO BAR');
    expect(runLine(state, 'iptables -S INPUT 3').stdout).toBe('-A INPUT -s 3.3.3.3/32 -j BAR\n');
    expect(runLine(state, 'iptables -X BAR').exitCode).toBe(4);
    ok('-D INPUT -s 3.3.3.3 -j BAR');
    ok('-X BAR');
    ok('-D INPUT 1');
    expect(runLine(state, 'iptables -S INPUT').stdout).toBe('-P INPUT ACCEPT\n-A INPUT -s 1.1.1.1/32 -j ACCEPT\n');
    ok('-A INPUT -s 5.5.5.5,6.6.6.6 -j ACCEPT');
    expect(runLine(state, 'iptables -S INPUT').stdout).toBe(
      '-P INPUT ACCEPT\n-A INPUT -s 1.1.1.1/32 -j ACCEPT\n-A INPUT -s 5.5.5.5/32 -j ACCEPT\n-A INPUT -s 6.6.6.6/32 -j ACCEPT\n',
    );
    ok('-F');
    expect(runLine(state, 'iptables -S INPUT').stdout).toBe('-P INPUT ACCEPT\n');
    expect(runLine(state, 'iptables -t nat -A PREROUTING -j DROP').stderr).toBe(
      'iptables v1.8.9 (nf_tables): \nThe "nat" table is not intended for filtering, the use of DROP is therefore inhibited.\n\n\n' +
        "Try `iptables -h' or 'iptables --help' for more information.\n",
    );
  });

  it('iptables-restore: atomic per table, noflush, counters, errors with the line', () => {
    const state = createIptablesState(() => 0);
    const rules = '*nat\n:PREROUTING ACCEPT [0:0]\n:FOO - [0:0]\n-A PREROUTING -j FOO\n-A FOO -s 10.0.0.0/8 -j RETURN\nCOMMIT\n';
    expect(runLine(state, 'iptables-restore', rules).exitCode).toBe(0);
    expect(runLine(state, 'iptables -t nat -S').stdout).toBe(
      '-P PREROUTING ACCEPT\n-P INPUT ACCEPT\n-P OUTPUT ACCEPT\n-P POSTROUTING ACCEPT\n-N FOO\n-A PREROUTING -j FOO\n-A FOO -s 10.0.0.0/8 -j RETURN\n',
    );
    const bad = '*nat\n-F\n-A PREROUTING --foo\nCOMMIT\n';
    expect(runLine(state, 'iptables-restore', bad)).toEqual({
      stdout: '',
      stderr:
        'iptables-restore v1.8.9 (nf_tables): unknown option "--foo"\nError occurred at line: 3\n' +
        "Try `iptables-restore -h' or 'iptables-restore --help' for more information.\n",
      exitCode: 2,
    });
    // the failed block left the table alone
    expect(runLine(state, 'iptables -t nat -S PREROUTING').stdout).toBe('-P PREROUTING ACCEPT\n-A PREROUTING -j FOO\n');
    expect(runLine(state, 'iptables-restore -n', '*nat\n-A PREROUTING -d 1.2.3.4 -j DNAT --to-destination 5.6.7.8\nCOMMIT\n').exitCode).toBe(0);
    expect(runLine(state, 'iptables -t nat -S PREROUTING').stdout).toBe(
      '-P PREROUTING ACCEPT\n-A PREROUTING -j FOO\n-A PREROUTING -d 1.2.3.4/32 -j DNAT --to-destination 5.6.7.8\n',
    );
    expect(runLine(state, 'iptables-restore', '*filter\n-A INPUT -j DNAT --to-destination 1.1.1.1\nCOMMIT\n')).toEqual({
      stdout: '',
      stderr: 'iptables-restore: line 2 failed\n',
      exitCode: 1,
    });
  });
});

describe('matchesListText (for packet comments)', () => {
  it('gives the -vnL match column without the leading blank', async () => {
    const { matchesListText } = await import('../../../src/netfilter/rules/index.ts');
    const state = boot('iptables', [
      ...RR,
      '-t nat -A PREROUTING -m statistic --mode random --probability 0.33 -j DNAT --to-destination 100.0.0.1',
      '-t nat -A PREROUTING -p tcp --dport 80 -m conntrack --ctstate ESTABLISHED,NEW -j DNAT --to-destination 100.0.0.1',
    ]);
    const rules = state.nft.tables.get('nat')!.chains.get('PREROUTING')!.rules;
    expect(rules.map((r) => matchesListText(r))).toEqual([
      'statistic mode nth every 3',
      'statistic mode nth every 2',
      '',
      'statistic mode random probability 0.33000000007',
      'tcp dpt:80 ctstate NEW,ESTABLISHED',
    ]);
  });
});

describe('-L CHAIN N', () => {
  it('prints only that rule, without the header (list_entries with a rule number)', () => {
    const state = boot('iptables', RR);
    expect(runLine(state, 'iptables -t nat -L PREROUTING 2 -n --line-numbers').stdout).toBe(
      '2    DNAT       0    --  0.0.0.0/0            10.0.0.1             statistic mode nth every 2 to:100.0.0.2\n',
    );
  });
});
