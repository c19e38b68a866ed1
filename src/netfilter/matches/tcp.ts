import type { PacketInfo, PortRange, TcpUdpMatch } from '../model.ts';

function portIn(r: PortRange, port: number, invert: boolean): boolean {
  return (port >= r.min && port <= r.max) !== invert;
}

/** xt_tcpudp.c tcp_mt / udp_mt: non-first fragments never match; then ports, then TCP flags. */
export function evaluateTcpUdp(m: TcpUdpMatch, pkt: PacketInfo): boolean {
  if (pkt.fragment) return false;
  if (m.sport && !portIn(m.sport, pkt.sport, m.sportInvert)) return false;
  if (m.dport && !portIn(m.dport, pkt.dport, m.dportInvert)) return false;
  if (m.tcpFlags && ((pkt.tcpFlags & m.tcpFlags.mask) === m.tcpFlags.comp) === m.tcpFlags.invert) return false;
  return true;
}
