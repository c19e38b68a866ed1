// route (net-tools 2.10), ip (iproute2 6.1) and ifconfig (net-tools 2.10) on a simulated host:
// listings byte-exact to ../shared/reference/console/, changes through the Host's API with the
// kernel's errors in the tools' words.
import { ipv4ToString, macToString, prefixMask, tryIpv4FromString, type Ipv4Addr } from '../../wire/index.ts';
import type { Host, Interface, Route, RouteResult, RouteSpec } from '../../stack/index.ts';
import type { Program, Proc } from './interp.ts';
import { servicesOf, type IfaceCounters } from './services.ts';

const ERRNO_TEXT: Record<Exclude<RouteResult, 'ok'>, string> = {
  EEXIST: 'File exists',
  ESRCH: 'No such process',
  ENETUNREACH: 'Network is unreachable',
  ENODEV: 'No such device',
  EINVAL: 'Invalid argument',
};

function maskToString(prefixLen: number): string {
  return ipv4ToString(prefixMask(prefixLen) >>> 0);
}

/** The prefix length of a contiguous netmask, or -1. */
function maskToPrefix(mask: Ipv4Addr): number {
  let n = 0;
  while (n < 32 && ((mask >>> (31 - n)) & 1) === 1) n++;
  return ((prefixMask(n) >>> 0) === mask >>> 0) ? n : -1;
}

function broadcastOf(addr: Ipv4Addr, prefixLen: number): Ipv4Addr {
  return (addr | ~prefixMask(prefixLen)) >>> 0;
}

// ---------------------------------------------------------------------------------------------
// route

/** `route -n` / `route` lines (net-tools: "%-15s %-15s %-15s %-5s %-6d %-2d %7d %s"). */
export function formatRouteTable(routes: readonly Route[], numeric: boolean): string {
  let out = 'Kernel IP routing table\nDestination     Gateway         Genmask         Flags Metric Ref    Use Iface\n';
  for (const r of routes) {
    const dst = !numeric && r.prefixLen === 0 && r.dst === 0 ? 'default' : ipv4ToString(r.dst);
    const gw = r.gateway === null ? '0.0.0.0' : ipv4ToString(r.gateway);
    let flags = 'U';
    if (r.gateway !== null) flags += 'G';
    if (r.prefixLen === 32) flags += 'H';
    out += `${dst.padEnd(15)} ${gw.padEnd(15)} ${maskToString(r.prefixLen).padEnd(15)} ${flags.padEnd(5)} ${String(r.metric).padEnd(6)} ${'0'.padEnd(2)} ${'0'.padStart(7)} ${r.iface}\n`;
  }
  return out;
}

const ROUTE_USAGE = `Usage: route [-nNvee] [-FC] [<AF>]           List kernel routing tables
       route [-v] [-FC] {add|del|flush} ...  Modify routing table for AF.

       route {-h|--help} [<AF>]              Detailed usage syntax for specified AF.
       route {-V|--version}                  Display version/author and exit.

        -v, --verbose            be verbose
        -n, --numeric            don't resolve names
        -e, --extend             display other/more information
        -F, --fib                display Forwarding Information Base (default)
        -C, --cache              display routing cache instead of FIB

  <AF>=Use -4, -6, '-A <af>' or '--<af>'; default: inet
  List of possible address families (which support routing):
    inet (DARPA Internet) inet6 (IPv6) ax25 (AMPR AX.25) 
    netrom (AMPR NET/ROM) ipx (Novell IPX) ddp (Appletalk DDP) 
    x25 (CCITT X.25) 
`;

const INET_ROUTE_USAGE = `Usage: inet_route [-vF] del {-host|-net} Target[/prefix] [gw Gw] [metric M] [[dev] If]
       inet_route [-vF] add {-host|-net} Target[/prefix] [gw Gw] [metric M]
                              [netmask N] [mss Mss] [window W] [irtt I]
                              [mod] [dyn] [reinstate] [[dev] If]
       inet_route [-vF] add {-host|-net} Target[/prefix] [metric M] reject
       inet_route [-FC] flush      NOT supported
`;

/** Exit codes of net-tools (lib/net-support.h): E_USAGE 4, E_SOCK 7, E_LOOKUP 6. */
const E_LOOKUP = 6;
const E_USAGE = 4;
const E_SOCK = 7;

function parseRouteArgs(p: Proc, args: string[]): RouteSpec | number {
  let i = 0;
  let kind: 'net' | 'host' | null = null;
  if (args[i] === '-net' || args[i] === '-host') kind = args[i++] === '-net' ? 'net' : 'host';
  const target = args[i++];
  if (target === undefined) {
    p.err(INET_ROUTE_USAGE);
    return E_USAGE;
  }
  let dst: Ipv4Addr;
  let prefixLen: number;
  if (target === 'default') {
    dst = 0;
    prefixLen = 0;
  } else {
    const [a, len] = target.split('/');
    const addr = tryIpv4FromString(a ?? '');
    if (addr === undefined) {
      p.err(`${target}: Unknown host\n`);
      return E_LOOKUP;
    }
    dst = addr;
    prefixLen = len !== undefined ? Number(len) : kind === 'net' ? -1 : 32;
    if (len !== undefined && (!/^[0-9]+$/.test(len) || prefixLen > 32)) {
      p.err(`route: bogus netmask ${len}\n`);
      return E_OPTERR;
    }
  }
  const spec: RouteSpec = { dst, prefixLen: 0 };
  while (i < args.length) {
    const key = args[i++] as string;
    const val = args[i];
    if (key === 'gw' || key === 'netmask' || key === 'metric' || key === 'dev' || key === 'mss' || key === 'window' || key === 'irtt') {
      if (val === undefined) {
        p.err(INET_ROUTE_USAGE);
        return E_USAGE;
      }
      i++;
    }
    if (key === 'gw') {
      const g = tryIpv4FromString(val as string);
      if (g === undefined) {
        p.err(`${val as string}: Unknown host\n`);
        return E_LOOKUP;
      }
      spec.gateway = g;
    } else if (key === 'netmask') {
      const m = tryIpv4FromString(val as string);
      const len = m === undefined ? -1 : maskToPrefix(m);
      if (len < 0) {
        p.err(`route: bogus netmask ${val as string}\n`);
        return E_OPTERR;
      }
      prefixLen = len;
    } else if (key === 'metric') {
      const n = Number(val);
      if (!Number.isInteger(n) || n < 0) {
        p.err(INET_ROUTE_USAGE);
        return E_USAGE;
      }
      // net-tools passes metric+1 through the ioctl and the kernel stores it minus 1: the
      // table shows the metric given.
      spec.metric = n;
    } else if (key === 'dev') {
      spec.iface = val as string;
    } else if (key === 'mss' || key === 'window' || key === 'irtt' || key === 'mod' || key === 'dyn' || key === 'reinstate') {
      // Accepted and without effect on a simulated route.
    } else if (i === args.length && !key.startsWith('-')) {
      spec.iface = key;
    } else {
      p.err(INET_ROUTE_USAGE);
      return E_USAGE;
    }
  }
  if (prefixLen < 0) {
    // -net without a mask: the classful mask of the address (net-tools guesses it).
    const first = dst >>> 24;
    prefixLen = first < 128 ? 8 : first < 192 ? 16 : 24;
  }
  if (((dst & prefixMask(prefixLen)) >>> 0) !== dst) {
    p.err('route: netmask doesn\'t match route address\n');
    p.err(INET_ROUTE_USAGE);
    return E_USAGE;
  }
  spec.prefixLen = prefixLen;
  return spec;
}

const E_OPTERR = 3;

export const route: Program = (p) => {
  const host = servicesOf(p).host;
  const args = p.argv.slice(1);
  let numeric = false;
  while (args.length > 0 && (args[0] as string).startsWith('-') && args[0] !== '-net' && args[0] !== '-host') {
    const opt = args.shift() as string;
    if (opt === '-n' || opt === '--numeric') numeric = true;
    else if (opt === '-A' && args[0] === 'inet') args.shift();
    else if (opt === '-4' || opt === '--inet' || opt === '-e' || opt === '-ee' || opt === '-v' || opt === '-F') continue;
    else if (/^-[nevF]+$/.test(opt)) numeric = numeric || opt.includes('n');
    else {
      p.err(ROUTE_USAGE);
      p.done(E_USAGE);
      return;
    }
  }
  const verb = args.shift();
  if (verb === undefined) {
    p.out(formatRouteTable(host.routes.list(), numeric));
    p.done(0);
    return;
  }
  if (verb !== 'add' && verb !== 'del') {
    if (verb === 'flush') {
      p.err('Flushing `inet\' routing table not supported\n');
      p.done(E_USAGE);
      return;
    }
    p.err(ROUTE_USAGE);
    p.done(E_USAGE);
    return;
  }
  const spec = parseRouteArgs(p, args);
  if (typeof spec === 'number') {
    p.done(spec);
    return;
  }
  const r = verb === 'add' ? host.addRoute(spec) : host.delRoute(spec);
  if (r !== 'ok') {
    p.err(`${verb === 'add' ? 'SIOCADDRT' : 'SIOCDELRT'}: ${ERRNO_TEXT[r]}\n`);
    p.done(E_SOCK);
    return;
  }
  p.done(0);
};

// ---------------------------------------------------------------------------------------------
// ip

function ifIndex(host: Host, iface: Interface): number {
  return host.interfaces.indexOf(iface) + 2;
}

function linkFlags(iface: Interface): string {
  return iface.up ? 'BROADCAST,MULTICAST,UP,LOWER_UP' : 'BROADCAST,MULTICAST';
}

function linkHeader(host: Host, iface: Interface, withMode: boolean): string {
  const mode = withMode ? 'mode DEFAULT ' : '';
  const qdisc = iface.up ? 'noqueue' : 'noop';
  const state = iface.up ? 'UP' : 'DOWN';
  return `${ifIndex(host, iface)}: ${iface.name}: <${linkFlags(iface)}> mtu ${iface.mtu} qdisc ${qdisc} state ${state} ${mode}group default qlen 1000\n    link/ether ${macToString(iface.mac)} brd ff:ff:ff:ff:ff:ff\n`;
}

const LO_LINK = (withMode: boolean) =>
  `1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN ${withMode ? 'mode DEFAULT ' : ''}group default qlen 1000\n    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n`;

/** `ip addr` (iproute2 6.1, as ../shared/reference/console/route-ip.txt). */
export function formatIpAddr(host: Host, only?: Interface): string {
  let out = '';
  if (only === undefined) {
    out += LO_LINK(false) + '    inet 127.0.0.1/8 scope host lo\n       valid_lft forever preferred_lft forever\n';
  }
  for (const iface of host.interfaces) {
    if (only !== undefined && iface !== only) continue;
    out += linkHeader(host, iface, false);
    iface.addresses.forEach((a, i) => {
      const brd = a.prefixLen < 31 ? ` brd ${ipv4ToString(broadcastOf(a.addr, a.prefixLen))}` : '';
      // A second address in a subnet the interface already has is "secondary".
      const secondary = iface.addresses.slice(0, i).some((b) => b.prefixLen === a.prefixLen && ((b.addr ^ a.addr) & prefixMask(a.prefixLen)) === 0);
      out += `    inet ${ipv4ToString(a.addr)}/${a.prefixLen}${brd} scope global ${secondary ? 'secondary ' : ''}${iface.name}\n       valid_lft forever preferred_lft forever\n`;
    });
  }
  return out;
}

export function formatIpLink(host: Host, only?: Interface): string {
  let out = only === undefined ? LO_LINK(true) : '';
  for (const iface of host.interfaces) if (only === undefined || iface === only) out += linkHeader(host, iface, true);
  return out;
}

/** `ip route`: one line per route, each ending with a blank (iproute2 does). */
export function formatIpRoute(routes: readonly Route[]): string {
  let out = '';
  for (const r of routes) {
    const dst = r.prefixLen === 0 ? 'default' : r.prefixLen === 32 ? ipv4ToString(r.dst) : `${ipv4ToString(r.dst)}/${r.prefixLen}`;
    let line = dst;
    if (r.gateway !== null) line += ` via ${ipv4ToString(r.gateway)}`;
    line += ` dev ${r.iface}`;
    if (r.proto === 'kernel') line += ' proto kernel';
    if (r.gateway === null) line += ' scope link';
    if (r.prefSrc !== null) line += ` src ${ipv4ToString(r.prefSrc)}`;
    if (r.metric !== 0) line += ` metric ${r.metric}`;
    out += line + ' \n';
  }
  return out;
}

export function formatIpNeigh(host: Host): string {
  let out = '';
  for (const iface of host.interfaces) {
    for (const e of iface.neighbours.list()) {
      const lladdr = e.state === 'INCOMPLETE' || e.state === 'FAILED' ? '' : ` lladdr ${macToString(e.mac)}`;
      out += `${ipv4ToString(e.ip)} dev ${iface.name}${lladdr} ${e.state} \n`;
    }
  }
  return out;
}

const IP_USAGE = `Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }
       ip [ -force ] -batch filename
where  OBJECT := { address | addrlabel | amt | fou | help | ila | ioam | l2tp |
                   link | macsec | maddress | monitor | mptcp | mroute | mrule |
                   neighbor | neighbour | netconf | netns | nexthop | ntable |
                   ntbl | route | rule | sr | tap | tcpmetrics |
                   token | tunnel | tuntap | vrf | xfrm }
       OPTIONS := { -V[ersion] | -s[tatistics] | -d[etails] | -r[esolve] |
                    -h[uman-readable] | -iec | -j[son] | -p[retty] |
                    -f[amily] { inet | inet6 | mpls | bridge | link } |
                    -4 | -6 | -M | -B | -0 |
                    -l[oops] { maximum-addr-flush-attempts } | -br[ief] |
                    -o[neline] | -t[imestamp] | -ts[hort] | -b[atch] [filename] |
                    -rc[vbuf] [size] | -n[etns] name | -N[umeric] | -a[ll] |
                    -c[olor]}
`;

/** Matches an iproute2 keyword abbreviation: `a` for address, `r` for route, `li` for link. */
function matches(word: string | undefined, full: string, min = 1): boolean {
  return word !== undefined && word.length >= min && full.startsWith(word);
}

function ipRouteChange(p: Proc, host: Host, verb: 'add' | 'del', args: string[]): number {
  const target = args.shift();
  if (target === undefined) {
    p.err('Error: either "to" is duplicate, or "" is a garbage.\n');
    return 1;
  }
  let dst = 0;
  let prefixLen = 0;
  if (target !== 'default') {
    const [a, len] = target.split('/');
    const addr = tryIpv4FromString(a ?? '');
    const n = len === undefined ? 32 : Number(len);
    if (addr === undefined || !Number.isInteger(n) || n < 0 || n > 32) {
      p.err(`Error: any valid prefix is expected rather than "${target}".\n`);
      return 1;
    }
    dst = addr;
    prefixLen = n;
    if (((dst & prefixMask(prefixLen)) >>> 0) !== dst) {
      p.err('Error: Invalid prefix for given prefix length.\n');
      return 2;
    }
  }
  const spec: RouteSpec = { dst, prefixLen };
  while (args.length > 0) {
    const key = args.shift() as string;
    const val = args.shift();
    if (val === undefined) {
      p.err(`Command line is not complete. Try option "help"\n`);
      return 1;
    }
    if (key === 'via') {
      const g = tryIpv4FromString(val);
      if (g === undefined) {
        p.err(`Error: inet address is expected rather than "${val}".\n`);
        return 1;
      }
      spec.gateway = g;
    } else if (key === 'dev') spec.iface = val;
    else if (key === 'metric' || key === 'preference') spec.metric = Number(val);
    else if (key === 'proto' || key === 'scope' || key === 'src' || key === 'table') continue;
    else {
      p.err(`Error: either "to" is duplicate, or "${key}" is a garbage.\n`);
      return 1;
    }
  }
  if (spec.iface !== undefined && host.findInterface(spec.iface) === undefined) {
    p.err(`Cannot find device "${spec.iface}"\n`);
    return 1;
  }
  const r = verb === 'add' ? host.addRoute(spec) : host.delRoute(spec);
  if (r === 'ok') return 0;
  const msg: Record<Exclude<RouteResult, 'ok'>, string> = {
    EEXIST: 'RTNETLINK answers: File exists',
    ESRCH: 'RTNETLINK answers: No such process',
    ENETUNREACH: spec.gateway !== undefined ? 'Error: Nexthop has invalid gateway.' : 'RTNETLINK answers: Network is unreachable',
    ENODEV: 'Error: Device for nexthop is not up.',
    EINVAL: 'RTNETLINK answers: Invalid argument',
  };
  p.err(msg[r] + '\n');
  return 2;
}

function ipAddrChange(p: Proc, host: Host, verb: 'add' | 'del', args: string[]): number {
  const target = args.shift();
  let dev: string | undefined;
  while (args.length > 0) {
    const key = args.shift();
    const val = args.shift();
    if (key === 'dev') dev = val;
    else if (key === 'brd' || key === 'broadcast' || key === 'scope' || key === 'label') continue;
    else {
      p.err(`Error: either "local" is duplicate, or "${key ?? ''}" is a garbage.\n`);
      return 1;
    }
  }
  const [a, len] = (target ?? '').split('/');
  const addr = tryIpv4FromString(a ?? '');
  const n = len === undefined ? 32 : Number(len);
  if (addr === undefined || !Number.isInteger(n) || n < 0 || n > 32) {
    p.err(`Error: any valid prefix is expected rather than "${target ?? ''}".\n`);
    return 1;
  }
  if (dev === undefined) {
    p.err('Not enough information: "dev" argument is required.\n');
    return 1;
  }
  if (host.findInterface(dev) === undefined) {
    p.err(`Cannot find device "${dev}"\n`);
    return 1;
  }
  const r = verb === 'add' ? host.addAddress(dev, addr, n) : host.delAddress(dev, addr);
  if (r === 'ok') return 0;
  p.err(r === 'EEXIST' ? 'RTNETLINK answers: File exists\n' : r === 'ESRCH' ? 'RTNETLINK answers: Cannot assign requested address\n' : `RTNETLINK answers: ${ERRNO_TEXT[r]}\n`);
  return 2;
}

export const ip: Program = (p) => {
  const host = servicesOf(p).host;
  const args = p.argv.slice(1);
  while (args.length > 0 && (args[0] === '-4' || args[0] === '-f' || args[0] === 'inet')) args.shift();
  const obj = args.shift();
  const cmd = args.shift();
  const finish = (code: number) => p.done(code);
  if (obj === undefined || obj === 'help') {
    p.err(IP_USAGE);
    finish(obj === undefined ? 255 : 0);
    return;
  }
  const listing = cmd === undefined || matches(cmd, 'show') || matches(cmd, 'list');
  const devArg = (): Interface | null | undefined => {
    if (args[0] === 'dev') args.shift();
    const name = args.shift();
    if (name === undefined) return null;
    const i = host.findInterface(name);
    if (i === undefined) {
      p.err(`Device "${name}" does not exist.\n`);
      return undefined;
    }
    return i;
  };
  if (matches(obj, 'address') || obj === 'addr') {
    if (listing) {
      const d = devArg();
      if (d === undefined) return finish(1);
      p.out(formatIpAddr(host, d ?? undefined));
      return finish(0);
    }
    if (cmd === 'add' || cmd === 'del' || matches(cmd, 'delete', 3)) return finish(ipAddrChange(p, host, cmd === 'add' ? 'add' : 'del', args));
  } else if (matches(obj, 'route')) {
    if (listing) {
      p.out(formatIpRoute(host.routes.list()));
      return finish(0);
    }
    if (cmd === 'add' || cmd === 'del' || matches(cmd, 'delete', 3)) return finish(ipRouteChange(p, host, cmd === 'add' ? 'add' : 'del', args));
  } else if (matches(obj, 'link')) {
    if (listing) {
      const d = devArg();
      if (d === undefined) return finish(1);
      p.out(formatIpLink(host, d ?? undefined));
      return finish(0);
    }
    if (cmd === 'set') {
      if (args[0] === 'dev') args.shift();
      const name = args.shift();
      const state = args.shift();
      if (name === undefined || host.findInterface(name) === undefined) {
        p.err(`Cannot find device "${name ?? ''}"\n`);
        return finish(1);
      }
      if (state !== 'up' && state !== 'down') {
        p.err(`Error: either "dev" is duplicate, or "${state ?? ''}" is a garbage.\n`);
        return finish(1);
      }
      host.setLinkUp(name, state === 'up');
      return finish(0);
    }
  } else if (matches(obj, 'neighbour') || matches(obj, 'neighbor')) {
    if (listing) {
      p.out(formatIpNeigh(host));
      return finish(0);
    }
  } else {
    p.err(`Object "${obj}" is unknown, try "ip help".\n`);
    return finish(1);
  }
  p.err(`Command "${cmd ?? ''}" is unknown, try "ip ${obj} help".\n`);
  finish(1);
};

// ---------------------------------------------------------------------------------------------
// ifconfig

/** "(336.0 B)", "(1.5 KiB)": net-tools' scaled byte counts. */
export function scaledBytes(n: number): string {
  const units = ['', 'Ki', 'Mi', 'Gi', 'Ti'];
  let short = n * 10;
  let i = 0;
  while (i < 4 && short >= 10240) {
    short = Math.floor(short / 1024);
    i++;
  }
  return `${Math.floor(short / 10)}.${short % 10} ${units[i] as string}B`;
}

function counterLines(c: IfaceCounters): string {
  return (
    `        RX packets ${c.rxPackets}  bytes ${c.rxBytes} (${scaledBytes(c.rxBytes)})\n` +
    '        RX errors 0  dropped 0  overruns 0  frame 0\n' +
    `        TX packets ${c.txPackets}  bytes ${c.txBytes} (${scaledBytes(c.txBytes)})\n` +
    '        TX errors 0  dropped 0 overruns 0  carrier 0  collisions 0\n'
  );
}

export function formatIfconfigEntry(iface: Interface, c: IfaceCounters): string {
  const flags = iface.up ? 'flags=4163<UP,BROADCAST,RUNNING,MULTICAST>' : 'flags=4098<BROADCAST,MULTICAST>';
  let out = `${iface.name}: ${flags}  mtu ${iface.mtu}\n`;
  const a = iface.addresses[0];
  if (a !== undefined) {
    const brd = a.prefixLen < 31 ? `  broadcast ${ipv4ToString(broadcastOf(a.addr, a.prefixLen))}` : '';
    out += `        inet ${ipv4ToString(a.addr)}  netmask ${maskToString(a.prefixLen)}${brd}\n`;
  }
  out += `        ether ${macToString(iface.mac)}  txqueuelen 1000  (Ethernet)\n`;
  return out + counterLines(c) + '\n';
}

const LO_IFCONFIG =
  'lo: flags=73<UP,LOOPBACK,RUNNING>  mtu 65536\n' +
  '        inet 127.0.0.1  netmask 255.0.0.0\n' +
  '        loop  txqueuelen 1000  (Local Loopback)\n' +
  counterLines({ rxPackets: 0, rxBytes: 0, txPackets: 0, txBytes: 0 }) +
  '\n';

export const ifconfig: Program = (p) => {
  const s = servicesOf(p);
  const host = s.host;
  const args = p.argv.slice(1);
  const all = args[0] === '-a';
  if (all) args.shift();
  if (args.length === 0) {
    let out = '';
    for (const i of host.interfaces) if (i.up || all) out += formatIfconfigEntry(i, s.counters(i));
    p.out(out + LO_IFCONFIG);
    p.done(0);
    return;
  }
  const name = args.shift() as string;
  if (name === 'lo' && args.length === 0) {
    p.out(LO_IFCONFIG);
    p.done(0);
    return;
  }
  const iface = host.findInterface(name);
  if (iface === undefined) {
    p.err(args.length === 0 ? `${name}: error fetching interface information: Device not found\n` : `SIOCSIFADDR: No such device\n${name}: ERROR while getting interface flags: No such device\n`);
    p.done(1);
    return;
  }
  if (args.length === 0) {
    p.out(formatIfconfigEntry(iface, s.counters(iface)));
    p.done(0);
    return;
  }
  let addr: Ipv4Addr | undefined;
  let prefixLen: number | undefined;
  let up: boolean | undefined;
  while (args.length > 0) {
    const a = args.shift() as string;
    if (a === 'up' || a === 'down') up = a === 'up';
    else if (a === 'netmask') {
      const m = tryIpv4FromString(args.shift() ?? '');
      const len = m === undefined ? -1 : maskToPrefix(m);
      if (len < 0) {
        p.err('SIOCSIFNETMASK: Invalid argument\n');
        p.done(1);
        return;
      }
      prefixLen = len;
    } else if (a === 'broadcast' || a === 'mtu') {
      args.shift();
    } else {
      const [x, len] = a.split('/');
      const v = tryIpv4FromString(x ?? '');
      if (v === undefined) {
        p.err(`${a}: Unknown host\nifconfig: \`--help' gives usage information.\n`);
        p.done(1);
        return;
      }
      addr = v;
      if (len !== undefined) prefixLen = Number(len);
    }
  }
  if (addr !== undefined) {
    // Without a netmask ifconfig uses the address's class mask.
    const first = addr >>> 24;
    const len = prefixLen ?? (first < 128 ? 8 : first < 192 ? 16 : 24);
    host.setPrimaryAddress(name, addr, len);
  } else if (prefixLen !== undefined) {
    const cur = iface.addresses[0];
    if (cur !== undefined) host.setPrimaryAddress(name, cur.addr, prefixLen);
  }
  if (up !== undefined) host.setLinkUp(name, up);
  p.done(0);
};

// ---------------------------------------------------------------------------------------------
// iptables family and conntrack: the host's netfilter runs them

export const netfilterCommand: Program = (p) => {
  const nf = servicesOf(p).netfilter;
  const name = p.argv[0] ?? '';
  if (nf === null) {
    p.err(`bash: ${name}: command not found\n`);
    p.done(127);
    return;
  }
  const base = name.slice(name.lastIndexOf('/') + 1);
  const stdin = base.endsWith('-restore') ? new TextDecoder().decode(p.stdin) : undefined;
  const r = nf.exec([base, ...p.argv.slice(1)], stdin);
  p.out(r.stdout);
  p.err(r.stderr);
  p.done(r.exitCode);
};
