// One host's netfilter: the hooks the stack calls, in Linux's order, and the commands that act on
// it (iptables*, conntrack).
//
// At each hook the tables run in their kernel priority order (include/uapi/linux/netfilter_ipv4.h):
//   PREROUTING   raw (-300), conntrack (-200), mangle (-150), nat DNAT (-100)
//   INPUT        mangle (-150), filter (0), nat SNAT (100), conntrack confirm (last)
//   FORWARD      mangle (-150), filter (0)
//   OUTPUT       raw (-300), conntrack (-200), mangle (-150), nat DNAT (-100), filter (0)
//   POSTROUTING  mangle (-150), nat SNAT (100), conntrack confirm (last)
// The nat table is consulted only for a connection's first packet (NEW and not yet bound for this
// manip type); every other packet is translated from its conntrack entry.
//
// A packet's conntrack entry travels with it from the first hook (PREROUTING or OUTPUT) to the
// last (INPUT or POSTROUTING) in a PacketContext the stack hands to every hook of the trip, as the
// kernel's skb carries _nfct: conntrack fills it at the first hook, later hooks read it, and the
// stack may copy the bytes between hooks without losing it. A packet that already carries an entry
// at its first hook (looped back, or an ICMP error the host attached to the packet it is about,
// nf_ct_attach) is not looked up again (nf_conntrack_in: "previously seen").

import { Ipv4Field, ipv4ToString, pseudoHeaderSum, readIpv4, readU16, sum16, verifySum } from '../wire/index.ts';
import type { Rng } from '../sim/index.ts';
import {
  createIptablesState,
  countPolicy,
  countRule,
  evaluateRule,
  REJECT_TYPES,
  rulesetsInOrder,
  type Chain,
  type CtState,
  type IptablesState,
  type PacketInfo,
  type Rule,
  type Ruleset,
  type Table,
  type TableName,
  type Target,
} from './model.ts';
import { Conn, ConntrackTable, conntrackIn, ctStateOf, type CtInfo, type CtResult } from './conntrack/conntrack.ts';
import { PacketFacts } from './conntrack/packet.ts';
import { runConntrackCommand } from './conntrack/listing.ts';
import {
  DIR_ORIGINAL,
  DIR_REPLY,
  IPPROTO_ICMP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  formatEndpoint,
  icmpIsError,
  invertTuple,
  type Dir,
  type Tuple,
} from './conntrack/tuple.ts';
import { nullBinding, setupNat, type ManipType, type NatRequest } from './nat/binding.ts';
import { invertTarget, manipPacket, translateIcmpError } from './nat/manip.ts';
import { logLine, natRuleNote } from './notes.ts';
import { runIptablesCommand } from './rules/index.ts';

export type HookName = 'PREROUTING' | 'INPUT' | 'FORWARD' | 'OUTPUT' | 'POSTROUTING';

/** What netfilter may ask of its host (it never calls back into the stack otherwise). */
export interface HostEnv {
  hostName: string;
  /** Virtual time, ns. */
  now(): number;
  /** MASQUERADE's source: the interface's primary address (on the subnet of `towards` if it has one there). */
  ifaceAddress(iface: string, towards: number): number | undefined;
  /** Wall-clock epoch of virtual time 0, for iptables-save banners (default 1319625000). */
  startEpochSec?: number;
}

export type Verdict =
  | { kind: 'ACCEPT' }
  | { kind: 'DROP' }
  | { kind: 'REJECT'; icmpType: number; icmpCode: number }
  | { kind: 'REJECT_TCP_RST' };

export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

const ACCEPT: Verdict = { kind: 'ACCEPT' };
const DROP: Verdict = { kind: 'DROP' };
const DEFAULT_START_EPOCH_SEC = 1319625000;
const LOOPBACK = 0x7f000001;

/**
 * What travels with one packet through the hooks of its trip through a host, as the kernel's skb
 * carries `_nfct`. The stack creates (or reuses) one when a packet starts its trip (reception,
 * local output), with `ct` null, and hands the same object to every hook of that trip, across any
 * copy of the bytes. `ct` belongs to netfilter: the stack never reads it, it only passes it on.
 */
export interface PacketContext {
  ct: unknown;
}

/** The conntrack side of one packet between hooks (skb->_nfct: the entry and the ctinfo). */
interface PacketCt {
  conn: Conn | null;
  dir: Dir;
  info: CtInfo;
}

/** No conntrack entry (before conntrack ran, or conntrack not loaded): xt_conntrack calls that INVALID. */
const NO_CT: PacketCt = { conn: null, dir: DIR_ORIGINAL, info: 'INVALID' };

export class Netfilter {
  readonly iptables: IptablesState;
  readonly conntrack: ConntrackTable;
  /** Conntrack (and NAT) run once a rule needs them, as on Linux where the modules load on first use. */
  private conntrackActive = false;
  private readonly facts = new PacketFacts();
  private readonly info: PacketInfo = {
    src: 0,
    dst: 0,
    protocol: 0,
    sport: 0,
    dport: 0,
    tcpFlags: 0,
    icmpType: -1,
    icmpCode: -1,
    fragment: false,
    inIface: null,
    outIface: null,
    ipTotalLen: 0,
    ctstate: 'INVALID',
    ctSnat: false,
    ctDnat: false,
  };

  constructor(
    private readonly env: HostEnv,
    private readonly rng: Rng,
  ) {
    const epoch = env.startEpochSec ?? DEFAULT_START_EPOCH_SEC;
    this.iptables = createIptablesState(() => epoch + Math.floor(env.now() / 1e9));
    // The bucket hash key, like the kernel's boot-time nf_conntrack_hash_rnd.
    this.conntrack = new ConntrackTable(() => env.now(), rng.u32());
  }

  /** True once conntrack runs on this host. */
  get tracking(): boolean {
    return this.conntrackActive || this.refreshConntrackActive();
  }

  /**
   * One hook of a packet's trip. `ctx` is the packet's context, the same object at every hook of
   * the trip (see PacketContext); conntrack stores the packet's entry there at PREROUTING/OUTPUT.
   */
  hook(hook: HookName, pkt: Uint8Array, inIface: string | null, outIface: string | null, notes: string[], ctx: PacketContext): Verdict {
    const f = this.facts.read(pkt);
    if (!f.ok) return ACCEPT;
    let v: Verdict;
    switch (hook) {
      case 'PREROUTING':
      case 'OUTPUT': {
        // An entry from an earlier trip (looped back) or attached (an ICMP error); an INVALID or
        // untracked packet carries none (no nfct) and is looked up again.
        const prior = ctx.ct as PacketCt | null;
        const carried = prior !== null && prior.conn !== null ? prior : null;
        v = this.walkTables('raw', hook, pkt, inIface, outIface, carried ?? NO_CT, notes);
        if (v.kind !== 'ACCEPT') return v;
        let ct = carried;
        if (ct === null) {
          // nf_conntrack_in. PREROUTING verifies transport checksums (nf_conntrack_checksum=1).
          ct = this.tracking ? this.track(pkt, hook === 'PREROUTING') : NO_CT;
          ctx.ct = ct;
        }
        v = this.walkTables('mangle', hook, pkt, inIface, outIface, ct, notes);
        if (v.kind !== 'ACCEPT') return v;
        if (hook === 'PREROUTING') return this.nat(hook, 'DST', pkt, inIface, outIface, ct, notes);
        v = this.nat(hook, 'DST', pkt, inIface, outIface, ct, notes);
        if (v.kind !== 'ACCEPT') return v;
        return this.walkTables('filter', hook, pkt, inIface, outIface, ct, notes);
      }
      case 'FORWARD': {
        const ct = (ctx.ct as PacketCt | null) ?? NO_CT;
        v = this.walkTables('mangle', hook, pkt, inIface, outIface, ct, notes);
        if (v.kind !== 'ACCEPT') return v;
        return this.walkTables('filter', hook, pkt, inIface, outIface, ct, notes);
      }
      case 'INPUT':
      case 'POSTROUTING': {
        const ct = (ctx.ct as PacketCt | null) ?? NO_CT;
        v = this.walkTables('mangle', hook, pkt, inIface, outIface, ct, notes);
        if (v.kind !== 'ACCEPT') return v;
        if (hook === 'INPUT') {
          v = this.walkTables('filter', hook, pkt, inIface, outIface, ct, notes);
          if (v.kind !== 'ACCEPT') return v;
        }
        v = this.nat(hook, 'SRC', pkt, inIface, outIface, ct, notes);
        if (v.kind !== 'ACCEPT') return v;
        // __nf_conntrack_confirm: the entry joins the table once its first packet made it through.
        if (ct.conn && !ct.conn.confirmed && ct.info !== 'RELATED' && ct.info !== 'RELATED_REPLY') {
          if (!this.conntrack.confirm(ct.conn)) return DROP;
        }
        return ACCEPT;
      }
    }
  }

  /** Runs a command line: iptables*, conntrack. argv[0] is the program. */
  exec(argv: string[], stdin?: string): ExecResult {
    const prog = argv[0] ?? '';
    const base = prog.slice(prog.lastIndexOf('/') + 1);
    if (base === 'conntrack') {
      return runConntrackCommand(this.conntrack, argv, this.env.now());
    }
    if (base.startsWith('iptables')) {
      const r = runIptablesCommand(this.iptables, [base, ...argv.slice(1)], stdin);
      this.refreshConntrackActive();
      return r;
    }
    return { stdout: '', stderr: `${base}: command not found\n`, exitCode: 127 };
  }

  // -------------------------------------------------------------------------------------------
  // conntrack

  /**
   * nf_ct_attach: an ICMP error this host sends about a packet (`skb`) carries that packet's entry,
   * as RELATED in the other direction (nf_conntrack_attach), so it is translated like the
   * connection even when the quoted packet is only half translated (destination rewritten at
   * PREROUTING, source not yet at POSTROUTING) or its entry was never confirmed (a REJECTed first
   * packet). Does nothing for a packet without an entry.
   */
  attach(nskb: PacketContext, skb: PacketContext): void {
    const ct = skb.ct as PacketCt | null;
    if (ct === null || ct.conn === null) return;
    const reply = ct.dir === DIR_ORIGINAL;
    nskb.ct = { conn: ct.conn, dir: reply ? DIR_REPLY : DIR_ORIGINAL, info: reply ? 'RELATED_REPLY' : 'RELATED' } satisfies PacketCt;
  }

  /** nf_conntrack_in for a packet without an entry yet. */
  private track(pkt: Uint8Array, verifyChecksum: boolean): PacketCt {
    const f = this.facts;
    const now = this.env.now();
    if (f.protocol === IPPROTO_ICMP && f.l4Ok && icmpIsError(f.icmpType)) {
      if (verifyChecksum && !verifySum(pkt, f.l4Off, f.l4Len)) return { conn: null, dir: DIR_ORIGINAL, info: 'INVALID' };
      return this.trackIcmpError(pkt);
    }
    const ok = !verifyChecksum || transportChecksumOk(pkt, f.src, f.dst, f.protocol, f.l4Off, f.l4Len, f.fragment);
    const r: CtResult = conntrackIn(this.conntrack, f, ok, now);
    return { conn: r.conn, dir: r.dir, info: r.info };
  }

  /** nf_conntrack_inet_error: an ICMP error is RELATED to the connection of the packet it quotes. */
  private trackIcmpError(pkt: Uint8Array): PacketCt {
    const f = this.facts;
    const invalid: PacketCt = { conn: null, dir: DIR_ORIGINAL, info: 'INVALID' };
    const inner = quotedTuple(pkt, f.l4Off + 8, f.totalLen);
    if (!inner) return invalid;
    const lookFor = invertTuple(inner);
    const slot = lookFor ? this.conntrack.find(lookFor) : undefined;
    if (!slot) return invalid;
    // The error must be addressed where that direction's packets go.
    if (slot.conn.tuples[slot.dir].dst !== f.dst) return invalid;
    return { conn: slot.conn, dir: slot.dir, info: slot.dir === DIR_REPLY ? 'RELATED_REPLY' : 'RELATED' };
  }

  private refreshConntrackActive(): boolean {
    if (this.conntrackActive) return true;
    for (const rs of rulesetsInOrder(this.iptables)) {
      for (const t of rs.tables.values()) {
        // Registering the nat table (iptable_nat, or an nft nat base chain) loads conntrack.
        if (t.name === 'nat' && natChainsInstantiated(t)) {
          this.conntrackActive = true;
          return true;
        }
        for (const c of t.chains.values())
          for (const r of c.rules)
            for (const m of r.matches)
              if (m.kind === 'conntrack' || m.kind === 'state') {
                this.conntrackActive = true;
                return true;
              }
      }
    }
    return false;
  }

  // -------------------------------------------------------------------------------------------
  // NAT (nf_nat_inet_fn)

  private nat(
    hook: HookName,
    manip: ManipType,
    pkt: Uint8Array,
    inIface: string | null,
    outIface: string | null,
    ct: PacketCt,
    notes: string[],
  ): Verdict {
    const conn = ct.conn;
    if (!conn) return ACCEPT;
    if (ct.info === 'RELATED' || ct.info === 'RELATED_REPLY') {
      if (this.facts.protocol === IPPROTO_ICMP) this.translateRelated(hook, manip, pkt, conn, ct, notes);
      return ACCEPT;
    }
    const done = manip === 'SRC' ? conn.srcNatDone : conn.dstNatDone;
    if (ct.info === 'NEW' && !done) {
      const v = this.walkNat(hook, manip, pkt, inIface, outIface, ct, notes);
      if (v.kind !== 'ACCEPT') return v;
      if (!(manip === 'SRC' ? conn.srcNatDone : conn.dstNatDone)) {
        const before = this.endpoint(manip);
        if (nullBinding(this.conntrack, conn, manip, this.rng) && this.applyBinding(pkt, conn, ct.dir, manip)) {
          notes.push(`${this.env.hostName} ${hook} null binding ${before} -> ${this.endpointAfter(pkt, manip)} [${ctStateOf(ct.info)}]`);
        }
      }
      return ACCEPT;
    }
    const before = this.endpoint(manip);
    if (this.applyBinding(pkt, conn, ct.dir, manip)) {
      const dirName = ct.dir === DIR_REPLY ? 'reply' : 'original';
      notes.push(
        `${this.env.hostName} conntrack ${ctStateOf(ct.info)} ${dirName}: ${before} -> ${this.endpointAfter(pkt, manip)} (${natLabel(conn, ct.dir, manip)})`,
      );
    }
    return ACCEPT;
  }

  /** nf_nat_packet: rewrite when the connection's status says this manip applies. Returns true if it did. */
  private applyBinding(pkt: Uint8Array, conn: Conn, dir: Dir, manip: ManipType): boolean {
    // IPS_SRC_NAT / IPS_DST_NAT, swapped for the reply direction.
    const needed = (manip === 'SRC') !== (dir === DIR_REPLY) ? conn.srcNat : conn.dstNat;
    if (!needed) return false;
    const other = conn.tuples[dir === DIR_ORIGINAL ? DIR_REPLY : DIR_ORIGINAL];
    manipPacket(pkt, 0, this.facts.totalLen, invertTarget(other), manip);
    return true;
  }

  private translateRelated(hook: HookName, manip: ManipType, pkt: Uint8Array, conn: Conn, ct: PacketCt, notes: string[]): void {
    const statusNat = (manip === 'SRC') !== (ct.dir === DIR_REPLY) ? conn.srcNat : conn.dstNat;
    if (!statusNat) return;
    const f = this.facts;
    const before = manip === 'SRC' ? ipv4ToString(f.src) : ipv4ToString(f.dst);
    const other = conn.tuples[ct.dir === DIR_ORIGINAL ? DIR_REPLY : DIR_ORIGINAL];
    translateIcmpError(pkt, f.l4Off, f.totalLen, other, manip);
    const after = ipv4ToString(readIpv4(pkt, manip === 'SRC' ? Ipv4Field.SRC : Ipv4Field.DST));
    const dirName = ct.dir === DIR_REPLY ? 'reply' : 'original';
    notes.push(
      `${this.env.hostName} conntrack RELATED ${dirName}: ICMP type ${f.icmpType} code ${f.icmpCode} ${before} -> ${after}, quoted packet translated (${natLabel(conn, ct.dir, manip)}) at ${hook}`,
    );
  }

  /** Walks the nat chain of this hook in each rule set until one binds the connection. */
  private walkNat(
    hook: HookName,
    manip: ManipType,
    pkt: Uint8Array,
    inIface: string | null,
    outIface: string | null,
    ct: PacketCt,
    notes: string[],
  ): Verdict {
    const conn = ct.conn!;
    for (const rs of rulesetsInOrder(this.iptables)) {
      const table = rs.tables.get('nat');
      if (!table || !tableInUse(table)) continue;
      this.fillInfo(inIface, outIface, ct);
      const v = this.walkChain(rs, table, hook, pkt, notes, (rule, target, chain, ruleNo) =>
        this.natTarget(rule, target, chain, ruleNo, hook, manip, pkt, inIface, outIface, ct, notes),
      );
      if (v.kind !== 'ACCEPT') return v;
      if (manip === 'SRC' ? conn.srcNatDone : conn.dstNatDone) break;
    }
    return ACCEPT;
  }

  /** A NAT target fired: make the binding (nf_nat_setup_info) and translate this first packet. */
  private natTarget(
    rule: Rule,
    target: Target,
    chain: Chain,
    ruleNo: number,
    hook: HookName,
    manip: ManipType,
    pkt: Uint8Array,
    inIface: string | null,
    outIface: string | null,
    ct: PacketCt,
    notes: string[],
  ): Verdict {
    const conn = ct.conn!;
    let req: NatRequest;
    let by: 'DNAT' | 'SNAT' | 'MASQUERADE' | 'REDIRECT';
    switch (target.kind) {
      case 'DNAT':
        if (manip !== 'DST') return ACCEPT;
        req = { range: target.range, random: target.random, persistent: target.persistent };
        by = 'DNAT';
        break;
      case 'SNAT':
        if (manip !== 'SRC') return ACCEPT;
        req = { range: target.range, random: target.random || target.randomFully, persistent: target.persistent };
        by = 'SNAT';
        break;
      case 'MASQUERADE': {
        if (manip !== 'SRC' || !outIface) return ACCEPT;
        // inet_select_addr on the out interface, towards the (possibly DNATed) destination.
        const addr = this.env.ifaceAddress(outIface, this.facts.dst);
        if (addr === undefined) return DROP;
        req = {
          range: {
            mapIps: true,
            minIp: addr,
            maxIp: addr,
            protoSpecified: target.ports !== null,
            minPort: target.ports?.min ?? 0,
            maxPort: target.ports?.max ?? 0,
          },
          random: target.random || target.randomFully,
          persistent: false,
        };
        by = 'MASQUERADE';
        break;
      }
      case 'REDIRECT': {
        if (manip !== 'DST') return ACCEPT;
        // PREROUTING: the primary address of the interface it came in on; OUTPUT: loopback.
        const addr = hook === 'OUTPUT' ? LOOPBACK : inIface ? this.env.ifaceAddress(inIface, this.facts.src) : undefined;
        if (addr === undefined) return DROP;
        req = {
          range: {
            mapIps: true,
            minIp: addr,
            maxIp: addr,
            protoSpecified: target.ports !== null,
            minPort: target.ports?.min ?? 0,
            maxPort: target.ports?.max ?? 0,
          },
          random: target.random,
          persistent: false,
        };
        by = 'REDIRECT';
        break;
      }
      default:
        return ACCEPT;
    }
    const before = this.endpoint(manip);
    setupNat(this.conntrack, conn, req, manip, this.rng);
    if (manip === 'SRC') conn.srcNatBy = by === 'MASQUERADE' ? 'MASQUERADE' : 'SNAT';
    else conn.dstNatBy = by === 'REDIRECT' ? 'REDIRECT' : 'DNAT';
    if (this.applyBinding(pkt, conn, ct.dir, manip)) {
      notes.push(natRuleNote(this.env.hostName, chain.name, ruleNo, rule, by, before, this.endpointAfter(pkt, manip), ctStateOf(ct.info)));
    }
    return ACCEPT;
  }

  private endpoint(manip: ManipType): string {
    const f = this.facts;
    return manip === 'SRC' ? formatEndpoint(f.src, f.srcPort, f.protocol) : formatEndpoint(f.dst, f.dstPort, f.protocol);
  }

  /** The rewritten endpoint, read back from the packet. */
  private endpointAfter(pkt: Uint8Array, manip: ManipType): string {
    const f = this.facts;
    const addr = readIpv4(pkt, manip === 'SRC' ? Ipv4Field.SRC : Ipv4Field.DST);
    const hasPort = (f.protocol === IPPROTO_TCP || f.protocol === IPPROTO_UDP) && f.l4Ok;
    const port = hasPort ? readU16(pkt, f.l4Off + (manip === 'SRC' ? 0 : 2)) : 0;
    return formatEndpoint(addr, port, hasPort ? f.protocol : 0);
  }

  // -------------------------------------------------------------------------------------------
  // Tables and chains (ipt_do_table)

  private walkTables(
    name: TableName,
    hook: HookName,
    pkt: Uint8Array,
    inIface: string | null,
    outIface: string | null,
    ct: PacketCt,
    notes: string[],
  ): Verdict {
    let filled = false;
    for (const rs of rulesetsInOrder(this.iptables)) {
      const table = rs.tables.get(name);
      if (!table || !tableInUse(table) || !table.chains.has(hook)) continue;
      if (!filled) {
        // After NAT at an earlier hook the bytes changed: read them again.
        this.facts.read(pkt);
        this.fillInfo(inIface, outIface, ct);
        filled = true;
      }
      const v = this.walkChain(rs, table, hook, pkt, notes, null);
      if (v.kind !== 'ACCEPT') return v;
    }
    return ACCEPT;
  }

  private fillInfo(inIface: string | null, outIface: string | null, ct: PacketCt): void {
    const f = this.facts;
    const i = this.info;
    i.src = f.src;
    i.dst = f.dst;
    i.protocol = f.protocol;
    i.sport = f.srcPort;
    i.dport = f.dstPort;
    i.tcpFlags = f.tcpFlags;
    i.icmpType = f.icmpType;
    i.icmpCode = f.icmpCode;
    i.fragment = f.fragment;
    i.inIface = inIface;
    i.outIface = outIface;
    i.ipTotalLen = f.totalLen;
    i.ctstate = ctStateOf(ct.info) as CtState;
    i.ctSnat = ct.conn?.srcNat ?? false;
    i.ctDnat = ct.conn?.dstNat ?? false;
  }

  /**
   * Runs one built-in chain of a table with jumps, gotos and RETURN; a packet that falls off a
   * built-in chain (or RETURNs from it) meets its policy, whose counters the back end may move.
   * `onNat` handles NAT targets (nat table only).
   */
  private walkChain(
    rs: Ruleset,
    table: Table,
    hook: HookName,
    pkt: Uint8Array,
    notes: string[],
    onNat: ((rule: Rule, target: Target, chain: Chain, ruleNo: number) => Verdict) | null,
  ): Verdict {
    const start = table.chains.get(hook);
    if (!start) return ACCEPT;
    const info = this.info;
    const bytes = info.ipTotalLen;
    const stack: { chain: Chain; next: number }[] = [];
    let chain = start;
    let i = 0;
    for (;;) {
      if (i >= chain.rules.length) {
        const back = chain.builtin ? undefined : stack.pop();
        if (!back) return this.policy(rs, start, bytes);
        chain = back.chain;
        i = back.next;
        continue;
      }
      const rule = chain.rules[i]!;
      i++;
      if (!evaluateRule(rule, info, this.rng)) continue;
      countRule(rule, bytes);
      const t = rule.target;
      if (!t) continue;
      switch (t.kind) {
        case 'ACCEPT':
          return ACCEPT;
        case 'DROP':
          return DROP;
        case 'REJECT': {
          const how = REJECT_TYPES[t.rejectWith];
          return how === 'tcp-reset' ? { kind: 'REJECT_TCP_RST' } : { kind: 'REJECT', icmpType: how.icmpType, icmpCode: how.icmpCode };
        }
        case 'RETURN': {
          const back = stack.pop();
          if (!back) return this.policy(rs, start, bytes);
          chain = back.chain;
          i = back.next;
          continue;
        }
        case 'JUMP': {
          const to = table.chains.get(t.chain);
          if (!to) continue;
          if (!t.goto) stack.push({ chain, next: i });
          chain = to;
          i = 0;
          continue;
        }
        case 'LOG':
          notes.push(`${this.env.hostName} ${logLine(t, hook, info, pkt)}`);
          continue;
        case 'DNAT':
        case 'SNAT':
        case 'MASQUERADE':
        case 'REDIRECT':
          if (!onNat) continue;
          return onNat(rule, t, chain, i);
      }
    }
  }

  private policy(rs: Ruleset, chain: Chain, bytes: number): Verdict {
    countPolicy(rs, chain, bytes);
    return chain.policy === 'DROP' ? DROP : ACCEPT;
  }
}

/** Only a table that exists in the kernel (loaded module / created nft table) sees packets and counts policies. */
function tableInUse(t: Table): boolean {
  return t.instantiated;
}

/** nft: base chains of the nat table exist (NAT hooks registered, conntrack loaded). */
function natChainsInstantiated(t: Table): boolean {
  if (!t.instantiated) return false;
  for (const c of t.chains.values()) if (c.builtin && c.instantiated) return true;
  return false;
}

function natLabel(conn: Conn, dir: Dir, manip: ManipType): string {
  if (dir === DIR_ORIGINAL) {
    return (manip === 'SRC' ? conn.srcNatBy : conn.dstNatBy) ?? 'null binding';
  }
  // A reply undoes the other manip type: its destination the source NAT, its source the DNAT.
  const by = manip === 'DST' ? conn.srcNatBy : conn.dstNatBy;
  return by ? `de-${by}` : 'de-null binding';
}

/** tcp_error / udp_error / icmp checksum checks at PREROUTING: true when the checksum is right. */
function transportChecksumOk(
  pkt: Uint8Array,
  src: number,
  dst: number,
  protocol: number,
  l4Off: number,
  l4Len: number,
  fragment: boolean,
): boolean {
  if (fragment) return true;
  switch (protocol) {
    case IPPROTO_TCP:
      return sum16(pkt, l4Off, l4Len, pseudoHeaderSum(src, dst, protocol, l4Len)) === 0xffff;
    case IPPROTO_UDP:
      // Checksum 0: the sender did not compute one.
      if (l4Len >= 8 && readU16(pkt, l4Off + 6) === 0) return true;
      return sum16(pkt, l4Off, l4Len, pseudoHeaderSum(src, dst, protocol, l4Len)) === 0xffff;
    case IPPROTO_ICMP:
      return verifySum(pkt, l4Off, l4Len);
    default:
      return true;
  }
}

/** The tuple of the packet quoted in an ICMP error (its IP header + the first 8 transport bytes). */
function quotedTuple(pkt: Uint8Array, off: number, end: number): Tuple | undefined {
  if (off + 20 > end || pkt[off]! >>> 4 !== 4) return undefined;
  const hl = (pkt[off]! & 0x0f) * 4;
  if (hl < 20 || off + hl + 8 > end) return undefined;
  const protocol = pkt[off + Ipv4Field.PROTOCOL]!;
  const src = readIpv4(pkt, off + Ipv4Field.SRC);
  const dst = readIpv4(pkt, off + Ipv4Field.DST);
  const l4 = off + hl;
  switch (protocol) {
    case IPPROTO_TCP:
    case IPPROTO_UDP:
      return { src, dst, protocol, srcId: readU16(pkt, l4), dstId: readU16(pkt, l4 + 2) };
    case IPPROTO_ICMP: {
      const type = pkt[l4]!;
      // An error about an error is not tracked.
      if (icmpIsError(type)) return undefined;
      return { src, dst, protocol, srcId: readU16(pkt, l4 + 4), dstId: (type << 8) | pkt[l4 + 1]! };
    }
    default:
      return { src, dst, protocol, srcId: 0, dstId: 0 };
  }
}
