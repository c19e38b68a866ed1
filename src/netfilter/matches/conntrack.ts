import { CT_STATE_BIT } from '../model.ts';
import type { ConntrackMatch, PacketInfo } from '../model.ts';

/** xt_conntrack.c conntrack_mt_v*: the packet's state bit, plus SNAT/DNAT bits of its connection. */
export function evaluateConntrack(m: ConntrackMatch, pkt: PacketInfo): boolean {
  let bits = CT_STATE_BIT[pkt.ctstate];
  if (pkt.ctSnat) bits |= CT_STATE_BIT.SNAT;
  if (pkt.ctDnat) bits |= CT_STATE_BIT.DNAT;
  return ((m.states & bits) !== 0) !== m.invert;
}
