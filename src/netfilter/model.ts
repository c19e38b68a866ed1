/**
 * The netfilter data model: tables, chains, rules, matches, targets, counters, and the packet-time
 * evaluation of one rule. Owned by the NETFILTER-RULES side (text: parse, save, list); read by the
 * NETFILTER-ENGINE side (hooks, conntrack, NAT), which walks the chains and acts on the targets.
 *
 * How the engine uses it
 * ----------------------
 *  - A host has one `IptablesState` (`createIptablesState()`); `runIptablesCommand(state, argv,
 *    stdin)` (src/netfilter/rules/commands.ts) changes it. It holds two rule sets, as a real kernel
 *    does: `state.nft` (what `iptables` = iptables-nft edits) and `state.legacy` (`iptables-legacy`).
 *    Both are hooked in a real kernel; in the lab only one of them ever holds rules. Traverse
 *    `state.legacy` first, then `state.nft` (`rulesetsInOrder(state)`), skipping empty tables.
 *  - `ruleset.tables.get('nat' | 'filter')` -> `Table`; `table.chains.get('PREROUTING')` -> `Chain`.
 *    Built-in chains of a table come first in `chains` (Map keeps insertion order), in Linux's order.
 *    Skip a table whose `instantiated` is false: it is not in the kernel yet (no module loaded /
 *    nft table not created), so it neither sees packets nor counts policies.
 *  - Per rule: `evaluateRule(rule, pkt, rng)` says whether every part of the rule matches. It moves
 *    the statistic nth counter / draws the random number only when the packet reaches that match
 *    (parts are tested in iptables order: -s, -d, -i, -o, -p, then matches in the order given, and
 *    the first failing part stops the evaluation), exactly as xt_statistic.c does. It does NOT touch
 *    the rule's counters: on a match call `countRule(rule, pkt.ipTotalLen)`, then act on
 *    `rule.target` (null target = count only, go on with the next rule).
 *  - A packet that falls off the end of a built-in chain: `countPolicy(ruleset, chain, bytes)` (it
 *    respects the nft rule that policy counters only move once a chain was set with -P or
 *    restore -c), then apply `chain.policy`. Falling off a user chain = RETURN.
 *  - Targets are plain data (`Target` union below): ACCEPT, DROP, RETURN, REJECT (icmp type/code or
 *    TCP RST from `REJECT_TYPES`), JUMP (user chain, `goto` for -g), DNAT/SNAT (`NatRange`),
 *    MASQUERADE/REDIRECT (optional port range), LOG (prefix/level/flags).
 *  - Text of a rule for packet comments: `matchesListText(rule)` (rules/index.ts) gives the match
 *    column exactly as `iptables -vnL` prints it; `ruleListLine`/`ruleSpecText` the whole line.
 *  - `PacketInfo` is filled by the engine per packet per hook (see the field comments).
 *  - `rng` only needs `u32()` (uniform 32-bit unsigned); pass the host's `<host>/netfilter` stream.
 *
 * Stability: the exported names and fields here are a contract with the engine. Additions are
 * marked "added:" below; nothing is renamed or removed without a note here.
 * Changes since the first commit (77fce5d):
 *  - added `MultiportMatch.protoName`;
 *  - `newTable()` now starts with `instantiated: false` for legacy too (see newTable);
 *  - targets/LOG.ts no longer has `logText` (the engine's notes.ts logLine is the LOG line);
 *    use `matchesListText` from rules/index.ts for a rule's match text.
 */

import { evaluateIcmp } from './matches/icmp.ts';
import { evaluateMultiport } from './matches/multiport.ts';
import { evaluateStatistic } from './matches/statistic.ts';
import { evaluateConntrack } from './matches/conntrack.ts';
import { evaluateState } from './matches/state.ts';
import { evaluateTcpUdp } from './matches/tcp.ts';

export type Backend = 'nft' | 'legacy';
export type TableName = 'filter' | 'nat' | 'mangle' | 'raw';
export type HookChainName = 'PREROUTING' | 'INPUT' | 'FORWARD' | 'OUTPUT' | 'POSTROUTING';

/** Built-in chains per table in the order iptables lists them. */
export const BUILTIN_CHAINS: Readonly<Record<TableName, readonly HookChainName[]>> = {
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  raw: ['PREROUTING', 'OUTPUT'],
};

export interface Counters {
  pkts: number;
  bytes: number;
}

// ---------------------------------------------------------------------------------------------
// Packet-time view

/** Conntrack state of the packet as `-m conntrack --ctstate` / `-m state --state` see it. */
export type CtState = 'INVALID' | 'NEW' | 'ESTABLISHED' | 'RELATED' | 'UNTRACKED';

/** What the engine fills per packet before walking a chain. Addresses are unsigned 32-bit. */
export interface PacketInfo {
  src: number;
  dst: number;
  /** IP protocol number (6 tcp, 17 udp, 1 icmp). */
  protocol: number;
  /** TCP/UDP ports; 0 for other protocols. */
  sport: number;
  dport: number;
  /** TCP flags byte (FIN=0x01 SYN=0x02 RST=0x04 PSH=0x08 ACK=0x10 URG=0x20); 0 if not TCP. */
  tcpFlags: number;
  /** ICMP type and code; -1 if not ICMP. */
  icmpType: number;
  icmpCode: number;
  /** true for a non-first fragment (fragment offset != 0): tcp/udp/icmp matches never match it. */
  fragment: boolean;
  /** Interface names; null where the hook has none (no in at OUTPUT/POSTROUTING, no out at PREROUTING/INPUT). */
  inIface: string | null;
  outIface: string | null;
  /** IP total length: the bytes that counters add. */
  ipTotalLen: number;
  ctstate: CtState;
  /** Connection has a source / destination NAT binding (--ctstate SNAT / DNAT). */
  ctSnat: boolean;
  ctDnat: boolean;
}

/** The random source the statistic match uses: the sim's Rng satisfies it. */
export interface RuleRng {
  u32(): number;
}

// ---------------------------------------------------------------------------------------------
// Rules

/** `-s`/`-d`: address and mask (mask 0 with addr 0 = anywhere), `!` inversion. */
export interface AddrSpec {
  addr: number;
  mask: number;
  invert: boolean;
}

/** `-i`/`-o`: a name, a trailing `+` is a prefix wildcard (`eth+`). */
export interface IfaceSpec {
  name: string;
  invert: boolean;
}

/** `-p`: protocol number (0 = all), `!` inversion. */
export interface ProtoSpec {
  num: number;
  invert: boolean;
}

export interface PortRange {
  min: number;
  max: number;
}

/** `-m tcp` / `-m udp` (also implicit from `-p tcp --dport 80`). */
export interface TcpUdpMatch {
  kind: 'tcp' | 'udp';
  sport: PortRange | null;
  sportInvert: boolean;
  dport: PortRange | null;
  dportInvert: boolean;
  /** `--tcp-flags MASK COMP` / `--syn` (tcp only); null when absent. */
  tcpFlags: { mask: number; comp: number; invert: boolean } | null;
}

/** `-m icmp --icmp-type`; type 255 = any. */
export interface IcmpMatch {
  kind: 'icmp';
  type: number;
  codeMin: number;
  codeMax: number;
  invert: boolean;
}

/** `-m multiport --sports/--dports/--ports`, ranges allowed (`80:90`). */
export interface MultiportMatch {
  kind: 'multiport';
  dir: 'sports' | 'dports' | 'ports';
  ports: PortRange[];
  invert: boolean;
  /** added: the rule's protocol name (tcp, udp...), for port names in listings. */
  protoName: string;
}

/**
 * `-m statistic`. nth: the kernel keeps `every` = N-1 and a counter that starts at (N-1)-P;
 * each evaluation moves it (wrapping after `every`) and the packet matches when it wraps to 0.
 * `nthCount` is the live counter (runtime state); `nthStart` is its start value, to which
 * iptables-legacy resets it on any change of the table.
 * random: `threshold` = lround(p * 2^31); matches iff (u32 & 0x7fffffff) < threshold.
 */
export interface StatisticMatch {
  kind: 'statistic';
  mode: 'nth' | 'random';
  invert: boolean;
  /** nth: N-1 (iptables' `every` field). */
  every: number;
  /** nth: P (`--packet`, 0 when absent). */
  packet: number;
  nthStart: number;
  nthCount: number;
  /** random: lround(p * 2^31). */
  threshold: number;
  /** nth given without --packet (the lab's Netkit-era spelling, accepted with a warning). */
  packetDefaulted: boolean;
}

/** State bits as xt_conntrack / xt_state use them. */
export const CT_STATE_BIT: Readonly<Record<CtState | 'SNAT' | 'DNAT', number>> = {
  INVALID: 1 << 0,
  ESTABLISHED: 1 << 1,
  RELATED: 1 << 2,
  NEW: 1 << 3,
  SNAT: 1 << 6,
  DNAT: 1 << 7,
  UNTRACKED: 1 << 8,
};

/** `-m conntrack --ctstate LIST` (bits of CT_STATE_BIT). */
export interface ConntrackMatch {
  kind: 'conntrack';
  states: number;
  invert: boolean;
}

/** `-m state --state LIST` (bits of CT_STATE_BIT; SNAT/DNAT not allowed). */
export interface StateMatch {
  kind: 'state';
  states: number;
  invert: boolean;
}

export type Match = TcpUdpMatch | IcmpMatch | MultiportMatch | StatisticMatch | ConntrackMatch | StateMatch;

/** nf_nat_range: an address range (when mapIps) and a port range (when protoSpecified). */
export interface NatRange {
  mapIps: boolean;
  minIp: number;
  maxIp: number;
  protoSpecified: boolean;
  minPort: number;
  maxPort: number;
}

export type RejectWith =
  | 'icmp-net-unreachable'
  | 'icmp-host-unreachable'
  | 'icmp-port-unreachable'
  | 'icmp-proto-unreachable'
  | 'icmp-net-prohibited'
  | 'icmp-host-prohibited'
  | 'icmp-admin-prohibited'
  | 'tcp-reset';

/** ICMP type/code REJECT sends, or 'tcp-reset' (net/ipv4/netfilter/ipt_REJECT.c). */
export const REJECT_TYPES: Readonly<Record<RejectWith, { icmpType: number; icmpCode: number } | 'tcp-reset'>> = {
  'icmp-net-unreachable': { icmpType: 3, icmpCode: 0 },
  'icmp-host-unreachable': { icmpType: 3, icmpCode: 1 },
  'icmp-proto-unreachable': { icmpType: 3, icmpCode: 2 },
  'icmp-port-unreachable': { icmpType: 3, icmpCode: 3 },
  'icmp-net-prohibited': { icmpType: 3, icmpCode: 9 },
  'icmp-host-prohibited': { icmpType: 3, icmpCode: 10 },
  'icmp-admin-prohibited': { icmpType: 3, icmpCode: 13 },
  'tcp-reset': 'tcp-reset',
};

export type Target =
  | { kind: 'ACCEPT' }
  | { kind: 'DROP' }
  | { kind: 'RETURN' }
  | { kind: 'REJECT'; rejectWith: RejectWith }
  /** Jump to a user chain; goto (-g) does not come back to this chain on RETURN. */
  | { kind: 'JUMP'; chain: string; goto: boolean }
  | { kind: 'DNAT'; range: NatRange; random: boolean; persistent: boolean }
  | { kind: 'SNAT'; range: NatRange; random: boolean; randomFully: boolean; persistent: boolean }
  /** ports: `--to-ports` range or null. */
  | { kind: 'MASQUERADE'; ports: PortRange | null; random: boolean; randomFully: boolean }
  | { kind: 'REDIRECT'; ports: PortRange | null; random: boolean }
  /** level 0..7 (default 4 = warn); flags = LOG's --log-tcp-sequence (1) etc. bit set. */
  | { kind: 'LOG'; prefix: string | null; level: number; flags: number };

export interface Rule {
  src: AddrSpec | null;
  dst: AddrSpec | null;
  inIface: IfaceSpec | null;
  outIface: IfaceSpec | null;
  protocol: ProtoSpec | null;
  /** -f / ! -f (fragment match): null when absent. */
  fragment: { invert: boolean } | null;
  matches: Match[];
  /** null: no -j/-g, the rule only counts. */
  target: Target | null;
  counters: Counters;
}

export type Policy = 'ACCEPT' | 'DROP';

export interface Chain {
  name: string;
  builtin: boolean;
  /** Built-in chains only; null for user chains. */
  policy: Policy | null;
  policyCounters: Counters;
  /**
   * nft: a base chain only has policy counters after -P or restore -c set it (FORMATS.md §2.5.3);
   * legacy: always true.
   */
  policyCounting: boolean;
  /** nft: a built-in chain exists in the kernel only after something needed it (§2.5.4). */
  instantiated: boolean;
  rules: Rule[];
}

export interface Table {
  name: TableName;
  /** Built-in chains first (BUILTIN_CHAINS order), then user chains in creation order. */
  chains: Map<string, Chain>;
  /** nft: the table exists in the kernel (lazily created by the first command that needs it). */
  instantiated: boolean;
}

export interface Ruleset {
  backend: Backend;
  tables: Map<TableName, Table>;
}

export interface IptablesState {
  nft: Ruleset;
  legacy: Ruleset;
  /** Virtual time in seconds since the epoch for the save banners (`# Generated by ... on ...`). */
  clockEpochSec: () => number;
}

export function newChain(name: string, builtin: boolean, backend: Backend): Chain {
  return {
    name,
    builtin,
    policy: builtin ? 'ACCEPT' : null,
    policyCounters: { pkts: 0, bytes: 0 },
    policyCounting: backend === 'legacy',
    instantiated: backend === 'legacy',
    rules: [],
  };
}

/**
 * A table starts absent from the kernel for both back ends: legacy loads it (iptable_nat...) on
 * the first iptables-legacy command that names it, nft creates it on the first command that adds
 * something. Only an instantiated table hooks packets (and counts policies).
 */
export function newTable(name: TableName, _backend: Backend): Table {
  const chains = new Map<string, Chain>();
  for (const c of BUILTIN_CHAINS[name]) chains.set(c, newChain(c, true, _backend));
  return { name, chains, instantiated: false };
}

export function newRuleset(backend: Backend): Ruleset {
  const tables = new Map<TableName, Table>();
  for (const t of ['filter', 'nat', 'mangle', 'raw'] as const) tables.set(t, newTable(t, backend));
  return { backend, tables };
}

export function createIptablesState(clockEpochSec: () => number = () => 0): IptablesState {
  return { nft: newRuleset('nft'), legacy: newRuleset('legacy'), clockEpochSec };
}

/** Rule sets in the order the engine traverses them at a hook. */
export function rulesetsInOrder(state: IptablesState): readonly Ruleset[] {
  return [state.legacy, state.nft];
}

/** True when any chain of the table holds a rule (an empty table accepts everything). */
export function tableHasRules(table: Table): boolean {
  for (const c of table.chains.values()) if (c.rules.length > 0) return true;
  return false;
}

export function newRule(): Rule {
  return {
    src: null,
    dst: null,
    inIface: null,
    outIface: null,
    protocol: null,
    fragment: null,
    matches: [],
    target: null,
    counters: { pkts: 0, bytes: 0 },
  };
}

// ---------------------------------------------------------------------------------------------
// Evaluation

function addrMatches(spec: AddrSpec, addr: number): boolean {
  return (((addr & spec.mask) >>> 0) === ((spec.addr & spec.mask) >>> 0)) !== spec.invert;
}

/** ip_tables.c ifname_compare: exact, or prefix when the rule's name ends in '+'. */
export function ifaceMatches(spec: IfaceSpec, iface: string | null): boolean {
  const name = iface ?? '';
  let hit: boolean;
  if (spec.name.endsWith('+')) hit = name.startsWith(spec.name.slice(0, -1));
  else hit = name === spec.name;
  return hit !== spec.invert;
}

export function matchMatches(m: Match, pkt: PacketInfo, rng: RuleRng): boolean {
  switch (m.kind) {
    case 'tcp':
    case 'udp':
      return evaluateTcpUdp(m, pkt);
    case 'icmp':
      return evaluateIcmp(m, pkt);
    case 'multiport':
      return evaluateMultiport(m, pkt);
    case 'statistic':
      return evaluateStatistic(m, rng);
    case 'conntrack':
      return evaluateConntrack(m, pkt);
    case 'state':
      return evaluateState(m, pkt);
  }
}

/**
 * Does the packet match every part of the rule? Parts in ip_tables.c's order (ip_packet_match:
 * addresses, interfaces, protocol, fragment; then the matches in order). Stops at the first
 * failing part, so later statistic matches do not move. Rule counters are not touched.
 */
export function evaluateRule(rule: Rule, pkt: PacketInfo, rng: RuleRng): boolean {
  if (rule.src && !addrMatches(rule.src, pkt.src)) return false;
  if (rule.dst && !addrMatches(rule.dst, pkt.dst)) return false;
  if (rule.inIface && !ifaceMatches(rule.inIface, pkt.inIface)) return false;
  if (rule.outIface && !ifaceMatches(rule.outIface, pkt.outIface)) return false;
  if (rule.protocol && rule.protocol.num !== 0 && (pkt.protocol === rule.protocol.num) === rule.protocol.invert) return false;
  if (rule.protocol && rule.protocol.num === 0 && rule.protocol.invert) return false;
  if (rule.fragment && pkt.fragment === rule.fragment.invert) return false;
  for (const m of rule.matches) if (!matchMatches(m, pkt, rng)) return false;
  return true;
}

export function countRule(rule: Rule, bytes: number): void {
  rule.counters.pkts += 1;
  rule.counters.bytes += bytes;
}

/** A packet fell off a built-in chain: count it if this back end counts policies for it. */
export function countPolicy(_ruleset: Ruleset, chain: Chain, bytes: number): void {
  if (!chain.policyCounting) return;
  chain.policyCounters.pkts += 1;
  chain.policyCounters.bytes += bytes;
}

/** iptables-legacy replaces the whole table on every change: nth counters go back to their start. */
export function resetNthCounters(table: Table): void {
  for (const c of table.chains.values())
    for (const r of c.rules)
      for (const m of r.matches) if (m.kind === 'statistic' && m.mode === 'nth') m.nthCount = m.nthStart;
}
