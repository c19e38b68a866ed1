import type { IcmpMatch, PacketInfo } from '../model.ts';
import type { MatchExtension } from '../rules/extension.ts';
import { checkOptionOnce } from '../rules/extension.ts';
import { paramError, strtoui } from '../rules/xtables.ts';

/** ip_tables.c icmp_match / icmp_type_code_match: type 0xff matches any type. */
export function evaluateIcmp(m: IcmpMatch, pkt: PacketInfo): boolean {
  if (pkt.fragment || pkt.icmpType < 0) return false;
  const hit = m.type === 0xff || (pkt.icmpType === m.type && pkt.icmpCode >= m.codeMin && pkt.icmpCode <= m.codeMax);
  return hit !== m.invert;
}

/** libxt_icmp.c icmp_codes: name, type, code range. Listing takes the first exact entry. */
const ICMP_CODES: readonly [string, number, number, number][] = [
  ['any', 0xff, 0, 0xff],
  ['echo-reply', 0, 0, 0xff],
  ['pong', 0, 0, 0xff],
  ['destination-unreachable', 3, 0, 0xff],
  ['network-unreachable', 3, 0, 0],
  ['host-unreachable', 3, 1, 1],
  ['protocol-unreachable', 3, 2, 2],
  ['port-unreachable', 3, 3, 3],
  ['fragmentation-needed', 3, 4, 4],
  ['source-route-failed', 3, 5, 5],
  ['network-unknown', 3, 6, 6],
  ['host-unknown', 3, 7, 7],
  ['network-prohibited', 3, 9, 9],
  ['host-prohibited', 3, 10, 10],
  ['TOS-network-unreachable', 3, 11, 11],
  ['TOS-host-unreachable', 3, 12, 12],
  ['communication-prohibited', 3, 13, 13],
  ['host-precedence-violation', 3, 14, 14],
  ['precedence-cutoff', 3, 15, 15],
  ['source-quench', 4, 0, 0xff],
  ['redirect', 5, 0, 0xff],
  ['network-redirect', 5, 0, 0],
  ['host-redirect', 5, 1, 1],
  ['TOS-network-redirect', 5, 2, 2],
  ['TOS-host-redirect', 5, 3, 3],
  ['echo-request', 8, 0, 0xff],
  ['ping', 8, 0, 0xff],
  ['router-advertisement', 9, 0, 0xff],
  ['router-solicitation', 10, 0, 0xff],
  ['time-exceeded', 11, 0, 0xff],
  ['ttl-exceeded', 11, 0, 0xff],
  ['ttl-zero-during-transit', 11, 0, 0],
  ['ttl-zero-during-reassembly', 11, 1, 1],
  ['parameter-problem', 12, 0, 0xff],
  ['ip-header-bad', 12, 0, 0],
  ['required-option-missing', 12, 1, 1],
  ['timestamp-request', 13, 0, 0xff],
  ['timestamp-reply', 14, 0, 0xff],
  ['address-mask-request', 17, 0, 0xff],
  ['address-mask-reply', 18, 0, 0xff],
];

/** parse_icmp: a (case-insensitive, unambiguous prefix of a) name, or TYPE[/CODE]. */
function parseIcmpType(m: IcmpMatch, text: string): void {
  let found: (typeof ICMP_CODES)[number] | undefined;
  for (const e of ICMP_CODES) {
    if (e[0].toLowerCase().startsWith(text.toLowerCase())) {
      if (found) throw paramError(`Ambiguous ICMP type \`${text}': \`${found[0]}' or \`${e[0]}'?`);
      found = e;
    }
  }
  if (found && text !== '') {
    [, m.type, m.codeMin, m.codeMax] = found;
    return;
  }
  const slash = text.indexOf('/');
  const typeText = slash >= 0 ? text.slice(0, slash) : text;
  const type = strtoui(typeText, 0, 255);
  if (type === undefined) throw paramError(`Invalid ICMP type \`${typeText}'\n`);
  m.type = type;
  if (slash >= 0) {
    const code = strtoui(text.slice(slash + 1), 0, 255);
    if (code === undefined) throw paramError(`Invalid ICMP code \`${text.slice(slash + 1)}'\n`);
    m.codeMin = code;
    m.codeMax = code;
  } else {
    m.codeMin = 0;
    m.codeMax = 0xff;
  }
}

export const icmpExtension: MatchExtension<IcmpMatch> = {
  name: 'icmp',
  options: [{ name: 'icmp-type', id: 'type', hasArg: true, invertible: true }],
  init: () => ({ kind: 'icmp', type: 0xff, codeMin: 0, codeMax: 0xff, invert: false }),
  parse(m, o, arg, invert, flags): void {
    checkOptionOnce('icmp', o, invert, flags);
    parseIcmpType(m, arg);
    m.invert = invert;
  },
  finalCheck(): void {},
  save(m): string {
    const inv = m.invert ? ' !' : '';
    // libxt_icmp's "special hack for 'any' case"
    if (m.type === 0xff && m.codeMin === 0 && m.codeMax === 0xff) return `${inv} --icmp-type any`;
    const code = m.codeMin !== 0 || m.codeMax !== 0xff ? `/${m.codeMin}` : '';
    return `${inv} --icmp-type ${m.type}${code}`;
  },
  print(m, numeric): string {
    if (!numeric) {
      const e = ICMP_CODES.find(([, t, lo, hi]) => t === m.type && lo === m.codeMin && hi === m.codeMax);
      if (e) return ` icmp ${m.invert ? '!' : ''}${e[0]}`;
    }
    let s = ` icmp${m.invert ? ' !' : ''}type ${m.type}`;
    if (m.codeMin === m.codeMax) s += ` code ${m.codeMin}`;
    else if (m.codeMin !== 0 || m.codeMax !== 0xff) s += ` codes ${m.codeMin}-${m.codeMax}`;
    return s;
  },
};
