// Text for packet comments: the NAT rule that bound a connection, and the LOG target's kernel log
// line. A rule's matches come from the rules layer's listing code (`matchesListText`), never from
// a second printer here, so a comment reads exactly like the `iptables -L -n` line that fired.

import { Ipv4Field, TcpField, ipv4ToString, readU16 } from '../wire/index.ts';
import type { PacketInfo, Rule, Target } from './model.ts';
import { matchesListText } from './rules/index.ts';

/**
 * `ws_round-robin PREROUTING rule 2 (statistic mode nth every 2) DNAT 10.0.0.1:80 -> 100.0.0.2:80 [NEW]`:
 * the rule (chain, 1-based number, its matches as listed) that set up a NAT binding, and what it did
 * to this first packet. The parentheses are left out for a rule without matches.
 */
export function natRuleNote(
  hostName: string,
  chain: string,
  ruleNo: number,
  rule: Rule,
  by: string,
  before: string,
  after: string,
  state: string,
): string {
  const matches = matchesListText(rule);
  return `${hostName} ${chain} rule ${ruleNo}${matches ? ` (${matches})` : ''} ${by} ${before} -> ${after} [${state}]`;
}

function hex2(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, '0');
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
