import { CT_STATE_BIT } from '../model.ts';
import type { PacketInfo, StateMatch } from '../model.ts';
import type { MatchExtension } from '../rules/extension.ts';
import { checkOptionOnce } from '../rules/extension.ts';
import { paramError } from '../rules/xtables.ts';
import { parseStateList, stateListText } from './conntrack.ts';

/**
 * xt_state.c state_mt. iptables 1.8.9 stores `-m state` as conntrack's state check with the
 * STATE_ALIAS flag, so it prints and inverts like `--ctstate` (` ! state NEW`).
 */
export function evaluateState(m: StateMatch, pkt: PacketInfo): boolean {
  return ((m.states & CT_STATE_BIT[pkt.ctstate]) !== 0) !== m.invert;
}

/** Print order (conntrack_dump_states) and parse order (state_parse_state: a prefix takes the first). */
const STATE_ORDER = ['INVALID', 'NEW', 'RELATED', 'ESTABLISHED', 'UNTRACKED'] as const;
const STATE_PARSE_ORDER = ['INVALID', 'NEW', 'ESTABLISHED', 'RELATED', 'UNTRACKED'] as const;

export const stateExtension: MatchExtension<StateMatch> = {
  name: 'state',
  options: [{ name: 'state', id: 'state', hasArg: true, invertible: true }],
  init: () => ({ kind: 'state', states: 0, invert: false }),
  parse(m, o, arg, invert, flags): void {
    checkOptionOnce('state', o, invert, flags);
    m.states = parseStateList(arg, STATE_PARSE_ORDER, 'state');
    m.invert = invert;
  },
  finalCheck(_m, flags): void {
    if (flags.size === 0) throw paramError('state: option "--state" must be specified\n');
  },
  save: (m) => `${m.invert ? ' !' : ''} --state ${stateListText(m.states, STATE_ORDER)}`,
  print: (m) => `${m.invert ? ' !' : ''} state ${stateListText(m.states, STATE_ORDER)}`,
};
