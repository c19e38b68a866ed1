import type { PacketInfo, PortRange, TcpUdpMatch } from '../model.ts';
import type { MatchExtension, OptionDef, OptionFlags, ParseContext } from '../rules/extension.ts';
import { paramError, parsePortRange, portText } from '../rules/xtables.ts';

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

// ---------------------------------------------------------------------------------------------
// Text (libxt_tcp.c, libxt_udp.c)

const TCP_FLAG_NAMES: readonly [string, number][] = [
  ['FIN', 0x01],
  ['SYN', 0x02],
  ['RST', 0x04],
  ['PSH', 0x08],
  ['ACK', 0x10],
  ['URG', 0x20],
  ['ALL', 0x3f],
  ['NONE', 0],
];

function parseTcpFlags(text: string): number {
  let v = 0;
  // strtok: empty words between commas are skipped
  for (const name of text.split(',').filter((w) => w !== '')) {
    const f = TCP_FLAG_NAMES.find(([n]) => n === name.toUpperCase());
    if (!f) throw paramError(`Unknown TCP flag \`${name}'`);
    v |= f[1];
  }
  return v;
}

/** print_tcpf: flag names joined by ',' (lowest bit first), NONE for 0. */
function tcpFlagsText(flags: number): string {
  const out: string[] = [];
  let rest = flags;
  while (rest) {
    const f = TCP_FLAG_NAMES.find(([, bit]) => (rest & bit) !== 0);
    if (!f) break;
    out.push(f[0]);
    rest &= ~f[1];
  }
  return out.length ? out.join(',') : 'NONE';
}

function opt(name: string, id: string, hasArg = true, invertible = true): OptionDef {
  return { name, id, hasArg, invertible };
}

const PORT_OPTIONS: readonly OptionDef[] = [
  opt('source-port', 'sport'),
  opt('sport', 'sport'),
  opt('destination-port', 'dport'),
  opt('dport', 'dport'),
];

function printPorts(name: string, r: PortRange | null, invert: boolean, proto: string, numeric: boolean): string {
  if (!r || (r.min === 0 && r.max === 0xffff && !invert)) return '';
  const inv = invert ? '!' : '';
  if (r.min === r.max) return ` ${name}:${inv}${portText(r.min, proto, numeric)}`;
  return ` ${name}s:${inv}${portText(r.min, proto, numeric)}:${portText(r.max, proto, numeric)}`;
}

function savePorts(name: string, r: PortRange | null, invert: boolean): string {
  if (!r || (r.min === 0 && r.max === 0xffff)) return '';
  const inv = invert ? ' !' : '';
  return r.min === r.max ? `${inv} --${name} ${r.min}` : `${inv} --${name} ${r.min}:${r.max}`;
}

function makeTcpUdp(kind: 'tcp' | 'udp'): MatchExtension<TcpUdpMatch> {
  const options: OptionDef[] = [...PORT_OPTIONS];
  if (kind === 'tcp') options.push(opt('syn', 'flags', false), opt('tcp-flags', 'flags'));
  return {
    name: kind,
    options,
    init(): TcpUdpMatch {
      return { kind, sport: null, sportInvert: false, dport: null, dportInvert: false, tcpFlags: null };
    },
    // libxt_tcp/libxt_udp are old-style parsers with their own "only one" messages
    parse(m, o, arg, invert, flags: OptionFlags, ctx: ParseContext): void {
      if (flags.has(o.id)) {
        if (o.id === 'sport') throw paramError("Only one `--source-port' allowed");
        if (o.id === 'dport') throw paramError("Only one `--destination-port' allowed");
        throw paramError("Only one of `--syn' or `--tcp-flags'  allowed");
      }
      flags.add(o.id);
      if (o.id === 'sport') {
        m.sport = parsePortRange(arg, kind);
        m.sportInvert = invert;
      } else if (o.id === 'dport') {
        m.dport = parsePortRange(arg, kind);
        m.dportInvert = invert;
      } else if (o.name === 'syn') {
        m.tcpFlags = { mask: 0x17, comp: 0x02, invert };
      } else {
        const comp = ctx.takeNextArg();
        if (comp === undefined || comp.startsWith('-') || comp.startsWith('!')) throw paramError('--tcp-flags requires two args.');
        m.tcpFlags = { mask: parseTcpFlags(arg), comp: parseTcpFlags(comp), invert };
      }
    },
    finalCheck(): void {},
    save(m): string {
      let s = savePorts('sport', m.sport, m.sportInvert) + savePorts('dport', m.dport, m.dportInvert);
      if (m.tcpFlags && (m.tcpFlags.mask !== 0 || m.tcpFlags.invert)) {
        s += `${m.tcpFlags.invert ? ' !' : ''} --tcp-flags ${tcpFlagsText(m.tcpFlags.mask)} ${tcpFlagsText(m.tcpFlags.comp)}`;
      }
      return s;
    },
    print(m, numeric): string {
      let s = ` ${kind}` + printPorts('spt', m.sport, m.sportInvert, kind, numeric) + printPorts('dpt', m.dport, m.dportInvert, kind, numeric);
      const f = m.tcpFlags;
      if (f && (f.mask !== 0 || f.invert)) {
        const hex = (v: number): string => `0x${v.toString(16).toUpperCase().padStart(2, '0')}`;
        s += ` flags:${f.invert ? '!' : ''}` + (numeric ? `${hex(f.mask)}/${hex(f.comp)}` : `${tcpFlagsText(f.mask)}/${tcpFlagsText(f.comp)}`);
      }
      return s;
    },
  };
}

export const tcpExtension = makeTcpUdp('tcp');
export const udpExtension = makeTcpUdp('udp');
