import type { MultiportMatch, PacketInfo } from '../model.ts';

/** xt_multiport.c ports_match_v1: any listed port or range hits; `!` inverts the whole list. */
export function evaluateMultiport(m: MultiportMatch, pkt: PacketInfo): boolean {
  if (pkt.fragment) return false;
  for (const r of m.ports) {
    const s = pkt.sport >= r.min && pkt.sport <= r.max;
    const d = pkt.dport >= r.min && pkt.dport <= r.max;
    if ((m.dir === 'sports' && s) || (m.dir === 'dports' && d) || (m.dir === 'ports' && (s || d))) return !m.invert;
  }
  return m.invert;
}
