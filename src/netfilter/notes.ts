// Text for packet comments: a rule's matches as `iptables -vnL` shows them (so a comment reads
// like the listing line that fired), and the LOG target's kernel log line.

import { Ipv4Field, TcpField, ipv4ToString, readU16 } from '../wire/index.ts';
import type { Match, PacketInfo, PortRange, Rule, Target } from './model.ts';
import { CT_STATE_BIT } from './model.ts';

function ports(label: string, r: PortRange, invert: boolean): string {
  const bang = invert ? '!' : '';
  return r.min === r.max ? `${label}pt:${bang}${r.min}` : `${label}pts:${bang}${r.min}:${r.max}`;
}

function stateList(bits: number): string {
  const names: string[] = [];
  for (const [name, bit] of Object.entries(CT_STATE_BIT)) if (bits & bit) names.push(name);
  return names.join(',');
}

/** One match as the listing prints it (libxt_*.c print functions, numeric form). */
export function describeMatch(m: Match): string {
  switch (m.kind) {
    case 'statistic':
      if (m.mode === 'random') {
        return `statistic${m.invert ? ' !' : ''} mode random probability ${(m.threshold / 0x80000000).toFixed(11)}`;
      }
      return `statistic${m.invert ? ' !' : ''} mode nth every ${m.every + 1}${m.packet ? ` packet ${m.packet}` : ''}`;
    case 'tcp':
    case 'udp': {
      const parts: string[] = [m.kind];
      if (m.sport) parts.push(ports('s', m.sport, m.sportInvert));
      if (m.dport) parts.push(ports('d', m.dport, m.dportInvert));
      if (m.kind === 'tcp' && m.tcpFlags) {
        parts.push(`flags:${m.tcpFlags.invert ? '!' : ''}0x${hex2(m.tcpFlags.mask)}/0x${hex2(m.tcpFlags.comp)}`);
      }
      return parts.join(' ');
    }
    case 'icmp':
      return `icmp ${m.invert ? '!' : ''}type ${m.type}`;
    case 'multiport':
      return `multiport ${m.dir} ${m.invert ? '! ' : ''}${m.ports.map((p) => (p.min === p.max ? `${p.min}` : `${p.min}:${p.max}`)).join(',')}`;
    case 'conntrack':
      return `ctstate ${m.invert ? '! ' : ''}${stateList(m.states)}`;
    case 'state':
      return `state ${m.invert ? '! ' : ''}${stateList(m.states)}`;
  }
}

function hex2(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, '0');
}

/** The match column of a rule (empty when it has only address/interface/protocol parts). */
export function describeRuleMatches(rule: Rule): string {
  return rule.matches.map(describeMatch).join(' ');
}

const TCP_FLAG_NAMES: readonly [number, string][] = [
  [0x80, 'CWR'],
  [0x40, 'ECE'],
  [0x20, 'URG'],
  [0x10, 'ACK'],
  [0x08, 'PSH'],
  [0x04, 'RST'],
  [0x02, 'SYN'],
  [0x01, 'FIN'],
];

/** The kernel's LOG line (net/netfilter/nf_log_syslog.c dump_ipv4_packet), without the MAC part. */
export function logLine(t: Extract<Target, { kind: 'LOG' }>, hook: string, info: PacketInfo, pkt: Uint8Array): string {
  const tos = pkt[Ipv4Field.TOS]!;
  const fo = readU16(pkt, Ipv4Field.FLG_OFF);
  let s = `${t.prefix ?? ''}IN=${info.inIface ?? ''} OUT=${info.outIface ?? ''} `;
  s += `SRC=${ipv4ToString(info.src)} DST=${ipv4ToString(info.dst)} LEN=${info.ipTotalLen} `;
  s += `TOS=0x${hex2(tos & 0x1e)} PREC=0x${hex2(tos & 0xe0)} TTL=${pkt[Ipv4Field.TTL]!} ID=${readU16(pkt, Ipv4Field.IDENT)} `;
  if (fo & 0x8000) s += 'CE ';
  if (fo & 0x4000) s += 'DF ';
  if (fo & 0x2000) s += 'MF ';
  if (fo & 0x1fff) s += `FRAG:${fo & 0x1fff} `;
  const l4 = (pkt[Ipv4Field.VER_IHL]! & 0x0f) * 4;
  switch (info.protocol) {
    case 6: {
      s += `PROTO=TCP SPT=${info.sport} DPT=${info.dport} `;
      if (!info.fragment && pkt.length >= l4 + 20) {
        // RES is the four reserved bits as (flag word & 0x0f000000) >> 22, in lower-case hex.
        const res = (pkt[l4 + TcpField.FLAGS]! & 0x0f) << 2;
        s += `WINDOW=${readU16(pkt, l4 + TcpField.WINDOW)} RES=0x${res.toString(16).padStart(2, '0')} `;
        for (const [bit, name] of TCP_FLAG_NAMES) if (info.tcpFlags & bit) s += `${name} `;
        s += `URGP=${readU16(pkt, l4 + TcpField.URGENT)} `;
      }
      break;
    }
    case 17:
      s += `PROTO=UDP SPT=${info.sport} DPT=${info.dport} LEN=${info.ipTotalLen - l4} `;
      break;
    case 1:
      s += `PROTO=ICMP TYPE=${info.icmpType} CODE=${info.icmpCode} `;
      if ((info.icmpType === 0 || info.icmpType === 8) && pkt.length >= l4 + 8) {
        s += `ID=${readU16(pkt, l4 + 4)} SEQ=${readU16(pkt, l4 + 6)} `;
      }
      break;
    default:
      s += `PROTO=${info.protocol} `;
  }
  return `${hook} LOG ${s.trimEnd()}`;
}
