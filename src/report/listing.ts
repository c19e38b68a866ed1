// Reading back an `iptables -t nat -vnL` listing (with or without -x and --line-numbers), and the
// VIP policies its DNAT rules describe. The report explains the counters from the listing the run
// printed, so it reads the same text a student reads.

import type { Counter, DnatMatch, DnatRule, NatChain, NatRuleCounters, PolicyKind, ServerInfo } from './model.ts';

const SUFFIX: Record<string, number> = { K: 1e3, M: 1e6, G: 1e9, T: 1e12 };

/** '540' -> exact 540; '100K' -> about 100000 (iptables rounded it: see FORMATS.md, counters). */
export function parseCounter(text: string): Counter {
  const m = /^(\d+)([KMGT]?)$/.exec(text);
  if (m === null) throw new Error(`iptables listing: counter '${text}' is not a number (accepted: 123, 100K, 12M, 3G, 10T)`);
  const digits = Number(m[1]);
  const suffix = m[2] ?? '';
  if (suffix === '') return { value: digits, text, exact: true };
  return { value: digits * (SUFFIX[suffix] ?? 1), text, exact: false };
}

const CHAIN_BUILTIN = /^Chain (\S+) \(policy (\S+) (\S+) packets, (\S+) bytes\)$/;
const CHAIN_USER = /^Chain (\S+) \(\d+ references\)$/;

export function parseNatListing(text: string): NatChain[] {
  const chains: NatChain[] = [];
  let current: NatChain | null = null;
  let hasNum = false;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    const where = `iptables listing, line ${i + 1}`;
    if (line.trim() === '') {
      current = null;
      continue;
    }
    const builtin = CHAIN_BUILTIN.exec(line);
    const user = builtin === null ? CHAIN_USER.exec(line) : null;
    if (builtin !== null || user !== null) {
      const zero = parseCounter('0');
      current = builtin !== null
        ? { name: builtin[1]!, policy: builtin[2]!, policyPkts: parseCounter(builtin[3]!), policyBytes: parseCounter(builtin[4]!), rules: [] }
        : { name: user![1]!, policy: null, policyPkts: zero, policyBytes: zero, rules: [] };
      chains.push(current);
      continue;
    }
    if (current === null) throw new Error(`${where}: '${line}' is outside a chain (expected 'Chain NAME (policy ...)')`);
    const tokens = line.trim().split(/\s+/);
    if (tokens.includes('pkts') && tokens.includes('target')) {
      hasNum = tokens[0] === 'num';
      continue;
    }
    current.rules.push(parseRuleLine(line, hasNum, current.rules.length + 1, where));
  }
  return chains;
}

function parseRuleLine(line: string, hasNum: boolean, position: number, where: string): NatRuleCounters {
  // Leading fields are blank-separated numbers; after the bytes field and its one blank comes the
  // target, padded to 9 columns (an empty target leaves only blanks there).
  const lead = (hasNum ? /^\s*(\d+)\s+(\S+)\s+(\S+) / : /^\s*()(\S+)\s+(\S+) /).exec(line);
  if (lead === null) {
    throw new Error(`${where}: '${line}' is not a rule line (expected 'pkts bytes target prot opt in out source destination ...')`);
  }
  const num = hasNum ? Number(lead[1]) : position;
  const pkts = parseCounter(lead[2]!);
  const bytes = parseCounter(lead[3]!);
  let rest = line.slice(lead[0].length);
  let target = '';
  if (!rest.startsWith(' ')) {
    const t = /^(\S+)/.exec(rest)!;
    target = t[1]!;
    rest = rest.slice(target.length);
  }
  const fields = /^\s*(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)(.*)$/.exec(rest);
  if (fields === null) throw new Error(`${where}: '${line}' lacks the prot, opt, in, out, source and destination columns`);
  return {
    num,
    pkts,
    bytes,
    target,
    prot: fields[1]!,
    inIface: fields[3]!,
    outIface: fields[4]!,
    source: fields[5]!,
    destination: fields[6]!,
    matchText: fields[7]!.trim(),
  };
}

function stripHost(cidr: string): string {
  return cidr.endsWith('/32') ? cidr.slice(0, -3) : cidr;
}

/** The nat PREROUTING DNAT rules whose destination is `vip`, as policy rules. */
export function dnatRulesFor(chains: NatChain[], vip: string, servers: ServerInfo[]): DnatRule[] {
  const pre = chains.find((c) => c.name === 'PREROUTING');
  if (pre === undefined) return [];
  const out: DnatRule[] = [];
  for (const rule of pre.rules) {
    if (rule.target !== 'DNAT' || stripHost(rule.destination) !== vip) continue;
    const to = /(?:^|\s)to:(\d+\.\d+\.\d+\.\d+)/.exec(rule.matchText);
    if (to === null) continue;
    const toAddress = to[1]!;
    const nth = /statistic mode nth every (\d+)(?: packet (\d+))?/.exec(rule.matchText);
    const random = /statistic mode random probability ([0-9.]+)/.exec(rule.matchText);
    let match: DnatMatch;
    if (nth !== null) match = { kind: 'nth', every: Number(nth[1]), packet: nth[2] === undefined ? 0 : Number(nth[2]) };
    else if (random !== null) match = { kind: 'random', probability: Number(random[1]) };
    else if (rule.source !== '0.0.0.0/0' && !rule.source.startsWith('!')) match = { kind: 'source', source: stripHost(rule.source) };
    else match = { kind: 'always' };
    const server = servers.find((s) => s.address === toAddress)?.index ?? null;
    out.push({ num: rule.num, match, toAddress, server });
  }
  return out;
}

export function policyOf(rules: DnatRule[]): PolicyKind {
  const kinds = new Set(rules.map((r) => r.match.kind));
  if (kinds.has('random') && !kinds.has('nth')) return 'random';
  if (kinds.has('nth') && !kinds.has('random')) return 'round-robin';
  if (kinds.has('source') && !kinds.has('nth') && !kinds.has('random')) return 'source-ip';
  return 'other';
}
