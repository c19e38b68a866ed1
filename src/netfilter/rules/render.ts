/**
 * Rule text out: `-L` listings (print_header, print_firewall of iptables 1.8.9), `-S` and
 * `iptables-save`. Byte-exact against FORMATS.md §1–§2 and reference/real-kernel/STAR/iptables/.
 */

import type { AddrSpec, Backend, Chain, Rule, Ruleset, Table } from '../model.ts';
import { BUILTIN_CHAINS } from '../model.ts';
import { matchExtension, targetExtension } from './parse.ts';
import { IPTABLES_VERSION, ctimeUtc, formatCount, formatPolicyCount, ipToString, maskToCidr, maskToText, protocolName } from './xtables.ts';

export interface ListFormat {
  numeric: boolean;
  verbose: boolean;
  exact: boolean;
  lineNumbers: boolean;
}

/** Chains in listing order: built-ins in the kernel's order, then user chains sorted by name. */
export function chainsInOrder(table: Table): Chain[] {
  const builtins = BUILTIN_CHAINS[table.name].map((n) => table.chains.get(n)).filter((c): c is Chain => c !== undefined);
  const users = [...table.chains.values()].filter((c) => !c.builtin).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return [...builtins, ...users];
}

export function referenceCount(table: Table, chainName: string): number {
  let n = 0;
  for (const c of table.chains.values()) for (const r of c.rules) if (r.target?.kind === 'JUMP' && r.target.chain === chainName) n++;
  return n;
}

export function targetName(rule: Rule): string {
  const t = rule.target;
  if (!t) return '';
  return t.kind === 'JUMP' ? t.chain : t.kind;
}

function addrListText(a: AddrSpec | null, numeric: boolean): string {
  if (!a || a.mask === 0) return numeric ? '0.0.0.0/0' : 'anywhere';
  return ipToString(a.addr) + maskToText(a.mask);
}

function header(chain: Chain, table: Table, f: ListFormat): string {
  let s = `Chain ${chain.name}`;
  if (chain.builtin) {
    s += ` (policy ${chain.policy ?? 'ACCEPT'}`;
    if (f.verbose) {
      s += ` ${formatPolicyCount(chain.policyCounters.pkts, f.exact)} packets, ${formatPolicyCount(chain.policyCounters.bytes, f.exact)} bytes`;
    }
    s += ')\n';
  } else {
    s += ` (${referenceCount(table, chain.name)} references)\n`;
  }
  if (f.lineNumbers) s += 'num  ';
  if (f.verbose) s += f.exact ? `${'pkts'.padStart(8)} ${'bytes'.padStart(10)} ` : ' pkts bytes ';
  s += `${'target'.padEnd(9)} `;
  s += ' prot opt';
  if (f.verbose) s += ` ${'in'.padEnd(6)} ${'out'.padEnd(6)} `;
  s += ` ${'source'.padEnd(19)} `;
  s += ` ${'destination'.padEnd(19)} `;
  return `${s}\n`;
}

/** One rule line of `-L` (print_firewall), without the newline. */
export function ruleListLine(rule: Rule, num: number, f: ListFormat): string {
  let s = '';
  if (f.lineNumbers) s += `${String(num).padEnd(4)} `;
  if (f.verbose) s += formatCount(rule.counters.pkts, f.exact) + formatCount(rule.counters.bytes, f.exact);
  s += `${targetName(rule).padEnd(9)} `;
  const p = rule.protocol;
  const pnum = p?.num ?? 0;
  s += p?.invert ? '!' : ' ';
  s += `${(f.numeric ? String(pnum) : (protocolName(pnum) ?? String(pnum))).padEnd(4)} `;
  s += rule.fragment?.invert ? '!' : '-';
  s += rule.fragment ? 'f' : '-';
  s += ' ';
  if (f.verbose) {
    const any = f.numeric ? '*' : 'any';
    const inText = (rule.inIface?.invert ? '!' : '') + (rule.inIface?.name || any);
    const outText = (rule.outIface?.invert ? '!' : '') + (rule.outIface?.name || any);
    s += ` ${inText.padEnd(6)} ${outText.padEnd(6)} `;
  }
  s += rule.src?.invert ? '!' : ' ';
  s += `${addrListText(rule.src, f.numeric).padEnd(19)} `;
  s += rule.dst?.invert ? '!' : ' ';
  s += `${addrListText(rule.dst, f.numeric).padEnd(19)} `;
  if (rule.target?.kind === 'JUMP' && rule.target.goto) s += '[goto] ';
  for (const m of rule.matches) s += matchExtension(m).print(m, f.numeric);
  if (rule.target) {
    const ext = targetExtension(rule.target);
    if (ext) s += ext.print(rule.target, f.numeric);
  }
  return s;
}

/**
 * A rule's match column exactly as `iptables -vnL` prints it (`statistic mode nth every 2`,
 * `tcp dpt:80`...), without the leading blank; '' when the rule has no match. For packet comments.
 */
export function matchesListText(rule: Rule, numeric = true): string {
  let s = '';
  for (const m of rule.matches) s += matchExtension(m).print(m, numeric);
  return s.trimStart();
}

/** `-L [CHAIN]` text for one table; `only` limits it to one chain. */
export function listTable(table: Table, f: ListFormat, only?: Chain, rulenum?: number): string {
  const chains = only ? [only] : chainsInOrder(table);
  let out = '';
  chains.forEach((c, idx) => {
    if (idx > 0) out += '\n';
    // list_entries: with a rule number only that rule's line, no header
    if (rulenum === undefined) out += header(c, table, f);
    c.rules.forEach((r, k) => {
      if (rulenum === undefined || rulenum === k + 1) out += `${ruleListLine(r, k + 1, f)}\n`;
    });
  });
  return out;
}

function addrSaveText(letter: string, a: AddrSpec | null): string {
  if (!a || (a.mask === 0 && !a.invert)) return '';
  const cidr = maskToCidr(a.mask);
  const mask = cidr === -1 ? ipToString(a.mask) : String(cidr);
  return `${a.invert ? ' !' : ''} -${letter} ${ipToString(a.addr)}/${mask}`;
}

/**
 * The rule spec as `-S`/save print it, without `-A CHAIN`, with a leading blank:
 * -s -d -i -o -p -f, the matches in order, [-c P B], then -j/-g and the target's options.
 */
export function ruleSpecText(rule: Rule, counters = false): string {
  let s = addrSaveText('s', rule.src) + addrSaveText('d', rule.dst);
  if (rule.inIface) s += `${rule.inIface.invert ? ' !' : ''} -i ${rule.inIface.name}`;
  if (rule.outIface) s += `${rule.outIface.invert ? ' !' : ''} -o ${rule.outIface.name}`;
  const p = rule.protocol;
  if (p && (p.num !== 0 || p.invert)) s += `${p.invert ? ' !' : ''} -p ${protocolName(p.num) ?? p.num}`;
  if (rule.fragment) s += `${rule.fragment.invert ? ' !' : ''} -f`;
  for (const m of rule.matches) s += ` -m ${m.kind}${matchExtension(m).save(m)}`;
  if (counters) s += ` -c ${rule.counters.pkts} ${rule.counters.bytes}`;
  const t = rule.target;
  if (t) {
    if (t.kind === 'JUMP') s += ` ${t.goto ? '-g' : '-j'} ${t.chain}`;
    else {
      s += ` -j ${t.kind}`;
      const ext = targetExtension(t);
      if (ext) s += ext.save(t);
    }
  }
  return s;
}

/** `-S [CHAIN [N]]` (with -v the counters as `-c P B`). */
export function listRules(table: Table, verbose: boolean, only?: Chain, rulenum?: number): string {
  let out = '';
  const pol = (c: Chain): string =>
    `-P ${c.name} ${c.policy ?? 'ACCEPT'}${verbose ? ` -c ${c.policyCounters.pkts} ${c.policyCounters.bytes}` : ''}\n`;
  if (only) {
    if (rulenum !== undefined) {
      const r = only.rules[rulenum - 1];
      return r ? `-A ${only.name}${ruleSpecText(r, verbose)}\n` : '';
    }
    out += only.builtin ? pol(only) : `-N ${only.name}\n`;
    for (const r of only.rules) out += `-A ${only.name}${ruleSpecText(r, verbose)}\n`;
    return out;
  }
  const chains = chainsInOrder(table);
  for (const c of chains) if (c.builtin) out += pol(c);
  for (const c of chains) if (!c.builtin) out += `-N ${c.name}\n`;
  for (const c of chains) for (const r of c.rules) out += `-A ${c.name}${ruleSpecText(r, verbose)}\n`;
  return out;
}

/** The save banner names the program as it was run (FORMATS.md §2.3). */
export function saveBanner(prog: string, backend: Backend): string {
  if (backend === 'legacy') return `iptables-save v${IPTABLES_VERSION}`;
  const name = prog === 'iptables-nft-save' ? 'iptables-nft-save' : 'iptables-save';
  return `${name} v${IPTABLES_VERSION} (nf_tables)`;
}

/** One table of `iptables-save [-c]`. */
export function saveTable(table: Table, banner: string, epochSec: number, counters: boolean): string {
  const when = ctimeUtc(epochSec);
  let out = `# Generated by ${banner} on ${when}\n*${table.name}\n`;
  const chains = chainsInOrder(table);
  for (const c of chains) {
    const cnt = `[${c.policyCounters.pkts}:${c.policyCounters.bytes}]`;
    out += c.builtin ? `:${c.name} ${c.policy ?? 'ACCEPT'} ${cnt}\n` : `:${c.name} - [0:0]\n`;
  }
  for (const c of chains) {
    for (const r of c.rules) {
      out += counters ? `[${r.counters.pkts}:${r.counters.bytes}] ` : '';
      out += `-A ${c.name}${ruleSpecText(r)}\n`;
    }
  }
  out += `COMMIT\n# Completed on ${when}\n`;
  return out;
}

/** Tables in save order (FORMATS.md: filter, then nat). */
export function tablesForSave(rs: Ruleset): Table[] {
  const wanted = ['filter', 'nat', 'mangle', 'raw'] as const;
  return wanted.map((n) => rs.tables.get(n)).filter((t): t is Table => t !== undefined && t.instantiated);
}
