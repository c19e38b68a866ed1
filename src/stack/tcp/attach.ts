// Wires a TcpStack into a Host: TCP segments and ICMP errors for protocol 6 come in through the
// host's transport registry, segments go out through host.sendIpv4 (OUTPUT, POSTROUTING, ARP).

import { IP_PROTO_TCP } from '../../wire/index.ts';
import type { Host } from '../host.ts';
import type { TcpConfig } from './config.ts';
import { TcpStack } from './stack.ts';

const stacks = new WeakMap<Host, TcpStack>();

/** The TCP attached to `host`, if any. */
export function tcpOf(host: Host): TcpStack | undefined {
  return stacks.get(host);
}

/** Gives `host` a Linux-like TCP (random stream `<host>/tcp`) and returns it (once per host). */
export function attachTcp(host: Host, config?: Partial<TcpConfig>): TcpStack {
  const had = stacks.get(host);
  if (had !== undefined) return had;
  const tcp = new TcpStack(
    {
      hostName: host.name,
      scheduler: host.scheduler,
      sourceAddressFor: (dst) => host.selectSource(dst),
      sendIpv4: (p) => {
        host.sendIpv4({
          src: p.src,
          dst: p.dst,
          protocol: p.protocol,
          payload: p.payload,
          ipId: p.ipId,
          ttl: p.ttl,
          df: p.df,
          confirmNeighbour: p.confirmNeighbour,
        });
      },
      sendIpv4Written: (p, w) => {
        host.sendIpv4Written(p, w);
      },
    },
    host.rng('tcp'),
    config,
  );
  host.registerProtocol(IP_PROTO_TCP, {
    input: (segment, ip) => tcp.input(ip.src, ip.dst, segment),
    icmpError: (e) => tcp.icmpError(e.icmpType, e.code, e.src, e.dst, e.quotedPayload),
  });
  stacks.set(host, tcp);
  return tcp;
}
