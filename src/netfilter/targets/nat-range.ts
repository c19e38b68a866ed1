import type { NatRange, PortRange, ProtoSpec } from '../model.ts';
import { protoHasPorts } from '../rules/extension.ts';
import { ipToString, numericToIpaddr, paramError, strtoui } from '../rules/xtables.ts';

const NEED_PORTS = 'Need TCP, UDP, SCTP or DCCP with port specification';

/** `a.b.c.d[-e.f.g.h][:port[-port]]` as libxt_NAT.c parse_to reads it for DNAT and SNAT. */
export function parseNatRange(arg: string, proto: ProtoSpec | null): NatRange {
  const range: NatRange = { mapIps: false, minIp: 0, maxIp: 0, protoSpecified: false, minPort: 0, maxPort: 0 };
  const colon = arg.indexOf(':');
  let ipPart = arg;
  if (colon >= 0) {
    if (!protoHasPorts(proto)) throw paramError(NEED_PORTS);
    const ports = parseDashPorts(arg.slice(colon + 1), (p) => `Port \`${p}' not valid\n`);
    range.protoSpecified = true;
    range.minPort = ports.min;
    range.maxPort = ports.max;
    if (colon === 0) return range;
    ipPart = arg.slice(0, colon);
  }
  const dash = ipPart.indexOf('-');
  const first = dash >= 0 ? ipPart.slice(0, dash) : ipPart;
  const min = first.split('.').length === 4 ? numericToIpaddr(first) : undefined;
  if (min === undefined) throw paramError(`Bad IP address "${first}"`);
  let max = min;
  if (dash >= 0) {
    const second = ipPart.slice(dash + 1);
    const m = second.split('.').length === 4 ? numericToIpaddr(second) : undefined;
    if (m === undefined) throw paramError(`Bad IP address "${second}"`);
    max = m;
  }
  range.mapIps = true;
  range.minIp = min;
  range.maxIp = max;
  return range;
}

/** `p` or `p-q` (MASQUERADE/REDIRECT --to-ports, and the port part of a NAT range). */
export function parseDashPorts(text: string, bad: (part: string) => string): PortRange {
  const dash = text.indexOf('-');
  const lo = dash >= 0 ? text.slice(0, dash) : text;
  const min = strtoui(lo, 0, 65535);
  if (min === undefined) throw paramError(bad(lo));
  if (dash < 0) return { min, max: min };
  const hi = text.slice(dash + 1);
  const max = strtoui(hi, 0, 65535);
  if (max === undefined || max < min) throw paramError(bad(hi));
  return { min, max };
}

/** print_range: `a[-b][:p[-q]]`. */
export function natRangeText(r: NatRange): string {
  let s = '';
  if (r.mapIps) {
    s += ipToString(r.minIp);
    if (r.maxIp !== r.minIp) s += `-${ipToString(r.maxIp)}`;
  }
  if (r.protoSpecified) {
    s += `:${r.minPort}`;
    if (r.maxPort !== r.minPort) s += `-${r.maxPort}`;
  }
  return s;
}

export function portRangeText(r: PortRange): string {
  return r.max !== r.min ? `${r.min}-${r.max}` : `${r.min}`;
}

export { NEED_PORTS };
