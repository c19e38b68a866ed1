/**
 * The iptables command line, parsed the way iptables 1.8.9's do_parse() does: getopt_long over
 * the base options plus the options of each loaded match and target (unique prefixes of long
 * options work, short options cluster: `-vnL`), `!` before an option inverts it, a protocol match
 * (tcp/udp/icmp) loads itself when one of its options appears after `-p`, and the checks run in
 * iptables' order so that the first error is the one iptables prints.
 */

import type { Backend, Match, ProtoSpec, Rule, Target, TableName } from '../model.ts';
import { newRule } from '../model.ts';
import { conntrackExtension } from '../matches/conntrack.ts';
import { icmpExtension } from '../matches/icmp.ts';
import { multiportExtension } from '../matches/multiport.ts';
import { stateExtension } from '../matches/state.ts';
import { statisticExtension } from '../matches/statistic.ts';
import { tcpExtension, udpExtension } from '../matches/tcp.ts';
import { dnatExtension } from '../targets/DNAT.ts';
import { logExtension } from '../targets/LOG.ts';
import { masqueradeExtension } from '../targets/MASQUERADE.ts';
import { redirectExtension } from '../targets/REDIRECT.ts';
import { rejectExtension } from '../targets/REJECT.ts';
import { snatExtension } from '../targets/SNAT.ts';
import type { MatchExtension, OptionDef, ParseContext, TargetExtension } from './extension.ts';
import { OptionFlags } from './extension.ts';
import { IptablesError, bareParamError, paramError, parseAddrList, parseProtocol, strtoui } from './xtables.ts';

export const MATCH_EXTENSIONS: Readonly<Record<string, MatchExtension>> = {
  tcp: tcpExtension as unknown as MatchExtension,
  udp: udpExtension as unknown as MatchExtension,
  icmp: icmpExtension as unknown as MatchExtension,
  multiport: multiportExtension as unknown as MatchExtension,
  statistic: statisticExtension as unknown as MatchExtension,
  conntrack: conntrackExtension as unknown as MatchExtension,
  state: stateExtension as unknown as MatchExtension,
};

export const TARGET_EXTENSIONS: Readonly<Record<string, TargetExtension>> = {
  DNAT: dnatExtension as unknown as TargetExtension,
  SNAT: snatExtension as unknown as TargetExtension,
  MASQUERADE: masqueradeExtension as unknown as TargetExtension,
  REDIRECT: redirectExtension as unknown as TargetExtension,
  REJECT: rejectExtension as unknown as TargetExtension,
  LOG: logExtension as unknown as TargetExtension,
};

/** Verdicts that are not extensions (xt_standard). */
export const STANDARD_TARGETS = ['ACCEPT', 'DROP', 'RETURN'] as const;

export function matchExtension(m: Match): MatchExtension {
  const ext = MATCH_EXTENSIONS[m.kind];
  if (!ext) throw new Error(`no extension for match ${m.kind}`);
  return ext;
}

export function targetExtension(t: Target): TargetExtension | undefined {
  return TARGET_EXTENSIONS[t.kind];
}

export type CommandLetter = 'A' | 'C' | 'D' | 'R' | 'I' | 'L' | 'S' | 'F' | 'Z' | 'N' | 'X' | 'E' | 'P';

export interface ParsedCommand {
  /** Commands given, in order (at most two: -L/-S with -Z). */
  commands: CommandLetter[];
  table: string;
  chain: string | null;
  /** -I/-D/-R/-S/-Z rule number (1-based); -D with a number is "delete by number". */
  rulenum: number | null;
  /** -P policy, -E new name. */
  extra: string | null;
  numeric: boolean;
  verbose: boolean;
  exact: boolean;
  lineNumbers: boolean;
  /** -c PKTS BYTES. */
  setCounters: { pkts: number; bytes: number } | null;
  /** One rule per -s/-d address combination (A, C, D, R, I). */
  rules: Rule[];
  /** The -j/-g name as typed, when it is neither a standard verdict nor an extension. */
  jumpChain: string | null;
  warnings: string[];
  version: boolean;
  /** -D CHAIN N (no rule spec). */
  deleteByNumber: boolean;
  /** -Z CHAIN N. */
  zeroByNumber: boolean;
}

interface BaseOpt {
  long: string;
  short: string;
  arg: 'none' | 'required' | 'optional';
}

/** iptables' original_opts (xshared.c). `line-numbers` has no short form ('0' internally). */
const BASE_OPTS: readonly BaseOpt[] = [
  { long: 'append', short: 'A', arg: 'required' },
  { long: 'delete', short: 'D', arg: 'required' },
  { long: 'check', short: 'C', arg: 'required' },
  { long: 'insert', short: 'I', arg: 'required' },
  { long: 'replace', short: 'R', arg: 'required' },
  { long: 'list', short: 'L', arg: 'optional' },
  { long: 'list-rules', short: 'S', arg: 'optional' },
  { long: 'flush', short: 'F', arg: 'optional' },
  { long: 'zero', short: 'Z', arg: 'optional' },
  { long: 'new-chain', short: 'N', arg: 'required' },
  { long: 'delete-chain', short: 'X', arg: 'optional' },
  { long: 'rename-chain', short: 'E', arg: 'required' },
  { long: 'policy', short: 'P', arg: 'required' },
  { long: 'source', short: 's', arg: 'required' },
  { long: 'destination', short: 'd', arg: 'required' },
  { long: 'src', short: 's', arg: 'required' },
  { long: 'dst', short: 'd', arg: 'required' },
  { long: 'protocol', short: 'p', arg: 'required' },
  { long: 'in-interface', short: 'i', arg: 'required' },
  { long: 'jump', short: 'j', arg: 'required' },
  { long: 'table', short: 't', arg: 'required' },
  { long: 'match', short: 'm', arg: 'required' },
  { long: 'numeric', short: 'n', arg: 'none' },
  { long: 'out-interface', short: 'o', arg: 'required' },
  { long: 'verbose', short: 'v', arg: 'none' },
  { long: 'wait', short: 'w', arg: 'optional' },
  { long: 'wait-interval', short: 'W', arg: 'optional' },
  { long: 'exact', short: 'x', arg: 'none' },
  { long: 'fragment', short: 'f', arg: 'none' },
  { long: 'version', short: 'V', arg: 'none' },
  { long: 'help', short: 'h', arg: 'optional' },
  { long: 'line-numbers', short: '0', arg: 'none' },
  { long: 'modprobe', short: 'M', arg: 'required' },
  { long: 'set-counters', short: 'c', arg: 'required' },
  { long: 'goto', short: 'g', arg: 'required' },
  { long: 'ipv4', short: '4', arg: 'none' },
  { long: 'ipv6', short: '6', arg: 'none' },
];

/** Options that may carry `!` (inverse_for_options) and the letters iptables names them by. */
const INVERTIBLE = new Set(['s', 'd', 'p', 'i', 'o', 'f']);

/** The commands each command may be combined with (add_command's othercmds). */
const COMBINABLE: Partial<Record<CommandLetter, CommandLetter[]>> = { L: ['Z'], S: ['Z'], Z: ['L', 'S'] };

/**
 * generic_opt_check's table: which options each command rejects
 * (columns -n -s -d -p -j -v -x -i -o --line-numbers -c -f).
 */
const OPT_COLUMNS = ['n', 's', 'd', 'p', 'j', 'v', 'x', 'i', 'o', '0', 'c', 'f'] as const;
const ILLEGAL: Record<CommandLetter | 'DN' | 'ZN', string> = {
  I: 'x     x  x  ',
  D: 'x     x  xx ',
  DN: 'xxxxx xxxxxx',
  R: 'x     x  x  ',
  A: 'x     x  x  ',
  L: ' xxxx  xx xx',
  F: 'xxxxx xxxxxx',
  Z: 'xxxxx xxxxxx',
  N: 'xxxxx xxxxxx',
  X: 'xxxxx xxxxxx',
  P: 'xxxxx xxxx x',
  E: 'xxxxx xxxxxx',
  S: 'xxxxx xxxxxx',
  ZN: 'xxxxx xxxxxx',
  C: 'x     x  xx ',
};

type LongEntry =
  | { kind: 'base'; long: string; base: BaseOpt }
  | { kind: 'match'; long: string; def: OptionDef; slot: LoadedMatch }
  | { kind: 'target'; long: string; def: OptionDef };

interface TargetState {
  ext: TargetExtension | null;
  t: Target | null;
  flags: OptionFlags;
  name: string;
  goto: boolean;
}

interface LoadedMatch {
  ext: MatchExtension;
  match: Match;
  flags: OptionFlags;
}

export function parseIptablesArgs(argv: readonly string[], backend: Backend): ParsedCommand {
  const out: ParsedCommand = {
    commands: [],
    table: 'filter',
    chain: null,
    rulenum: null,
    extra: null,
    numeric: false,
    verbose: false,
    exact: false,
    lineNumbers: false,
    setCounters: null,
    rules: [],
    jumpChain: null,
    warnings: [],
    version: false,
    deleteByNumber: false,
    zeroByNumber: false,
  };
  const given = new Set<string>();
  let invert = false;
  let deleteByNum = false;
  let zeroByNum = false;
  let srcText: string | null = null;
  let dstText: string | null = null;
  let srcInvert = false;
  let dstInvert = false;
  let protocol: ProtoSpec | null = null;
  let protoUsed = false;
  const rule = newRule();
  const matches: LoadedMatch[] = [];
  const jump: { v: TargetState | null } = { v: null };
  let i = 0;

  const ctx: ParseContext = {
    get protocol() {
      return protocol;
    },
    table: 'filter',
    backend,
    warnings: out.warnings,
    takeNextArg(): string | undefined {
      const w = argv[i];
      if (w === undefined || w.startsWith('-') || w.startsWith('!')) return undefined;
      i++;
      return w;
    },
  };

  const setOption = (c: string, inv: boolean): void => {
    if (given.has(c)) throw paramError(`multiple -${c} flags not allowed`);
    given.add(c);
    if (inv && !INVERTIBLE.has(c)) throw paramError(`cannot have ! before -${c}`);
  };

  const addCommand = (c: CommandLetter, inv: boolean): void => {
    if (inv) throw paramError("unexpected '!' flag");
    for (const old of out.commands) {
      if (!(COMBINABLE[c] ?? []).includes(old)) throw paramError(`Cannot use -${c} with -${old}`);
    }
    out.commands.push(c);
  };

  /** The word after a command's argument, if it does not look like an option (iptables' peek). */
  const peek = (): string | undefined => {
    const w = argv[i];
    if (w !== undefined && w[0] !== '-' && w[0] !== '!') {
      i++;
      return w;
    }
    return undefined;
  };

  const parseRulenum = (text: string): number => {
    const n = strtoui(text, 1, 0x7fffffff);
    if (n === undefined) throw paramError(`Invalid rule number \`${text}'`);
    return n;
  };

  const longEntries = (): LongEntry[] => {
    const list: LongEntry[] = BASE_OPTS.map((b) => ({ kind: 'base', long: b.long, base: b }));
    for (const slot of matches) for (const def of slot.ext.options) list.push({ kind: 'match', long: def.name, def, slot });
    if (jump.v?.ext) for (const def of jump.v.ext.options) list.push({ kind: 'target', long: def.name, def });
    return list;
  };

  /** Load tcp/udp/icmp for an option it owns when -p names it (load_proto). */
  const loadProto = (): boolean => {
    if (protoUsed || !protocol || protocol.invert) return false;
    const name = protocol.num === 6 ? 'tcp' : protocol.num === 17 ? 'udp' : protocol.num === 1 ? 'icmp' : null;
    if (!name) return false;
    protoUsed = true;
    const ext = MATCH_EXTENSIONS[name];
    if (!ext) return false;
    matches.push({ ext, match: ext.init(ctx), flags: new OptionFlags() });
    return true;
  };

  const handleBase = (c: string, arg: string | undefined, inv: boolean, tokenForErrors: string): void => {
    switch (c) {
      case 'A':
      case 'C':
      case 'N':
        addCommand(c, inv);
        out.chain = arg ?? '';
        break;
      case 'D':
        addCommand('D', inv);
        out.chain = arg ?? '';
        {
          const n = peek();
          if (n !== undefined) {
            out.rulenum = parseRulenum(n);
            deleteByNum = true;
          }
        }
        break;
      case 'R': {
        addCommand('R', inv);
        out.chain = arg ?? '';
        const n = peek();
        if (n === undefined) throw paramError('-R requires a rule number');
        out.rulenum = parseRulenum(n);
        break;
      }
      case 'I': {
        addCommand('I', inv);
        out.chain = arg ?? '';
        const n = peek();
        out.rulenum = n !== undefined ? parseRulenum(n) : 1;
        break;
      }
      case 'L': {
        addCommand('L', inv);
        out.chain = arg ?? peek() ?? out.chain;
        const n = out.chain !== null ? peek() : undefined;
        if (n !== undefined) out.rulenum = parseRulenum(n);
        break;
      }
      case 'F':
      case 'X':
        addCommand(c, inv);
        out.chain = arg ?? peek() ?? out.chain;
        break;
      case 'S':
      case 'Z': {
        addCommand(c, inv);
        const chain = arg ?? peek();
        if (chain !== undefined) {
          out.chain = chain;
          const n = peek();
          if (n !== undefined) {
            out.rulenum = parseRulenum(n);
            if (c === 'Z') zeroByNum = true;
          }
        }
        break;
      }
      case 'E': {
        addCommand('E', inv);
        out.chain = arg ?? '';
        const n = peek();
        if (n === undefined) throw paramError('-E requires old-chain-name and new-chain-name');
        out.extra = n;
        break;
      }
      case 'P': {
        addCommand('P', inv);
        out.chain = arg ?? '';
        const n = peek();
        if (n === undefined) throw paramError('-P requires a chain and a policy');
        out.extra = n;
        break;
      }
      case 's':
        setOption('s', inv);
        srcText = arg ?? '';
        srcInvert = inv;
        break;
      case 'd':
        setOption('d', inv);
        dstText = arg ?? '';
        dstInvert = inv;
        break;
      case 'p': {
        setOption('p', inv);
        const num = parseProtocol((arg ?? '').toLowerCase());
        if (num === 0 && inv) throw paramError('rule would never match protocol');
        protocol = { num, invert: inv };
        rule.protocol = protocol;
        break;
      }
      case 'i':
      case 'o': {
        setOption(c, inv);
        const name = arg ?? '';
        if (name.length + 1 > 16) throw paramError(`interface name \`${name}' must be shorter than 16 characters`);
        if (name.includes('/') || name.includes(' ')) {
          out.warnings.push(`Warning: weird character in interface \`${name}' ('/' and ' ' are not allowed by the kernel).\n`);
        }
        // a lone '+' matches every interface: iptables stores an empty mask, so nothing is left of it
        const spec = name === '+' && !inv ? null : { name, invert: inv };
        if (c === 'i') rule.inIface = spec;
        else rule.outIface = spec;
        break;
      }
      case 'j':
      case 'g': {
        setOption('j', inv);
        const name = arg ?? '';
        const ext = c === 'j' && Object.hasOwn(TARGET_EXTENSIONS, name) ? TARGET_EXTENSIONS[name] : undefined;
        jump.v = { ext: ext ?? null, t: ext ? ext.init(ctx) : null, flags: new OptionFlags(), name, goto: c === 'g' };
        break;
      }
      case 'm': {
        if (inv) throw paramError('unexpected ! flag before --match');
        const name = arg ?? '';
        const ext = Object.hasOwn(MATCH_EXTENSIONS, name) ? MATCH_EXTENSIONS[name] : undefined;
        if (!ext) throw paramError(`Couldn't load match \`${name}':No such file or directory\n`);
        if (name === 'tcp' || name === 'udp' || name === 'icmp') protoUsed = true;
        matches.push({ ext, match: ext.init(ctx), flags: new OptionFlags() });
        break;
      }
      case 't':
        if (inv) throw paramError('unexpected ! flag before --table');
        out.table = arg ?? '';
        ctx.table = out.table as TableName;
        break;
      case 'n':
        setOption('n', inv);
        out.numeric = true;
        break;
      case 'v':
        if (!out.verbose) setOption('v', inv);
        out.verbose = true;
        break;
      case 'x':
        setOption('x', inv);
        out.exact = true;
        break;
      case '0':
        setOption('0', inv);
        out.lineNumbers = true;
        break;
      case 'f':
        setOption('f', inv);
        rule.fragment = { invert: inv };
        break;
      case 'c': {
        setOption('c', inv);
        const comma = (arg ?? '').indexOf(',', 1);
        const pk = comma >= 0 ? (arg ?? '').slice(0, comma) : (arg ?? '');
        let by = comma >= 0 ? (arg ?? '').slice(comma + 1) : undefined;
        if (by === undefined && i < argv.length && argv[i]?.[0] !== '-' && argv[i]?.[0] !== '!') by = argv[i++];
        if (by === undefined) throw paramError('-c requires packet and byte counter');
        const pkts = strtoui(pk, 0, Number.MAX_SAFE_INTEGER);
        if (pkts === undefined) throw paramError('-c packet counter not numeric');
        const bytes = strtoui(by, 0, Number.MAX_SAFE_INTEGER);
        if (bytes === undefined) throw paramError('-c byte counter not numeric');
        out.setCounters = { pkts, bytes };
        break;
      }
      case 'V':
        out.version = true;
        break;
      case 'w':
      case 'W':
        if (arg === undefined) {
          const w = argv[i];
          if (w !== undefined && /^[0-9]+$/.test(w)) i++;
        }
        break;
      case 'M':
      case '4':
        break;
      case '6':
        throw paramError('This is the IPv4 version of iptables.');
      case 'h':
        throw new IptablesError('plain', 'lbsim: iptables -h: the help text is not simulated; see iptables(8)', 2);
      default:
        throw paramError(`unknown option "${tokenForErrors}"`);
    }
  };

  const handleExt = (e: LongEntry, arg: string, inv: boolean): void => {
    if (e.kind === 'match') e.slot.ext.parse(e.slot.match, e.def, arg, inv, e.slot.flags, ctx);
    else if (e.kind === 'target' && jump.v?.ext && jump.v.t) jump.v.ext.parse(jump.v.t, e.def, arg, inv, jump.v.flags, ctx);
  };

  while (i < argv.length) {
    const tok = argv[i++] ?? '';
    if (tok === '--') {
      // getopt stops here: whatever follows is a non-option
      if (i < argv.length) throw bareParamError(`Bad argument \`${argv[i]}'`);
      break;
    }
    if (tok.startsWith('--')) {
      const eq = tok.indexOf('=');
      const name = eq >= 0 ? tok.slice(2, eq) : tok.slice(2);
      const attached = eq >= 0 ? tok.slice(eq + 1) : undefined;
      let entries = longEntries();
      let hit = entries.find((e) => e.long === name);
      if (!hit) {
        const cands = entries.filter((e) => e.long.startsWith(name));
        const distinct = new Set(cands.map((e) => (e.kind === 'base' ? `b:${e.base.short}` : `${e.kind}:${e.long}`)));
        if (cands.length > 0 && distinct.size === 1) hit = cands[0];
      }
      if (!hit) {
        if (loadProto()) {
          i--;
          continue;
        }
        throw paramError(`unknown option "${tok}"`);
      }
      const hasArg = hit.kind === 'base' ? hit.base.arg : hit.def.hasArg ? 'required' : 'none';
      let arg: string | undefined = attached;
      if (hasArg === 'required' && arg === undefined) {
        if (i >= argv.length) throw paramError(`option "${tok}" requires an argument`);
        arg = argv[i++];
      }
      if (hasArg === 'none' && attached !== undefined) throw paramError(`unknown option "${tok}"`);
      const inv = invert;
      invert = false;
      if (hit.kind === 'base') handleBase(hit.base.short, arg, inv, tok);
      else handleExt(hit, arg ?? '', inv);
      entries = [];
      continue;
    }
    if (tok.startsWith('-') && tok.length > 1) {
      let k = 1;
      while (k < tok.length) {
        const c = tok[k++] ?? '';
        const base = BASE_OPTS.find((b) => b.short === c && c !== '0');
        if (!base) throw paramError(`unknown option "${tok}"`);
        let arg: string | undefined;
        if (base.arg !== 'none') {
          const rest = tok.slice(k);
          if (rest !== '') {
            arg = rest;
            k = tok.length;
          } else if (base.arg === 'required') {
            if (i >= argv.length) throw paramError(`option "-${c}" requires an argument`);
            arg = argv[i++];
          }
        }
        const inv = invert;
        invert = false;
        handleBase(c, arg, inv, tok);
      }
      continue;
    }
    if (tok === '!') {
      if (invert) throw paramError('multiple consecutive ! not allowed');
      invert = true;
      continue;
    }
    throw bareParamError(`Bad argument \`${tok}'`);
  }

  const finalTarget = jump.v;
  // do_parse's checks after the option loop, in its order
  if (out.table === 'nat' && ((out.commands.includes('P') && out.extra === 'DROP') || finalTarget?.name === 'DROP')) {
    throw paramError('\nThe "nat" table is not intended for filtering, the use of DROP is therefore inhibited.\n\n');
  }
  for (const m of matches) m.ext.finalCheck(m.match, m.flags, ctx);
  if (finalTarget?.ext && finalTarget.t) finalTarget.ext.finalCheck(finalTarget.t, finalTarget.flags, ctx);
  if (out.version) return out;
  if (out.commands.length === 0) throw paramError('no command specified');
  if (invert) throw paramError('nothing appropriate following !');

  const primary = out.commands[0] as CommandLetter;
  const ruleCmd = ['A', 'C', 'D', 'R', 'I'].includes(primary) && !deleteByNum;
  let srcs: { addr: number; mask: number }[] = [{ addr: 0, mask: 0 }];
  let dsts: { addr: number; mask: number }[] = [{ addr: 0, mask: 0 }];
  if (ruleCmd) {
    if (srcText !== null) srcs = parseAddrList(srcText);
    if (dstText !== null) dsts = parseAddrList(dstText);
    if ((srcs.length > 1 || dsts.length > 1) && (srcInvert || dstInvert)) {
      throw paramError('! not allowed with multiple source or destination IP addresses');
    }
    if (primary === 'R' && (srcs.length !== 1 || dsts.length !== 1)) throw paramError('Replacement rule does not specify a unique address');
  }

  // generic_opt_check: an option is legal when any of the commands given allows it
  const rows = out.commands.map((c) => ILLEGAL[c === 'D' && deleteByNum ? 'DN' : c === 'Z' && zeroByNum ? 'ZN' : c]);
  OPT_COLUMNS.forEach((c, col) => {
    if (given.has(c) && rows.every((row) => row[col] === 'x')) {
      const name = c === '0' ? '--line-numbers' : `-${c}`;
      throw paramError(`Illegal option \`${name}' with this command\n`);
    }
  });
  if (out.chain !== null && out.chain.length >= 29) {
    throw paramError(`chain name \`${out.chain}' too long (must be under 29 chars)`);
  }
  if (['A', 'C', 'D', 'R', 'I'].includes(primary) && out.chain !== null) {
    if ((out.chain === 'PREROUTING' || out.chain === 'INPUT') && given.has('o')) throw paramError(`Can't use -o with ${out.chain}\n`);
    if ((out.chain === 'POSTROUTING' || out.chain === 'OUTPUT') && given.has('i')) throw paramError(`Can't use -i with ${out.chain}\n`);
  }
  if (primary === 'N' && out.chain !== null) {
    if (out.chain.startsWith('-') || out.chain.startsWith('!')) throw paramError(`chain name not allowed to start with \`${out.chain[0]}'\n`);
    if (Object.hasOwn(TARGET_EXTENSIONS, out.chain) || (STANDARD_TARGETS as readonly string[]).includes(out.chain)) {
      throw paramError('chain name may not clash with target name\n');
    }
  }
  out.deleteByNumber = deleteByNum;
  out.zeroByNumber = zeroByNum;

  if (ruleCmd) {
    let t: Target | null = null;
    if (finalTarget) {
      if (finalTarget.t) t = finalTarget.t;
      else if ((STANDARD_TARGETS as readonly string[]).includes(finalTarget.name) && !finalTarget.goto) {
        t = { kind: finalTarget.name as 'ACCEPT' | 'DROP' | 'RETURN' };
      } else {
        t = { kind: 'JUMP', chain: finalTarget.name, goto: finalTarget.goto };
        out.jumpChain = finalTarget.name;
      }
    }
    for (const s of srcs) {
      for (const d of dsts) {
        const r: Rule = {
          ...rule,
          src: srcText !== null && (s.mask !== 0 || srcInvert) ? { addr: s.addr, mask: s.mask, invert: srcInvert } : null,
          dst: dstText !== null && (d.mask !== 0 || dstInvert) ? { addr: d.addr, mask: d.mask, invert: dstInvert } : null,
          matches: matches.map((m) => structuredClone(m.match)),
          target: t ? structuredClone(t) : null,
          counters: out.setCounters ? { ...out.setCounters } : { pkts: 0, bytes: 0 },
        };
        out.rules.push(r);
      }
    }
  }
  return out;
}
