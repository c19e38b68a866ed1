// ping (iputils 20221126) on a simulated host: the stack's Pinger sends and matches, this prints
// what iputils prints (ping_common.c: per-reply lines, finish() statistics) with virtual-time RTTs.
import { Pinger, type PingSummary } from '../../stack/index.ts';
import { ipv4ToString, tryIpv4FromString } from '../../wire/index.ts';
import type { Program } from './interp.ts';
import { servicesOf } from './services.ts';

/** iputils' "time=" of one reply, from an RTT in microseconds. */
export function formatRttMicros(us: number): string {
  if (us >= 100000 - 50) return `${Math.floor((us + 500) / 1000)} ms`;
  if (us >= 10000 - 5) return `${Math.floor((us + 50) / 1000)}.${Math.floor(((us + 50) % 1000) / 100)} ms`;
  if (us >= 1000) return `${Math.floor((us + 5) / 1000)}.${String(Math.floor(((us + 5) % 1000) / 10)).padStart(2, '0')} ms`;
  return `${Math.floor(us / 1000)}.${String(us % 1000).padStart(3, '0')} ms`;
}

/** printf("%g") for a percentage (6 significant digits, no trailing zeros). */
function formatG(v: number): string {
  if (v === 0) return '0';
  const s = v.toPrecision(6);
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

function ms3(us: number): string {
  return `${Math.floor(us / 1000)}.${String(us % 1000).padStart(3, '0')}`;
}

/** The statistics block iputils prints at the end (finish()). */
export function formatPingSummary(s: PingSummary): string {
  let out = `\n--- ${ipv4ToString(s.dst)} ping statistics ---\n`;
  out += `${s.transmitted} packets transmitted, ${s.received} received`;
  if (s.duplicates > 0) out += `, +${s.duplicates} duplicates`;
  if (s.errors > 0) out += `, +${s.errors} errors`;
  if (s.transmitted > 0) {
    const loss = ((s.transmitted - s.received) * 100) / s.transmitted;
    const elapsedUs = Math.floor(s.elapsedNs / 1000);
    out += `, ${formatG(loss)}% packet loss, time ${Math.floor((elapsedUs + 500) / 1000)}ms`;
  }
  out += '\n';
  if (s.received > 0) {
    const us = s.rttsNs.map((ns) => Math.floor(ns / 1000));
    const total = us.length;
    let tsum = 0;
    let tsum2 = 0;
    for (const u of us) {
      tsum += u;
      tsum2 += u * u;
    }
    const tmavg = Math.floor(tsum / total);
    // iputils' order of integer operations, to round as it does.
    const tmvar = Math.floor((tsum2 - Math.floor((tsum * tsum) / total)) / total);
    const tmdev = Math.floor(Math.sqrt(Math.max(0, tmvar)));
    out += `rtt min/avg/max/mdev = ${ms3(Math.min(...us))}/${ms3(tmavg)}/${ms3(Math.max(...us))}/${ms3(tmdev)} ms`;
  }
  return out + '\n';
}

const ICMP_UNREACH_TEXT: Record<number, string> = {
  0: 'Destination Net Unreachable',
  1: 'Destination Host Unreachable',
  2: 'Destination Protocol Unreachable',
  3: 'Destination Port Unreachable',
  4: 'Frag needed and DF set',
  5: 'Source Route Failed',
  9: 'Destination Net Prohibited',
  10: 'Destination Host Prohibited',
  13: 'Packet filtered',
};

export const ping: Program = (p) => {
  const host = servicesOf(p).host;
  const args = p.argv.slice(1);
  let count: number | undefined;
  let intervalNs: number | undefined;
  let size: number | undefined;
  let ttl: number | undefined;
  let dest: string | undefined;
  const bad = (msg: string, code = 2) => {
    p.err(msg);
    p.done(code);
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    const m = /^-([cistW])(.*)$/.exec(a);
    if (m !== null) {
      const v = m[2] !== '' ? (m[2] as string) : args[++i];
      if (v === undefined) return bad(`ping: option requires an argument -- '${m[1] as string}'\n`);
      const n = Number(v);
      switch (m[1]) {
        case 'c':
          if (!Number.isInteger(n) || n < 1) return bad(`ping: invalid argument: '${v}': out of range: 1 <= value <= 9223372036854775807\n`, 1);
          count = n;
          break;
        case 'i':
          if (!Number.isFinite(n) || n < 0) return bad(`ping: bad timing interval: ${v}\n`, 1);
          intervalNs = Math.round(n * 1e9);
          break;
        case 's':
          if (!Number.isInteger(n) || n < 0 || n > 65507) return bad(`ping: invalid argument: '${v}': out of range: 0 <= value <= 65507\n`, 1);
          size = n;
          break;
        case 't':
          if (!Number.isInteger(n) || n < 1 || n > 255) return bad(`ping: invalid argument: '${v}': out of range: 1 <= value <= 255\n`, 1);
          ttl = n;
          break;
        default:
          break;
      }
    } else if (a === '-n' || a === '-q' || a === '-4') {
      continue;
    } else if (a.startsWith('-')) {
      return bad(`ping: invalid option -- '${a.slice(1, 2)}'\n`);
    } else {
      dest = a;
    }
  }
  if (dest === undefined) return bad('ping: usage error: Destination address required\n', 1);
  const dst = tryIpv4FromString(dest);
  if (dst === undefined) return bad(`ping: ${dest}: Name or service not known\n`);
  if (host.selectSource(dst) === undefined) return bad('ping: connect: Network is unreachable\n');
  const data = size ?? 56;
  p.out(`PING ${dest} (${ipv4ToString(dst)}) ${data}(${data + 28}) bytes of data.\n`);
  const pinger = new Pinger(
    host,
    { dst, ...(count !== undefined ? { count } : {}), ...(intervalNs !== undefined ? { intervalNs } : {}), ...(size !== undefined ? { size } : {}), ...(ttl !== undefined ? { ttl } : {}) },
    {
      onReply: (r) => {
        const us = Math.floor(r.rttNs / 1000);
        p.out(`${r.bytes} bytes from ${ipv4ToString(r.from)}: icmp_seq=${r.seq} ttl=${r.ttl} time=${formatRttMicros(us)}${r.duplicate ? ' (DUP!)' : ''}\n`);
      },
      onError: (e) => {
        const text = e.icmpType === 3 ? (ICMP_UNREACH_TEXT[e.code] ?? `Dest Unreachable, Bad Code: ${e.code}`) : e.icmpType === 11 ? 'Time to live exceeded' : `Bad ICMP type: ${e.icmpType}`;
        p.out(`From ${ipv4ToString(e.from)} icmp_seq=${e.seq} ${text}\n`);
      },
      onSendError: (_seq, err) => {
        p.err(`ping: sendmsg: ${err === 'ENETUNREACH' ? 'Network is unreachable' : err === 'EPERM' ? 'Operation not permitted' : 'Invalid argument'}\n`);
      },
      onDone: (s) => {
        p.out(formatPingSummary(s));
        p.done(s.received > 0 ? 0 : 1);
      },
    },
  );
  pinger.start();
};
