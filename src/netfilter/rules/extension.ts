/**
 * The shape every match and target file fills (like libxtables' struct xtables_match/target with
 * x6_options, x6_parse, x6_fcheck, print and save). Options are long options only, as theirs are.
 */

import type { Backend, Match, ProtoSpec, Target, TableName } from '../model.ts';
import { paramError } from './xtables.ts';

export interface OptionDef {
  /** Long name without the dashes. */
  name: string;
  /** An id shared by aliases (`--dport` and `--destination-port`). */
  id: string;
  hasArg: boolean;
  invertible: boolean;
}

/** What an extension may look at while parsing: the rule's -p and where the rule goes. */
export interface ParseContext {
  protocol: ProtoSpec | null;
  table: TableName;
  backend: Backend;
  /** Warnings for stderr (the --every without --packet exception). */
  warnings: string[];
  /** The argv word after the current option's argument (`--tcp-flags MASK COMP`), consumed; undefined if it looks like an option. */
  takeNextArg(): string | undefined;
}

/** Per-extension option bookkeeping: which option ids were given (xflags). */
export class OptionFlags {
  private readonly seen = new Set<string>();
  has(id: string): boolean {
    return this.seen.has(id);
  }
  add(id: string): void {
    this.seen.add(id);
  }
  get size(): number {
    return this.seen.size;
  }
}

export interface MatchExtension<M extends Match = Match> {
  name: string;
  options: readonly OptionDef[];
  init(ctx: ParseContext): M;
  /** One option. `flags` already holds the options given before this one. */
  parse(m: M, opt: OptionDef, arg: string, invert: boolean, flags: OptionFlags, ctx: ParseContext): void;
  /** After the whole command line (x6_fcheck then xtables_options_fcheck). */
  finalCheck(m: M, flags: OptionFlags, ctx: ParseContext): void;
  /** `-S`/save text, each part with its leading blank, without the ` -m name`. */
  save(m: M): string;
  /** `-L` text with its leading blank. */
  print(m: M, numeric: boolean): string;
}

export interface TargetExtension<T extends Target = Target> {
  name: string;
  options: readonly OptionDef[];
  init(ctx: ParseContext): T;
  parse(t: T, opt: OptionDef, arg: string, invert: boolean, flags: OptionFlags, ctx: ParseContext): void;
  finalCheck(t: T, flags: OptionFlags, ctx: ParseContext): void;
  save(t: T): string;
  print(t: T, numeric: boolean): string;
  /** Where the kernel accepts it (checkentry): tables and built-in chains; null = anywhere. */
  validIn: { tables: readonly TableName[]; hooks: readonly string[] } | null;
}

/**
 * x6-style checks the option framework (xtoptions.c) does before the extension sees the value.
 * `exclusive`: the extension's options are mutually exclusive (.excl = all of them); the other
 * option is named by the first table entry with its id, as xtables_option_lookup finds it.
 */
export function checkOptionOnce(
  ext: string,
  opt: OptionDef,
  invert: boolean,
  flags: OptionFlags,
  exclusive?: readonly OptionDef[],
): void {
  if (flags.has(opt.id)) throw paramError(`${ext}: option "--${opt.name}" can only be used once.\n`);
  if (invert && !opt.invertible) throw paramError(`${ext}: option "--${opt.name}" cannot be inverted.\n`);
  if (exclusive) {
    const other = exclusive.find((d) => d.id !== opt.id && flags.has(d.id));
    if (other) throw paramError(`${ext}: option "--${opt.name}" cannot be used together with "--${other.name}".\n`);
  }
  flags.add(opt.id);
}

/** Does the rule's -p allow ports (tcp, udp, udplite, sctp, dccp, not inverted)? */
export function protoHasPorts(p: ProtoSpec | null): boolean {
  return p !== null && !p.invert && [6, 17, 33, 132, 136].includes(p.num);
}
