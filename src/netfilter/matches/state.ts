import { CT_STATE_BIT } from '../model.ts';
import type { PacketInfo, StateMatch } from '../model.ts';

/** xt_state.c state_mt; libxt_state stores `! --state` as the complemented mask. */
export function evaluateState(m: StateMatch, pkt: PacketInfo): boolean {
  return ((m.states & CT_STATE_BIT[pkt.ctstate]) !== 0) !== m.invert;
}
