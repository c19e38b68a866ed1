import type { NatRange, PortRange, ProtoSpec } from '../model.ts';
import { protoHasPorts } from '../rules/extension.ts';
import { ipToString, paramError, strtoui } from '../rules/xtables.ts';

const NEED_PORTS = 'Need TCP, UDP, SCTP or DCCP with port specification';

/** `a.b.c.d[-e.f.g.h][:port[-port]]` as libxt_NAT.c parse_to reads it for DNAT and SNAT. */
export function parseNatRange(arg: string, proto: ProtoSpec | null): NatRange {
  const range: NatRange = { mapIps: false, minIp: 0, maxIp: 0, protoSpecified: false, minPort: 0, maxPort: 0 };
  const colon = arg.indexOf(':');
  let ipPart = arg;
  if (colon >= 0) {
    const ports = parseNatPorts(arg.slice(colon + 1), proto);
    range.protoSpecified = true;
    range.minPort = ports.min;
    range.maxPort = ports.max;
    if (colon === 0) return range;
    ipPart = arg.slice(0, colon);
  }
  const dash = ipPart.indexOf('-');
  const first = dash >= 0 ? ipPart.slice(0, dash) : ipPart;
  const min = inetPton(first);
  if (min === undefined) throw paramError(`Bad IP address "${first}"`);
  let max = min;
  if (dash >= 0) {
    const second = ipPart.slice(dash + 1);
    const m = inetPton(second);
    if (m === undefined) throw paramError(`Bad IP address "${second}"`);
    max = m;
  }
  range.mapIps = true;
  range.minIp = min;
  range.maxIp = max;
  return range;
}

/** glibc inet_pton(AF_INET): exactly four decimal parts 0..255, no leading zeros. */
export function inetPton(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0;
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > 255) return undefined;
    v = v * 256 + Number(p);
  }
  return v;
}

/**
 * The port part of DNAT/SNAT --to-* and REDIRECT --to-ports (libxt_DNAT.c parse_ports, 1.8.9):
 * `p` or `p-q`, ports 1..65535.
 */
export function parseNatPorts(text: string, proto: ProtoSpec | null): PortRange {
  if (!protoHasPorts(proto)) throw paramError(NEED_PORTS);
  const m = /^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)(.*)$/.exec(text);
  const port = m ? strtoui(m[1] ?? '', 1, 65535) : undefined;
  if (!m || port === undefined) throw paramError(`Port \`${text}' not valid`);
  const rest = m[2] ?? '';
  if (rest === '') return { min: port, max: port };
  if (rest.startsWith(':')) throw paramError('Invalid port:port syntax - use dash');
  if (!rest.startsWith('-')) throw paramError(`Garbage after port value: \`${rest}'`);
  const hiText = rest.slice(1);
  const m2 = /^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)(.*)$/.exec(hiText);
  const max = m2 ? strtoui(m2[1] ?? '', 1, 65535) : undefined;
  if (!m2 || max === undefined) throw paramError(`Port \`${hiText}' not valid`);
  if (max < port) throw paramError(`Port range \`${hiText}' funky`);
  if ((m2[2] ?? '') !== '') throw paramError(`Garbage after port range: \`${m2[2]}'`);
  return { min: port, max };
}

/** `p` or `p-q` (MASQUERADE --to-ports: libxt_MASQUERADE.c parse_ports, ports 0..65535). */
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
