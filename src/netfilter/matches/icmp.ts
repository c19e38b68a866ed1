import type { IcmpMatch, PacketInfo } from '../model.ts';

/** ip_tables.c icmp_match / icmp_type_code_match: type 0xff matches any type. */
export function evaluateIcmp(m: IcmpMatch, pkt: PacketInfo): boolean {
  if (pkt.fragment || pkt.icmpType < 0) return false;
  const hit = m.type === 0xff || (pkt.icmpType === m.type && pkt.icmpCode >= m.codeMin && pkt.icmpCode <= m.codeMax);
  return hit !== m.invert;
}
