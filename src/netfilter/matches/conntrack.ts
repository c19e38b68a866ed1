import { CT_STATE_BIT } from '../model.ts';
import type { ConntrackMatch, PacketInfo } from '../model.ts';
import type { MatchExtension } from '../rules/extension.ts';
import { checkOptionOnce } from '../rules/extension.ts';
import { paramError } from '../rules/xtables.ts';

/** xt_conntrack.c conntrack_mt_v*: the packet's state bit, plus SNAT/DNAT bits of its connection. */
export function evaluateConntrack(m: ConntrackMatch, pkt: PacketInfo): boolean {
  let bits = CT_STATE_BIT[pkt.ctstate];
  if (pkt.ctSnat) bits |= CT_STATE_BIT.SNAT;
  if (pkt.ctDnat) bits |= CT_STATE_BIT.DNAT;
  return ((m.states & bits) !== 0) !== m.invert;
}

/** Print order of conntrack_dump_states (not the order typed). */
const CT_ORDER = ['INVALID', 'NEW', 'RELATED', 'ESTABLISHED', 'UNTRACKED', 'SNAT', 'DNAT'] as const;

export function stateListText(mask: number, names: readonly (keyof typeof CT_STATE_BIT)[]): string {
  return names.filter((n) => (mask & CT_STATE_BIT[n]) !== 0).join(',');
}

/**
 * conntrack_ps_states / state_parse_states: comma list; each word is compared with
 * strncasecmp(word, NAME, len(word)), so a prefix matches the first name in `names`; the error
 * quotes the rest of the list from the bad word on.
 */
export function parseStateList(arg: string, names: readonly (keyof typeof CT_STATE_BIT)[], what: string): number {
  let mask = 0;
  let rest = arg;
  for (;;) {
    const comma = rest.indexOf(',');
    const word = comma >= 0 ? rest.slice(0, comma) : rest;
    if (what === 'state' && comma < 0 && rest === '') {
      throw paramError('"--state" requires a list of states with no spaces, e.g. ESTABLISHED,RELATED');
    }
    const hit = word === '' ? undefined : names.find((n) => n.toLowerCase().startsWith(word.toLowerCase()));
    if (!hit) throw paramError(`Bad ${what} "${rest}"`);
    mask |= CT_STATE_BIT[hit];
    if (comma < 0) return mask;
    rest = rest.slice(comma + 1);
  }
}

export const conntrackExtension: MatchExtension<ConntrackMatch> = {
  name: 'conntrack',
  options: [{ name: 'ctstate', id: 'ctstate', hasArg: true, invertible: true }],
  init: () => ({ kind: 'conntrack', states: 0, invert: false }),
  parse(m, o, arg, invert, flags): void {
    checkOptionOnce('conntrack', o, invert, flags);
    m.states = parseStateList(arg, CT_ORDER, 'ctstate');
    m.invert = invert;
  },
  finalCheck(_m, flags): void {
    if (flags.size === 0) throw paramError('conntrack: At least one option is required');
  },
  save: (m) => `${m.invert ? ' !' : ''} --ctstate ${stateListText(m.states, CT_ORDER)}`,
  print: (m) => `${m.invert ? ' !' : ''} ctstate ${stateListText(m.states, CT_ORDER)}`,
};
