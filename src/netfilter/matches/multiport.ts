import type { MultiportMatch, PacketInfo } from '../model.ts';
import type { MatchExtension } from '../rules/extension.ts';
import { checkOptionOnce } from '../rules/extension.ts';
import { paramError, parsePort, portText, protocolName } from '../rules/xtables.ts';

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

/** XT_MULTI_PORTS: a range takes two of the 15 slots. */
const MAX_PORTS = 15;

/** The rule's protocol name for port names, as check_proto() demands one. */
function protoFor(m: MultiportMatch): string {
  return m.protoName;
}

export const multiportExtension: MatchExtension<MultiportMatch> = {
  name: 'multiport',
  options: [
    { name: 'source-ports', id: 'sports', hasArg: true, invertible: true },
    { name: 'sports', id: 'sports', hasArg: true, invertible: true },
    { name: 'destination-ports', id: 'dports', hasArg: true, invertible: true },
    { name: 'dports', id: 'dports', hasArg: true, invertible: true },
    { name: 'ports', id: 'ports', hasArg: true, invertible: true },
  ],
  init: () => ({ kind: 'multiport', dir: 'ports', ports: [], invert: false, protoName: '' }),
  parse(m, o, arg, invert, flags, ctx): void {
    checkOptionOnce('multiport', o, invert, flags, multiportExtension.options);
    const p = ctx.protocol;
    if (p?.invert) throw paramError('multiport only works with TCP, UDP, UDPLITE, SCTP and DCCP');
    const pname = p && p.num !== 0 ? protocolName(p.num) : undefined;
    if (!p || p.num === 0) throw paramError("multiport needs `-p tcp', `-p udp', `-p udplite', `-p sctp' or `-p dccp'");
    if (!pname || ![6, 17, 33, 132, 136].includes(p.num)) throw paramError('multiport only works with TCP, UDP, UDPLITE, SCTP and DCCP');
    m.protoName = pname;
    m.dir = o.id as MultiportMatch['dir'];
    m.invert = invert;
    let slots = 0;
    const items = arg.split(',');
    for (const item of items) {
      if (slots >= MAX_PORTS) throw paramError('too many ports specified');
      const colon = item.indexOf(':');
      if (colon >= 0) {
        if (slots === MAX_PORTS - 1) throw paramError('too many ports specified');
        const min = parsePort(item.slice(0, colon), pname);
        const max = parsePort(item.slice(colon + 1), pname);
        if (min >= max) throw paramError('invalid portrange specified');
        m.ports.push({ min, max });
        slots += 2;
      } else {
        const port = parsePort(item, pname);
        m.ports.push({ min: port, max: port });
        slots += 1;
      }
    }
  },
  finalCheck(_m, flags): void {
    if (flags.size === 0) throw paramError('no ports specified');
  },
  save(m): string {
    const list = m.ports.map((r) => (r.min === r.max ? `${r.min}` : `${r.min}:${r.max}`)).join(',');
    return `${m.invert ? ' !' : ''} --${m.dir} ${list}`;
  },
  print(m, numeric): string {
    const proto = protoFor(m);
    const list = m.ports
      .map((r) => (r.min === r.max ? portText(r.min, proto, numeric) : `${portText(r.min, proto, numeric)}:${portText(r.max, proto, numeric)}`))
      .join(',');
    return ` multiport ${m.dir} ${m.invert ? ' !' : ''}${list}`;
  },
};
