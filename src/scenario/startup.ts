// What lbsim understands of a host's startup script (Netkit `host.startup`, Kathará likewise, and
// the `boot:` lines of a scenario): one line -> the actions it performs. A line outside this
// vocabulary is an error naming it, never silently skipped, except the documented no-ops.
import { type Cidr, isMac, parseCidrStrict, parseIpv4Strict, prefixOfMask } from './addr.ts';
import { type ShellToken, splitShellWords } from './shell-words.ts';

export type BootAction =
  | { kind: 'address'; iface: string; cidr: Cidr; replace: boolean } // ifconfig replaces, ip address add adds
  | { kind: 'link'; iface: string; up?: boolean; mac?: string }
  | { kind: 'route'; op: 'add' | 'del'; to: Cidr | 'default'; via?: number; dev?: string }
  | { kind: 'iptables'; argv: string[] } // argv[0]: iptables, iptables-legacy, iptables-nft
  | { kind: 'ip_forward'; on: boolean }
  | { kind: 'service'; name: 'apache2'; action: 'start' | 'restart' | 'stop' }
  | { kind: 'file'; path: string; text: string; append: boolean }
  | { kind: 'noop'; why: string };

export type ClassifyResult = { ok: true; actions: BootAction[] } | { ok: false; problem: string; expected: string };

export const ACCEPTED_STARTUP_FORMS = [
  'ifconfig IFACE ADDR [netmask MASK] [broadcast B] [up|down]',
  'ifconfig IFACE ADDR/LEN [up]',
  'ifconfig IFACE up|down | hw ether MAC',
  'ip address add ADDR/LEN [brd +] dev IFACE',
  'ip link set [dev] IFACE up|down|address MAC',
  'route add|del default gw G [dev IFACE]',
  'route add|del -net NET netmask MASK | -net NET/LEN | -host H  [gw G] [dev IFACE]',
  'ip route add|del default|NET/LEN [via G] [dev IFACE]',
  'iptables … / iptables-legacy … / iptables-nft …',
  'echo 0|1 > /proc/sys/net/ipv4/ip_forward',
  'sysctl [-w] net.ipv4.ip_forward=0|1',
  '/etc/init.d/apache2 start|restart|stop, systemctl start|restart|stop apache2, service apache2 start|restart|stop',
  'echo TEXT >> FILE (e.g. /root/.bashrc) or echo TEXT > FILE',
  'blank lines and # comments',
];

const EXPECTED = 'a startup command lbsim models (docs/scenario.md, "Boot lines"): ifconfig, ip address add, '
  + 'ip link set, ip route add|del, route add|del, iptables, iptables-legacy, echo 1 > /proc/sys/net/ipv4/ip_forward, '
  + 'sysctl -w net.ipv4.ip_forward=1, /etc/init.d/apache2 start, systemctl start apache2, echo TEXT >> FILE';

export function classifyStartupLine(raw: string): ClassifyResult {
  const line = raw.replace(/\r$/, '');
  const split = splitShellWords(line);
  if (!split.ok) return fail(`${split.message} at column ${split.column}`);
  const tokens = split.tokens;
  if (tokens.length === 0) return ok([]);
  const first = tokens[0]!;
  if (first.kind !== 'word') return fail(`a line cannot start with "${first.text}"`);
  const prog = basename(first.text);
  const ops = tokens.filter((t) => t.kind === 'op');
  if (prog === 'echo') return echoLine(tokens);
  if (ops.length > 0) return fail(`cannot model "${ops[0]!.text}" in a ${prog} line`);
  const args = tokens.slice(1).map((t) => t.text);
  switch (prog) {
    case 'ifconfig':
      return ifconfigLine(args);
    case 'ip':
      return ipLine(args);
    case 'route':
      return routeLine(args);
    case 'iptables':
    case 'iptables-legacy':
    case 'iptables-nft':
      return ok([{ kind: 'iptables', argv: [prog, ...args] }]);
    case 'sysctl':
      return sysctlLine(args);
    case 'systemctl':
      return serviceLine(args[0], args[1]);
    case 'service':
      return serviceLine(args[1], args[0]);
    default:
      if (first.text === '/etc/init.d/apache2') return serviceLine(args[0], 'apache2');
      return fail(`cannot model the command "${prog}"`);
  }
}

function ok(actions: BootAction[]): ClassifyResult {
  return { ok: true, actions };
}

function fail(problem: string): ClassifyResult {
  return { ok: false, problem, expected: EXPECTED };
}

function basename(p: string): string {
  const i = p.lastIndexOf('/');
  // /sbin/iptables and /usr/sbin/ifconfig are the same programs; /etc/init.d/x is a service script.
  if (p.startsWith('/etc/init.d/')) return p;
  return i >= 0 ? p.slice(i + 1) : p;
}

const IFACE = /^(eth[0-9]+|lo)$/;

/** Classful default mask, as ifconfig applies when no netmask is given. */
function classfulPrefix(addr: number): number {
  const top = addr >>> 24;
  if (top < 128) return 8;
  if (top < 192) return 16;
  return 24;
}

function ifconfigLine(args: string[]): ClassifyResult {
  const iface = args[0];
  if (iface === undefined) return fail('ifconfig without an interface lists interfaces; nothing to model at boot');
  if (!IFACE.test(iface)) return fail(`unknown interface "${iface}"`);
  const actions: BootAction[] = [];
  let i = 1;
  let addr: number | undefined;
  let prefix: number | undefined;
  const a1 = args[1];
  if (a1 !== undefined && /^[0-9]/.test(a1)) {
    if (a1.includes('/')) {
      const c = parseCidrStrict(a1);
      if (!c) return fail(`bad address "${a1}"`);
      addr = c.addr;
      prefix = c.prefixLen;
    } else {
      addr = parseIpv4Strict(a1);
      if (addr === undefined) return fail(`bad address "${a1}"`);
    }
    i = 2;
  }
  let up: boolean | undefined;
  let mac: string | undefined;
  for (; i < args.length; i++) {
    const w = args[i]!;
    const next = args[i + 1];
    if (w === 'netmask' && next !== undefined) {
      const p = prefixOfMask(next);
      if (p === undefined) return fail(`bad netmask "${next}"`);
      prefix = p;
      i++;
    } else if ((w === 'broadcast' || w === 'brd') && next !== undefined) {
      if (parseIpv4Strict(next) === undefined) return fail(`bad broadcast address "${next}"`);
      i++; // the broadcast address follows from address and mask on these subnets
    } else if (w === 'up' || w === 'down') {
      up = w === 'up';
    } else if (w === 'hw' && next === 'ether' && args[i + 2] !== undefined) {
      if (!isMac(args[i + 2]!)) return fail(`bad MAC address "${args[i + 2]}"`);
      mac = args[i + 2]!.toLowerCase();
      i += 2;
    } else if (w === 'mtu' && next === '1500') {
      i++;
    } else {
      return fail(`cannot model ifconfig argument "${w}"`);
    }
  }
  if (iface === 'lo') return ok([{ kind: 'noop', why: 'the loopback interface is always up' }]);
  if (addr !== undefined) {
    actions.push({ kind: 'address', iface, cidr: { addr, prefixLen: prefix ?? classfulPrefix(addr) }, replace: true });
    // ifconfig with an address brings the interface up, as on Linux.
    if (up === undefined) up = true;
  } else if (prefix !== undefined) {
    return fail('a netmask without an address cannot be modelled');
  }
  if (up !== undefined || mac !== undefined) {
    const link: BootAction = { kind: 'link', iface };
    if (up !== undefined) link.up = up;
    if (mac !== undefined) link.mac = mac;
    actions.push(link);
  }
  if (actions.length === 0) return fail('ifconfig IFACE alone only prints the interface');
  return ok(actions);
}

function isPrefixOf(word: string | undefined, full: string, min: number): boolean {
  return word !== undefined && word.length >= min && full.startsWith(word);
}

function ipLine(argsIn: string[]): ClassifyResult {
  const args = argsIn.filter((a) => a !== '-4');
  const obj = args[0];
  const cmd = args[1];
  if (isPrefixOf(obj, 'address', 1) && (cmd === 'add' || cmd === 'a')) {
    let cidr: Cidr | undefined;
    let dev: string | undefined;
    for (let i = 2; i < args.length; i++) {
      const w = args[i]!;
      if (w === 'dev') {
        dev = args[++i];
      } else if (w === 'brd' || w === 'broadcast') {
        i++;
      } else if (w === 'label') {
        i++;
      } else if (cidr === undefined && w !== 'local') {
        cidr = parseCidrStrict(w);
        if (!cidr) {
          const a = parseIpv4Strict(w);
          if (a === undefined) return fail(`bad address "${w}"`);
          cidr = { addr: a, prefixLen: 32 }; // ip address add without /LEN means /32
        }
      } else if (w !== 'local') {
        return fail(`cannot model ip address argument "${w}"`);
      }
    }
    if (!cidr) return fail('ip address add needs ADDR/LEN');
    if (dev === undefined || !IFACE.test(dev)) return fail('ip address add needs "dev IFACE"');
    if (dev === 'lo') return ok([{ kind: 'noop', why: 'loopback addresses are not modelled' }]);
    return ok([{ kind: 'address', iface: dev, cidr, replace: false }]);
  }
  if (isPrefixOf(obj, 'link', 1) && cmd === 'set') {
    let i = 2;
    if (args[i] === 'dev') i++;
    const iface = args[i++];
    if (iface === undefined || !IFACE.test(iface)) return fail(`ip link set needs an interface, got "${iface ?? ''}"`);
    const link: BootAction = { kind: 'link', iface };
    for (; i < args.length; i++) {
      const w = args[i]!;
      if (w === 'up' || w === 'down') link.up = w === 'up';
      else if (w === 'address' && args[i + 1] !== undefined && isMac(args[i + 1]!)) link.mac = args[++i]!.toLowerCase();
      else return fail(`cannot model ip link argument "${w}"`);
    }
    if (iface === 'lo') return ok([{ kind: 'noop', why: 'the loopback interface is always up' }]);
    return ok([link]);
  }
  if (isPrefixOf(obj, 'route', 1) && (cmd === 'add' || cmd === 'del' || cmd === 'delete')) {
    const op = cmd === 'add' ? 'add' : 'del';
    const dst = args[2];
    let to: Cidr | 'default';
    if (dst === 'default' || dst === '0.0.0.0/0') to = 'default';
    else {
      const c = dst === undefined ? undefined : parseCidrStrict(dst) ?? hostCidr(dst);
      if (!c) return fail(`bad route destination "${dst ?? ''}"`);
      to = c;
    }
    const route: BootAction = { kind: 'route', op, to };
    for (let i = 3; i < args.length; i++) {
      const w = args[i]!;
      const next = args[i + 1];
      if (w === 'via' && next !== undefined) {
        const g = parseIpv4Strict(next);
        if (g === undefined) return fail(`bad gateway "${next}"`);
        route.via = g;
        i++;
      } else if (w === 'dev' && next !== undefined && IFACE.test(next)) {
        route.dev = next;
        i++;
      } else return fail(`cannot model ip route argument "${w}"`);
    }
    if (op === 'add' && route.via === undefined && route.dev === undefined) return fail('ip route add needs "via G" or "dev IFACE"');
    return ok([route]);
  }
  return fail(`cannot model "ip ${args.join(' ')}"`);
}

function hostCidr(text: string): Cidr | undefined {
  const a = parseIpv4Strict(text);
  return a === undefined ? undefined : { addr: a, prefixLen: 32 };
}

function routeLine(args: string[]): ClassifyResult {
  const op = args[0];
  if (op !== 'add' && op !== 'del') return fail('route needs "add" or "del"');
  let to: Cidr | 'default' | undefined;
  let mask: number | undefined;
  let i = 1;
  const w1 = args[1];
  if (w1 === 'default') {
    to = 'default';
    i = 2;
  } else if (w1 === '-net' || w1 === '-host') {
    const target = args[2];
    if (target === undefined) return fail(`route ${op} ${w1} needs an address`);
    if (target === 'default' || target === '0.0.0.0') {
      to = 'default';
    } else {
      const c = parseCidrStrict(target) ?? hostCidr(target);
      if (!c) return fail(`bad route destination "${target}"`);
      to = c;
      if (w1 === '-host') to = { addr: c.addr, prefixLen: 32 };
    }
    i = 3;
  } else {
    return fail('route add|del needs "default", "-net NET" or "-host H"');
  }
  const route: BootAction = { kind: 'route', op, to };
  for (; i < args.length; i++) {
    const w = args[i]!;
    const next = args[i + 1];
    if (w === 'netmask' && next !== undefined) {
      mask = prefixOfMask(next);
      if (mask === undefined) return fail(`bad netmask "${next}"`);
      i++;
    } else if (w === 'gw' && next !== undefined) {
      const g = parseIpv4Strict(next);
      if (g === undefined) return fail(`bad gateway "${next}"`);
      route.via = g;
      i++;
    } else if (w === 'dev' && next !== undefined && IFACE.test(next)) {
      route.dev = next;
      i++;
    } else if (IFACE.test(w) && i === args.length - 1) {
      route.dev = w; // net-tools accepts the device as the last word
    } else if (w === 'metric' && next === '0') {
      i++;
    } else return fail(`cannot model route argument "${w}"`);
  }
  if (to !== 'default' && mask !== undefined) route.to = { addr: to.addr, prefixLen: mask };
  if (op === 'add' && route.via === undefined && route.dev === undefined) return fail('route add needs "gw G" or "dev IFACE"');
  return ok([route]);
}

function sysctlLine(args: string[]): ClassifyResult {
  const rest = args.filter((a) => a !== '-w' && a !== '-q');
  if (rest.length !== 1) return fail('sysctl needs one KEY=VALUE');
  const m = /^net[./]ipv4[./](ip_forward|conf[./]all[./]forwarding)=([01])$/.exec(rest[0]!);
  if (!m) return fail(`cannot model the sysctl "${rest[0]}" (only net.ipv4.ip_forward)`);
  return ok([{ kind: 'ip_forward', on: m[2] === '1' }]);
}

function serviceLine(action: string | undefined, name: string | undefined): ClassifyResult {
  const unit = name?.replace(/\.service$/, '');
  if (unit !== 'apache2') return fail(`cannot model the service "${name ?? ''}" (only apache2)`);
  if (action !== 'start' && action !== 'restart' && action !== 'stop') {
    return fail(`cannot model "${action ?? ''}" of apache2 (start, restart or stop)`);
  }
  return ok([{ kind: 'service', name: 'apache2', action }]);
}

function echoLine(tokens: ShellToken[]): ClassifyResult {
  let i = 1;
  let newline = true;
  if (tokens[i]?.kind === 'word' && tokens[i]!.text === '-n') {
    newline = false;
    i++;
  }
  const words: string[] = [];
  for (; i < tokens.length && tokens[i]!.kind === 'word'; i++) words.push(tokens[i]!.text);
  const op = tokens[i];
  const target = tokens[i + 1];
  if (op === undefined) return ok([{ kind: 'noop', why: 'echo to the boot console' }]);
  if (op.kind !== 'op' || (op.text !== '>' && op.text !== '>>') || target?.kind !== 'word' || i + 2 !== tokens.length) {
    return fail('only "echo TEXT > FILE" and "echo TEXT >> FILE" can be modelled');
  }
  const text = words.join(' ') + (newline ? '\n' : '');
  const path = target.text.replace(/^~\//, '/root/');
  if (path === '/proc/sys/net/ipv4/ip_forward' || path === '/proc/sys/net/ipv4/conf/all/forwarding') {
    const v = words.join(' ').trim();
    if (v !== '0' && v !== '1') return fail(`ip_forward takes 0 or 1, not "${v}"`);
    return ok([{ kind: 'ip_forward', on: v === '1' }]);
  }
  if (path.startsWith('/proc/') || path.startsWith('/sys/')) return fail(`cannot model writing to ${path}`);
  if (!path.startsWith('/')) return fail(`"${target.text}" is relative; a startup file writes absolute paths`);
  return ok([{ kind: 'file', path, text, append: op.text === '>>' }]);
}
