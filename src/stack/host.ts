// A Linux-like IPv4 host: interfaces, addresses, routes, neighbour caches, forwarding, ICMP, and
// the netfilter hooks in the kernel's order:
//
//   received frame -> PREROUTING(in) -> route on the (possibly DNATed) destination
//     local:   INPUT(in) -> ICMP / registered transport (TCP, UDP)
//     forward: TTL check -> MTU check -> TTL-1 -> FORWARD(in, out) -> POSTROUTING(out) -> ARP -> wire
//   local output: route -> OUTPUT(out) -> POSTROUTING(out) -> ARP -> wire (or loopback)
//
// TTL is lowered before FORWARD, as ip_forward() does (net/ipv4/ip_forward.c), so a FORWARD rule
// sees the TTL the packet will leave with.
import {
  allocBytes,
  copyBytes,
  buildArpReply,
  buildArpRequest,
  emitEthernet,
  emitIcmp,
  emitIpv4Header,
  emitTcp,
  icmpChecksum,
  icmpQuote,
  parseArp,
  prefixMask,
  readIpv4,
  readMac,
  readU16,
  writeU16,
  isMulticastMac,
  isWireError,
  sum16,
  Ipv4Packet,
  TcpPacket,
  UdpPacket,
  ARP_REPLY,
  ARP_REQUEST,
  ETHERNET_HEADER_LEN,
  ETHERTYPE_ARP,
  ETHERTYPE_IPV4,
  EthernetField,
  ICMP_DEST_UNREACHABLE,
  ICMP_ECHO_REPLY,
  ICMP_ECHO_REQUEST,
  ICMP_FRAG_NEEDED,
  ICMP_HOST_UNREACHABLE,
  ICMP_NET_UNREACHABLE,
  ICMP_PROTOCOL_UNREACHABLE,
  ICMP_TIME_EXCEEDED,
  ICMP_TTL_EXCEEDED,
  IcmpField,
  IP_PROTO_ICMP,
  IP_PROTO_TCP,
  IP_PROTO_UDP,
  IPV4_BROADCAST,
  IPV4_FLAG_DF,
  IPV4_FLAG_MF,
  IPV4_HEADER_LEN,
  Ipv4Field,
  MAC_BROADCAST,
  TCP_ACK,
  TCP_FIN,
  TCP_RST,
  TCP_SYN,
  type IcmpRepr,
  type Ipv4Addr,
  type MacAddr,
} from '../wire/index.ts';
import type { Rng, Scheduler } from '../sim/index.ts';
import { Netfilter } from '../netfilter/index.ts';
import { attachTcp, type TcpConfig, type TcpStack } from './tcp/index.ts';
import { Interface, newLinkCounters, type IfaceAddress, type LinkCounters } from './iface.ts';
import { NeighbourTable, type NeighbourEntry, type PendingFrame } from './neighbour.ts';
import { RouteTable, type Route, type RouteResult, type RouteSpec } from './routes.ts';
import type {
  FilterHostEnv,
  HookName,
  HookVerdict,
  IcmpErrorInfo,
  Ipv4Meta,
  PacketContext,
  PacketFilter,
  SendIpv4Options,
  SendResult,
  TransportReceiver,
} from './types.ts';

/** What a host needs from the network it lives in. */
export interface HostContext {
  readonly scheduler: Scheduler;
  readonly startEpochSec: number;
  rng(name: string): Rng;
}

/** Receives echo replies and errors for one ICMP identifier (a ping process). */
export interface EchoHandler {
  onReply(meta: Ipv4Meta, seq: number, data: Uint8Array): void;
  onError(err: IcmpErrorInfo, seq: number): void;
}

/** Counters in the spirit of /proc/net/snmp (Ip:, Icmp:, Arp). */
export interface HostStats {
  ipInReceives: number;
  ipInHdrErrors: number;
  /** Not for us and not forwarding (ip_forward=0). */
  ipInAddrErrors: number;
  ipForwDatagrams: number;
  ipInDelivers: number;
  ipInUnknownProtos: number;
  ipOutRequests: number;
  ipOutNoRoutes: number;
  /** Fragments: lbsim does not reassemble or fragment. */
  ipFragDrops: number;
  /** Dropped by a netfilter verdict. */
  filterDrops: number;
  /** Dropped because ARP resolution failed. */
  neighFailDrops: number;
  icmpInErrors: number;
  icmpOutMsgs: number;
  /** ICMP errors suppressed by the per-destination rate limit. */
  icmpRateLimited: number;
  /** Packets dropped as martians (impossible source or destination). */
  martians: number;
  /** Frames for another MAC (seen because the segment flooded them). */
  otherHostFrames: number;
  arpIn: number;
  arpOut: number;
}

function newStats(): HostStats {
  return {
    ipInReceives: 0,
    ipInHdrErrors: 0,
    ipInAddrErrors: 0,
    ipForwDatagrams: 0,
    ipInDelivers: 0,
    ipInUnknownProtos: 0,
    ipOutRequests: 0,
    ipOutNoRoutes: 0,
    ipFragDrops: 0,
    filterDrops: 0,
    neighFailDrops: 0,
    icmpInErrors: 0,
    icmpOutMsgs: 0,
    icmpRateLimited: 0,
    martians: 0,
    otherHostFrames: 0,
    arpIn: 0,
    arpOut: 0,
  };
}

const ACCEPT: HookVerdict = { kind: 'ACCEPT' };
/** Shared by packets on a host without netfilter: only netfilter ever adds notes. */
const NO_NOTES: string[] = [];
const LOOPBACK = 'lo';
const DEFAULT_TTL = 64;
/** ICMP error types (icmp_pointers[].error): never answered with another ICMP error. */
const ICMP_ERROR_TYPES = new Set([3, 4, 5, 11, 12]);
/** icmp_ratelimit 1000 ms with a burst of 6 (XRLIM_BURST_FACTOR), for dest-unreach and time-exceeded. */
const ICMP_RATE_NS = 1e9;
const ICMP_BURST_NS = 6e9;

/** Writes a transport segment of `length` bytes into an outgoing frame (see Host.sendIpv4Written). */
export interface PayloadWriter {
  readonly length: number;
  /** Writes every one of the `length` bytes at buf[off...] (the array comes zero-filled). */
  writeTo(buf: Uint8Array, off: number): void;
}

/** Linux quotes the offending packet up to a 576-byte ICMP datagram. */
const ICMP_QUOTE_MAX = 576 - IPV4_HEADER_LEN - 8;

interface Deferred {
  iface: Interface;
  frame: Uint8Array;
  notes: readonly string[];
}

function isMulticastIp(a: Ipv4Addr): boolean {
  return a >>> 28 === 0xe;
}

export class Host {
  readonly scheduler: Scheduler;
  readonly stats: HostStats = newStats();
  readonly routes = new RouteTable();
  /** net.ipv4.ip_forward. */
  ipForward = false;
  /** The loopback device's counters (`ifconfig lo`). */
  readonly loopbackCounters: LinkCounters = newLinkCounters();
  /**
   * What the hooks call; null until netfilter is first used (every hook accepts), as Linux loads
   * the modules on first use. Tests may set their own.
   */
  filter: PacketFilter | null = null;
  private netfilterInstance: Netfilter | null = null;
  private tcpInstance: TcpStack | null = null;
  private readonly ifaces = new Map<string, Interface>();
  private readonly receivers: Array<TransportReceiver | undefined> = [];
  private readonly echoHandlers = new Map<number, EchoHandler>();
  private readonly idRng: Rng;
  private readonly ipIdCounters = new Map<number, number>();
  private readonly icmpTokens = new Map<Ipv4Addr, { tokens: number; last: number }>();
  private pingRng: Rng | null = null;
  private inRx = false;
  private deferred: Deferred[] = [];
  /**
   * Packet contexts by trip depth, reused: a trip (reception or local output) runs to its end
   * synchronously, and trips only nest (an ICMP error sent while a packet is refused), so the
   * context of depth d is free again once the trip at depth d is over. No garbage per packet.
   */
  private readonly contexts: PacketContext[] = [];
  private contextDepth = 0;

  constructor(
    readonly name: string,
    private readonly ctx: HostContext,
  ) {
    this.scheduler = ctx.scheduler;
    this.idRng = ctx.rng(`${name}/ip`);
  }

  get now(): number {
    return this.scheduler.now;
  }

  get startEpochSec(): number {
    return this.ctx.startEpochSec;
  }

  /**
   * A random stream of this host's, named `<host>/<component>`. Each call starts the stream anew:
   * a component keeps the Rng it got.
   */
  rng(component: string): Rng {
    return this.ctx.rng(`${this.name}/${component}`);
  }

  /** The identifier of the next ping process (iputils uses its pid): stream `<host>/ping`. */
  nextPingIdent(): number {
    this.pingRng ??= this.rng('ping');
    return this.pingRng.int(1, 0xffff);
  }

  /** What netfilter may ask of this host. */
  filterEnv(): FilterHostEnv & { startEpochSec: number } {
    return {
      hostName: this.name,
      now: () => this.scheduler.now,
      ifaceAddress: (iface, towards) => this.ifaces.get(iface)?.sourceFor(towards),
      startEpochSec: this.ctx.startEpochSec,
    };
  }

  /**
   * The host's netfilter (iptables tables, conntrack, NAT), created on first use with the random
   * stream `<host>/netfilter`; from then on every hook goes through it.
   */
  get netfilter(): Netfilter {
    if (this.netfilterInstance === null) {
      // A Netfilter someone installed as the filter is the host's netfilter; never run two.
      this.netfilterInstance = this.filter instanceof Netfilter ? this.filter : new Netfilter(this.filterEnv(), this.rng('netfilter'));
      this.filter = this.netfilterInstance;
    }
    return this.netfilterInstance;
  }

  /** The host's TCP, created with Linux defaults on first use (stream `<host>/tcp`). */
  get tcp(): TcpStack {
    if (this.tcpInstance === null) {
      if (this.receivers[IP_PROTO_TCP] !== undefined) {
        throw new Error(`host ${this.name}: TCP was attached with attachTcp(); keep the TcpStack it returned, or use host.tcp / host.configureTcp() only`);
      }
      this.tcpInstance = attachTcp(this);
    }
    return this.tcpInstance;
  }

  /** Creates the host's TCP with non-default settings; must come before any use of `tcp`. */
  configureTcp(config: Partial<TcpConfig>): TcpStack {
    if (this.tcpInstance !== null) throw new Error(`host ${this.name}: TCP is already running; configure it before first use`);
    this.tcpInstance = attachTcp(this, config);
    return this.tcpInstance;
  }

  /** The netfilter if it was ever used, without creating it (for listings of hosts with rules). */
  get netfilterIfUsed(): Netfilter | null {
    return this.netfilterInstance ?? (this.filter instanceof Netfilter ? this.filter : null);
  }

  // ---------------------------------------------------------------- interfaces and addresses

  addInterface(name: string, opts: { mac?: MacAddr } = {}): Interface {
    if (this.ifaces.has(name)) throw new Error(`host ${this.name} already has an interface ${name}`);
    if (name === LOOPBACK) throw new Error(`interface name ${LOOPBACK} is reserved for the loopback`);
    const iface = new Interface(this.name, name, this, opts.mac);
    iface.neighbours = new NeighbourTable(this.scheduler, this.rng(`arp/${name}`), {
      solicit: (e, unicastTo, hint) => this.arpSolicit(iface, e, unicastTo, hint),
      transmitTo: (mac, p) => this.transmitTo(iface, mac, p),
      unreachable: (p) => this.neighFailed(p),
    });
    this.ifaces.set(name, iface);
    return iface;
  }

  /** The interface called `name`; throws a clear error for an unknown one. */
  iface(name: string): Interface {
    const i = this.ifaces.get(name);
    if (i === undefined) {
      const known = [...this.ifaces.keys()].join(', ') || 'none';
      throw new Error(`host ${this.name} has no interface ${name} (it has: ${known})`);
    }
    return i;
  }

  findInterface(name: string): Interface | undefined {
    return this.ifaces.get(name);
  }

  /** Interfaces in creation order. */
  get interfaces(): Interface[] {
    return [...this.ifaces.values()];
  }

  /** `ip addr add A/N dev IF`: the address and its connected route. */
  addAddress(ifaceName: string, addr: Ipv4Addr, prefixLen: number): RouteResult {
    const iface = this.ifaces.get(ifaceName);
    if (iface === undefined) return 'ENODEV';
    if (!Number.isInteger(prefixLen) || prefixLen < 0 || prefixLen > 32) return 'EINVAL';
    if (iface.addresses.some((a) => a.addr === addr)) return 'EEXIST';
    iface.addresses.push({ addr, prefixLen });
    if (iface.up) this.addConnectedRoute(iface, { addr, prefixLen });
    return 'ok';
  }

  /** `ifconfig IF A netmask M`: replaces the interface's primary (first) address. */
  setPrimaryAddress(ifaceName: string, addr: Ipv4Addr, prefixLen: number): RouteResult {
    const iface = this.ifaces.get(ifaceName);
    if (iface === undefined) return 'ENODEV';
    const first = iface.addresses[0];
    if (first !== undefined) this.delAddress(ifaceName, first.addr);
    const r = this.addAddress(ifaceName, addr, prefixLen);
    // addAddress appends; the primary address goes first.
    const i = iface.addresses.findIndex((a) => a.addr === addr);
    if (i > 0) iface.addresses.unshift(...iface.addresses.splice(i, 1));
    return r;
  }

  delAddress(ifaceName: string, addr: Ipv4Addr): RouteResult {
    const iface = this.ifaces.get(ifaceName);
    if (iface === undefined) return 'ENODEV';
    const i = iface.addresses.findIndex((a) => a.addr === addr);
    if (i < 0) return 'ESRCH';
    iface.addresses.splice(i, 1);
    // Linux removes the connected route and every route that used the address as source.
    this.routes.removeWhere((r) => r.iface === ifaceName && r.prefSrc === addr);
    return 'ok';
  }

  /** `ip link set IF up|down`: routes through a downed link disappear, as in fib_disable_ip. */
  setLinkUp(ifaceName: string, up: boolean): RouteResult {
    const iface = this.ifaces.get(ifaceName);
    if (iface === undefined) return 'ENODEV';
    if (iface.up === up) return 'ok';
    iface.up = up;
    if (!up) {
      this.routes.removeWhere((r) => r.iface === ifaceName);
      iface.neighbours.clear();
    } else {
      for (const a of iface.addresses) this.addConnectedRoute(iface, a);
    }
    return 'ok';
  }

  private addConnectedRoute(iface: Interface, a: IfaceAddress): void {
    if (a.prefixLen === 32) return;
    const dst = (a.addr & prefixMask(a.prefixLen)) >>> 0;
    this.routes.insert({ dst, prefixLen: a.prefixLen, gateway: null, iface: iface.name, metric: 0, proto: 'kernel', prefSrc: a.addr });
  }

  /** True for an address of an up interface, or 127.0.0.0/8. */
  isLocalAddress(a: Ipv4Addr): boolean {
    if (a >>> 24 === 127) return true;
    for (const i of this.ifaces.values()) if (i.up && i.hasAddress(a)) return true;
    return false;
  }

  /** 255.255.255.255 or the directed broadcast of one of our subnets. */
  isBroadcast(a: Ipv4Addr): boolean {
    if (a === IPV4_BROADCAST) return true;
    for (const i of this.ifaces.values()) if (i.up && i.isSubnetBroadcast(a)) return true;
    return false;
  }

  // ---------------------------------------------------------------- routes

  /**
   * `route add` / `ip route add`. A gateway must lie on a connected network (else ENETUNREACH,
   * "Nexthop has invalid gateway"); without a gateway an interface is required (ENODEV).
   */
  addRoute(spec: RouteSpec): RouteResult {
    if (!Number.isInteger(spec.prefixLen) || spec.prefixLen < 0 || spec.prefixLen > 32) return 'EINVAL';
    if (((spec.dst & prefixMask(spec.prefixLen)) >>> 0) !== spec.dst) return 'EINVAL';
    let ifaceName = spec.iface;
    if (ifaceName !== undefined) {
      const i = this.ifaces.get(ifaceName);
      if (i === undefined) return 'ENODEV';
      if (!i.up) return 'ENETUNREACH';
    }
    const gateway = spec.gateway ?? null;
    if (gateway !== null) {
      const via = this.routes.lookup(gateway);
      if (via === undefined || via.gateway !== null) return 'ENETUNREACH';
      if (ifaceName !== undefined && via.iface !== ifaceName) return 'ENETUNREACH';
      ifaceName = via.iface;
    }
    if (ifaceName === undefined) return 'ENODEV';
    return this.routes.insert({
      dst: spec.dst,
      prefixLen: spec.prefixLen,
      gateway,
      iface: ifaceName,
      metric: spec.metric ?? 0,
      proto: 'static',
      prefSrc: null,
    });
  }

  /** `route del` / `ip route del`: ESRCH ("No such process") when nothing matches. */
  delRoute(spec: RouteSpec): RouteResult {
    return this.routes.remove(spec);
  }

  lookupRoute(dst: Ipv4Addr): Route | undefined {
    return this.routes.lookup(dst);
  }

  /** The source address Linux would pick for a packet to `dst`; undefined without a route. */
  selectSource(dst: Ipv4Addr): Ipv4Addr | undefined {
    if (this.isLocalAddress(dst)) return dst;
    const r = this.routes.lookup(dst);
    if (r === undefined) return undefined;
    if (r.prefSrc !== null) return r.prefSrc;
    return this.ifaces.get(r.iface)?.sourceFor(r.gateway ?? dst);
  }

  // ---------------------------------------------------------------- transport registration

  /** Registers the receiver of an IP protocol (6 TCP, 17 UDP, ...). One per protocol. */
  registerProtocol(protocol: number, receiver: TransportReceiver): void {
    if (protocol === IP_PROTO_ICMP) throw new Error('ICMP is handled by the host; use registerEcho for ping');
    if (this.receivers[protocol] !== undefined) throw new Error(`host ${this.name}: protocol ${protocol} is already registered`);
    this.receivers[protocol] = receiver;
  }

  protocol(protocol: number): TransportReceiver | undefined {
    return this.receivers[protocol];
  }

  /** Echo replies and errors for ICMP identifier `ident` go to `handler` (one ping process). */
  registerEcho(ident: number, handler: EchoHandler): void {
    this.echoHandlers.set(ident, handler);
  }

  unregisterEcho(ident: number): void {
    this.echoHandlers.delete(ident);
  }

  /** Sends an ICMP echo request as iputils ping does (raw socket: DF set, ID 0). */
  sendEcho(dst: Ipv4Addr, ident: number, seq: number, data: Uint8Array, opts: { ttl?: number; src?: Ipv4Addr } = {}): SendResult {
    const msg = new Uint8Array(8 + data.length);
    emitIcmp({ kind: 'echoRequest', ident, seq, data }, msg, 0);
    const o: SendIpv4Options = { dst, protocol: IP_PROTO_ICMP, payload: msg };
    if (opts.ttl !== undefined) o.ttl = opts.ttl;
    if (opts.src !== undefined) o.src = opts.src;
    return this.sendIpv4(o);
  }

  // ---------------------------------------------------------------- output

  /**
   * Sends an IPv4 packet from this host: route, OUTPUT, POSTROUTING, then ARP and the wire (or the
   * loopback for one of our own addresses).
   */
  sendIpv4(o: SendIpv4Options): SendResult {
    return this.output(o, null);
  }

  /**
   * sendIpv4 with the transport segment written straight into the frame by `writer` (its
   * `o.payload` is not read): TCP saves an array and a copy per segment.
   */
  sendIpv4Written(o: SendIpv4Options, writer: PayloadWriter): SendResult {
    return this.output(o, null, writer);
  }

  /** Local output; `relatedTo`: the context of the packet an ICMP error is about (nf_ct_attach). */
  private output(o: SendIpv4Options, relatedTo: PacketContext | null, writer: PayloadWriter | null = null): SendResult {
    const ctx = this.takeContext();
    try {
      if (relatedTo !== null) this.filter?.attach?.(ctx, relatedTo);
      return this.outputTrip(o, ctx, writer);
    } finally {
      this.releaseContext();
    }
  }

  private outputTrip(o: SendIpv4Options, ctx: PacketContext, writer: PayloadWriter | null): SendResult {
    const dst = o.dst >>> 0;
    const local = this.isLocalAddress(dst);
    let route: Route | undefined;
    if (!local) {
      route = this.routes.lookup(dst);
      if (route === undefined) {
        this.stats.ipOutNoRoutes++;
        return 'ENETUNREACH';
      }
    }
    const src = o.src ?? this.selectSource(dst);
    if (src === undefined) return 'EINVAL';
    const df = o.df ?? true;
    const ident = o.ipId ?? (df ? 0 : this.nextIpId(dst, o.protocol));
    // Frame-sized arrays come from the wire layer's slabs: `new Uint8Array` of more than 64 bytes
    // costs an off-heap backing store each (see allocBytes). A frame lives for its trip, a link
    // delay or an ARP resolution (receivers copy what they keep), so no slab is held for long.
    const payloadLen = writer === null ? o.payload.length : writer.length;
    const frame = allocBytes(ETHERNET_HEADER_LEN + IPV4_HEADER_LEN + payloadLen);
    emitIpv4Header(
      { src, dst, ident, ttl: o.ttl ?? DEFAULT_TTL, tos: o.tos ?? 0, flags: df ? IPV4_FLAG_DF : 0 },
      o.protocol,
      payloadLen,
      frame,
      ETHERNET_HEADER_LEN,
    );
    const l4 = ETHERNET_HEADER_LEN + IPV4_HEADER_LEN;
    if (writer === null) frame.set(o.payload, l4);
    else writer.writeTo(frame, l4);
    if (o.fillChecksum === true) {
      if (o.protocol === IP_PROTO_TCP) new TcpPacket(frame, l4, payloadLen).fillChecksum(src, dst);
      else if (o.protocol === IP_PROTO_UDP) new UdpPacket(frame, l4).fillChecksum(src, dst);
    }
    this.stats.ipOutRequests++;
    const pkt = frame.subarray(ETHERNET_HEADER_LEN);
    const notes: string[] = this.filter === null ? NO_NOTES : [];

    const outName = local ? LOOPBACK : (route as Route).iface;
    const v = this.hook('OUTPUT', pkt, null, outName, notes, ctx);
    if (v.kind !== 'ACCEPT') {
      this.refuse(v, pkt, ctx);
      return 'EPERM';
    }
    // A DNAT in OUTPUT changes where the packet goes (ip_route_me_harder).
    const newDst = readIpv4(pkt, Ipv4Field.DST);
    let outIface: Interface | null = null;
    if (newDst !== dst) {
      if (!this.isLocalAddress(newDst)) {
        route = this.routes.lookup(newDst);
        if (route === undefined) return 'ENETUNREACH';
      } else route = undefined;
    }
    if (route !== undefined) {
      outIface = this.iface(route.iface);
      if (pkt.length > outIface.mtu) return 'EMSGSIZE';
      if (o.confirmNeighbour === true) outIface.neighbours.confirm(route.gateway ?? newDst);
    }
    const v2 = this.hook('POSTROUTING', pkt, null, outIface?.name ?? LOOPBACK, notes, ctx);
    if (v2.kind !== 'ACCEPT') {
      this.refuse(v2, pkt, ctx);
      return 'EPERM';
    }
    if (outIface === null || route === undefined) {
      this.loopback(frame, notes, ctx);
      return 'ok';
    }
    this.dispatchIpv4(outIface, route.gateway ?? readIpv4(pkt, Ipv4Field.DST), frame, notes);
    return 'ok';
  }

  /**
   * Our own packet to one of our addresses: the loopback device, PREROUTING and INPUT on `lo`. The
   * packet keeps its conntrack entry through lo (loopback_xmit does not reset it), so its trip
   * goes on in a context of its own.
   */
  private loopback(frame: Uint8Array, notes: string[], ctx: PacketContext): void {
    // lo has no Ethernet header: its counters see the IP packet (and each packet once per side).
    const c = this.loopbackCounters;
    const len = frame.length - ETHERNET_HEADER_LEN;
    c.txPackets++;
    c.txBytes += len;
    c.rxPackets++;
    c.rxBytes += len;
    const kept: PacketContext = { ct: ctx.ct };
    this.scheduler.after(0, () => {
      const pkt = frame.subarray(ETHERNET_HEADER_LEN);
      this.processIpv4(pkt, frame, true, null, notes, kept);
    });
  }

  /** Egress after POSTROUTING: broadcast, or through the next hop's neighbour entry. */
  private dispatchIpv4(iface: Interface, nextHop: Ipv4Addr, frame: Uint8Array, notes: string[]): void {
    if (nextHop === IPV4_BROADCAST || iface.isSubnetBroadcast(nextHop)) {
      this.transmitTo(iface, MAC_BROADCAST, { frame, notes });
      return;
    }
    iface.neighbours.output(nextHop, { frame, notes });
  }

  private transmitTo(iface: Interface, mac: MacAddr, p: PendingFrame): void {
    emitEthernet({ dst: mac, src: iface.mac, ethertype: ETHERTYPE_IPV4 }, p.frame, 0);
    this.xmit(iface, p.frame, p.notes);
  }

  /** Frames sent while a received frame is being processed wait until its 'in' tap has run. */
  private xmit(iface: Interface, frame: Uint8Array, notes: readonly string[]): void {
    if (this.inRx) this.deferred.push({ iface, frame, notes });
    else iface.transmit(this.scheduler.now, frame, notes);
  }

  private flushDeferred(): void {
    if (this.deferred.length === 0) return;
    const d = this.deferred;
    this.deferred = [];
    const now = this.scheduler.now;
    for (const x of d) x.iface.transmit(now, x.frame, x.notes);
  }

  /**
   * __ip_select_ident for packets without a connected socket and without DF: a counter per
   * destination (Linux hashes into 2048 buckets with a random start) starting at a random value.
   */
  private nextIpId(dst: Ipv4Addr, protocol: number): number {
    const key = dst * 256 + protocol;
    let v = this.ipIdCounters.get(key);
    if (v === undefined) v = this.idRng.int(0, 0xffff);
    this.ipIdCounters.set(key, (v + 1) & 0xffff);
    return v;
  }

  // ---------------------------------------------------------------- input

  /** Entry point of every frame the segment delivers to one of our interfaces. */
  receiveFrame(iface: Interface, frame: Uint8Array): void {
    const outer = this.inRx;
    this.inRx = true;
    const notes: string[] = this.filter === null ? NO_NOTES : [];
    try {
      this.processFrame(iface, frame, notes);
    } finally {
      this.inRx = outer;
    }
    iface.tapIn(this.scheduler.now, frame, notes);
    if (!outer) this.flushDeferred();
  }

  private processFrame(iface: Interface, frame: Uint8Array, notes: string[]): void {
    if (frame.length < ETHERNET_HEADER_LEN) return;
    const dst = readMac(frame, EthernetField.DST);
    if (dst !== iface.mac && dst !== MAC_BROADCAST) {
      // PACKET_OTHERHOST (flooded unicast) or a multicast group we never joined.
      if (!isMulticastMac(dst)) this.stats.otherHostFrames++;
      return;
    }
    const type = readU16(frame, EthernetField.ETHERTYPE);
    if (type === ETHERTYPE_ARP) this.arpInput(iface, frame, dst !== MAC_BROADCAST);
    else if (type === ETHERTYPE_IPV4) this.ipv4Rcv(iface, frame, notes);
  }

  /** ip_rcv: header sanity, then a private copy when netfilter may rewrite the packet. */
  private ipv4Rcv(iface: Interface, frame: Uint8Array, notes: string[]): void {
    this.stats.ipInReceives++;
    const avail = frame.length - ETHERNET_HEADER_LEN;
    const o = ETHERNET_HEADER_LEN;
    if (avail < IPV4_HEADER_LEN) {
      this.stats.ipInHdrErrors++;
      return;
    }
    const vihl = frame[o] as number;
    const hl = (vihl & 0x0f) * 4;
    const total = readU16(frame, o + Ipv4Field.LENGTH);
    if (vihl >>> 4 !== 4 || hl < IPV4_HEADER_LEN || total < hl || total > avail || sum16(frame, o, hl) !== 0xffff) {
      this.stats.ipInHdrErrors++;
      return;
    }
    // Trailing Ethernet padding is not part of the packet (pskb_trim_rcsum).
    let buf = frame;
    let owned = false;
    if (this.filter !== null) {
      buf = copyBytes(frame, 0, ETHERNET_HEADER_LEN + total);
      owned = true;
    }
    const ctx = this.takeContext();
    try {
      this.processIpv4(buf.subarray(o, o + total), buf, owned, iface, notes, ctx);
    } finally {
      this.releaseContext();
    }
  }

  /** The context of a packet starting its trip (see `contexts`). */
  private takeContext(): PacketContext {
    const d = this.contextDepth++;
    const c = this.contexts[d];
    if (c !== undefined) return c;
    const fresh: PacketContext = { ct: null };
    this.contexts[d] = fresh;
    return fresh;
  }

  /** The trip is over: its context forgets the entry (kept for no one) and is free again. */
  private releaseContext(): void {
    const c = this.contexts[--this.contextDepth];
    if (c !== undefined) c.ct = null;
  }

  /**
   * PREROUTING, then local delivery or forwarding. `buf` is the frame holding `pkt` at offset 14;
   * `owned` says whether it is private to us (may be rewritten and sent on); `ctx` is the packet's
   * context for the whole trip.
   */
  private processIpv4(pkt: Uint8Array, buf: Uint8Array, owned: boolean, inIface: Interface | null, notes: string[], ctx: PacketContext): void {
    const inName = inIface?.name ?? LOOPBACK;
    const v = this.hook('PREROUTING', pkt, inName, null, notes, ctx);
    if (v.kind !== 'ACCEPT') {
      this.refuse(v, pkt, ctx);
      return;
    }
    const dst = readIpv4(pkt, Ipv4Field.DST);
    if (inIface !== null && this.isMartian(readIpv4(pkt, Ipv4Field.SRC), dst)) {
      this.stats.martians++;
      return;
    }
    const bcast = this.isBroadcast(dst);
    if (bcast || this.isLocalAddress(dst)) {
      const vi = this.hook('INPUT', pkt, inName, null, notes, ctx);
      if (vi.kind !== 'ACCEPT') {
        this.refuse(vi, pkt, ctx);
        return;
      }
      this.localDeliver(pkt, inName, bcast, ctx);
      return;
    }
    if (inIface === null || isMulticastIp(dst)) return;
    if (!this.ipForward) {
      // ip_error() without forwarding: dropped silently.
      this.stats.ipInAddrErrors++;
      return;
    }
    this.forward(pkt, buf, owned, inIface, notes, ctx);
  }

  /**
   * ip_route_input_slow's martians, for packets from the wire: a multicast, broadcast, loopback
   * or zero source, a loopback destination, or one of our own addresses as source
   * (fib_validate_source without accept_local).
   */
  private isMartian(src: Ipv4Addr, dst: Ipv4Addr): boolean {
    if (src === 0 || src === IPV4_BROADCAST || isMulticastIp(src) || src >>> 24 === 127 || dst >>> 24 === 127) return true;
    return this.isLocalAddress(src);
  }

  /** ip_forward(). A copy of the bytes (a frame we do not own) keeps the packet's context. */
  private forward(pkt: Uint8Array, buf: Uint8Array, owned: boolean, inIface: Interface, notes: string[], ctx: PacketContext): void {
    const dst = readIpv4(pkt, Ipv4Field.DST);
    const route = this.routes.lookup(dst);
    if (route === undefined) {
      this.stats.ipOutNoRoutes++;
      this.sendIcmpError(pkt, ICMP_DEST_UNREACHABLE, ICMP_NET_UNREACHABLE, 0, ctx);
      return;
    }
    const outIface = this.iface(route.iface);
    if ((pkt[Ipv4Field.TTL] as number) <= 1) {
      this.sendIcmpError(pkt, ICMP_TIME_EXCEEDED, ICMP_TTL_EXCEEDED, 0, ctx);
      return;
    }
    const df = ((pkt[Ipv4Field.FLG_OFF] as number) >>> 5) & IPV4_FLAG_DF;
    if (pkt.length > outIface.mtu) {
      if (df !== 0) this.sendIcmpError(pkt, ICMP_DEST_UNREACHABLE, ICMP_FRAG_NEEDED, outIface.mtu, ctx);
      else this.stats.ipFragDrops++;
      return;
    }
    if (!owned) {
      buf = allocBytes(ETHERNET_HEADER_LEN + pkt.length);
      buf.set(pkt, ETHERNET_HEADER_LEN);
      pkt = buf.subarray(ETHERNET_HEADER_LEN);
    }
    new Ipv4Packet(pkt, 0).decrementTtl();
    const v = this.hook('FORWARD', pkt, inIface.name, outIface.name, notes, ctx);
    if (v.kind !== 'ACCEPT') {
      this.refuse(v, pkt, ctx);
      return;
    }
    const v2 = this.hook('POSTROUTING', pkt, null, outIface.name, notes, ctx);
    if (v2.kind !== 'ACCEPT') {
      this.refuse(v2, pkt, ctx);
      return;
    }
    this.stats.ipForwDatagrams++;
    this.dispatchIpv4(outIface, route.gateway ?? dst, buf, notes);
  }

  /** ip_local_deliver_finish: ICMP here, other protocols to their receiver. */
  private localDeliver(pkt: Uint8Array, inName: string, bcast: boolean, ctx: PacketContext): void {
    const fo = readU16(pkt, Ipv4Field.FLG_OFF);
    if ((fo & 0x1fff) !== 0 || ((fo >>> 13) & IPV4_FLAG_MF) !== 0) {
      this.stats.ipFragDrops++;
      return;
    }
    this.stats.ipInDelivers++;
    const hl = ((pkt[0] as number) & 0x0f) * 4;
    const proto = pkt[Ipv4Field.PROTOCOL] as number;
    const payload = pkt.subarray(hl);
    const meta: Ipv4Meta = {
      src: readIpv4(pkt, Ipv4Field.SRC),
      dst: readIpv4(pkt, Ipv4Field.DST),
      ttl: pkt[Ipv4Field.TTL] as number,
      tos: pkt[Ipv4Field.TOS] as number,
      ident: readU16(pkt, Ipv4Field.IDENT),
      inIface: inName,
      packet: pkt,
      broadcast: bcast,
      context: ctx,
    };
    if (proto === IP_PROTO_ICMP) {
      this.icmpInput(payload, meta);
      return;
    }
    const r = this.receivers[proto];
    if (r !== undefined) {
      r.input(payload, meta);
      return;
    }
    this.stats.ipInUnknownProtos++;
    if (!bcast) this.sendIcmpError(pkt, ICMP_DEST_UNREACHABLE, ICMP_PROTOCOL_UNREACHABLE, 0, ctx);
  }

  // ---------------------------------------------------------------- ICMP

  private icmpInput(msg: Uint8Array, meta: Ipv4Meta): void {
    if (msg.length < 8 || sum16(msg, 0, msg.length) !== 0xffff) {
      this.stats.icmpInErrors++;
      return;
    }
    const type = msg[IcmpField.TYPE] as number;
    switch (type) {
      case ICMP_ECHO_REQUEST: {
        // icmp_echo_ignore_broadcasts=1.
        if (meta.broadcast) return;
        // icmp_reply: same identifier, sequence and data; our address as source; DF clear
        // (the ICMP socket has pmtudisc DONT), so the IP ID comes from the hashed generator.
        const reply = msg.slice();
        reply[IcmpField.TYPE] = ICMP_ECHO_REPLY;
        writeU16(reply, IcmpField.CHECKSUM, icmpChecksum(reply, 0, reply.length));
        this.stats.icmpOutMsgs++;
        this.sendIpv4({ src: meta.dst, dst: meta.src, protocol: IP_PROTO_ICMP, payload: reply, df: false, tos: meta.tos });
        return;
      }
      case ICMP_ECHO_REPLY: {
        const h = this.echoHandlers.get(readU16(msg, IcmpField.IDENT));
        h?.onReply(meta, readU16(msg, IcmpField.SEQ), msg.subarray(8));
        return;
      }
      case 3:
      case 4:
      case 5:
      case 11:
      case 12:
        this.icmpErrorInput(type, msg, meta);
        return;
      default:
        return;
    }
  }

  /** An ICMP error about something we sent: to the ping or transport that sent it. */
  private icmpErrorInput(type: number, msg: Uint8Array, meta: Ipv4Meta): void {
    const inner = msg.subarray(8);
    if (inner.length < IPV4_HEADER_LEN || (inner[0] as number) >>> 4 !== 4) return;
    const ihl = ((inner[0] as number) & 0x0f) * 4;
    if (inner.length < ihl + 8) return;
    const protocol = inner[Ipv4Field.PROTOCOL] as number;
    const info: IcmpErrorInfo = {
      icmpType: type,
      code: msg[IcmpField.CODE] as number,
      from: meta.src,
      src: readIpv4(inner, Ipv4Field.SRC),
      dst: readIpv4(inner, Ipv4Field.DST),
      protocol,
      quotedPayload: inner.subarray(ihl),
      mtu: type === ICMP_DEST_UNREACHABLE && msg[IcmpField.CODE] === ICMP_FRAG_NEEDED ? readU16(msg, IcmpField.SEQ) : 0,
    };
    if (protocol === IP_PROTO_ICMP) {
      if (inner[ihl] !== ICMP_ECHO_REQUEST) return;
      const h = this.echoHandlers.get(readU16(inner, ihl + IcmpField.IDENT));
      h?.onError(info, readU16(inner, ihl + IcmpField.SEQ));
      return;
    }
    this.receivers[protocol]?.icmpError?.(info);
  }

  /**
   * icmp_send(): an ICMP error about `offending` (an IPv4 packet) back to its source. Refused, as
   * Linux does, for non-first fragments, ICMP errors, and broadcast/multicast or zero addresses;
   * rate-limited per destination (1/s, burst 6) except towards ourselves. `offendingCtx`, the
   * offending packet's context when the stack has it, gives the error that packet's conntrack entry
   * (icmp_glue_bits -> nf_ct_attach), so NAT translates the error and its quote like the connection.
   */
  sendIcmpError(offending: Uint8Array, type: number, code: number, rest = 0, offendingCtx: PacketContext | null = null): void {
    if (offending.length < IPV4_HEADER_LEN) return;
    const hl = ((offending[0] as number) & 0x0f) * 4;
    if ((readU16(offending, Ipv4Field.FLG_OFF) & 0x1fff) !== 0) return;
    const osrc = readIpv4(offending, Ipv4Field.SRC);
    const odst = readIpv4(offending, Ipv4Field.DST);
    if (osrc === 0 || isMulticastIp(osrc) || this.isBroadcast(osrc)) return;
    if (isMulticastIp(odst) || this.isBroadcast(odst)) return;
    if (offending[Ipv4Field.PROTOCOL] === IP_PROTO_ICMP) {
      const itype = offending[hl];
      if (itype === undefined || itype > 18 || ICMP_ERROR_TYPES.has(itype)) return;
    }
    const toSelf = this.isLocalAddress(osrc);
    if (!toSelf && !this.icmpAllow(osrc)) {
      this.stats.icmpRateLimited++;
      return;
    }
    const src = this.isLocalAddress(odst) ? odst : this.selectSource(osrc);
    if (src === undefined) return;
    const quoted = icmpQuote(offending, ICMP_QUOTE_MAX);
    let repr: IcmpRepr;
    if (type === ICMP_DEST_UNREACHABLE) repr = { kind: 'destUnreachable', code, rest, quoted };
    else if (type === ICMP_TIME_EXCEEDED) repr = { kind: 'timeExceeded', code, rest, quoted };
    else repr = { kind: 'other', icmpType: type, code, rest, data: quoted };
    const msg = new Uint8Array(8 + quoted.length);
    emitIcmp(repr, msg, 0);
    this.stats.icmpOutMsgs++;
    // Errors go out with precedence "internetwork control" (icmp_send: IPTOS_PREC_INTERNETCONTROL).
    const tos = 0xc0 | ((offending[Ipv4Field.TOS] as number) & 0x1e);
    this.output({ src, dst: osrc, protocol: IP_PROTO_ICMP, payload: msg, df: false, tos }, offendingCtx);
  }

  private icmpAllow(dst: Ipv4Addr): boolean {
    const now = this.scheduler.now;
    let b = this.icmpTokens.get(dst);
    if (b === undefined) {
      b = { tokens: ICMP_BURST_NS, last: now };
      this.icmpTokens.set(dst, b);
    } else {
      b.tokens = Math.min(ICMP_BURST_NS, b.tokens + (now - b.last));
      b.last = now;
    }
    if (b.tokens < ICMP_RATE_NS) return false;
    b.tokens -= ICMP_RATE_NS;
    return true;
  }

  /**
   * nf_send_reset (REJECT --reject-with tcp-reset): a RST from the packet's destination, IP ID 0,
   * DF, TTL 64, through OUTPUT and POSTROUTING.
   */
  sendTcpReset(offending: Uint8Array): void {
    const hl = ((offending[0] as number) & 0x0f) * 4;
    if (offending[Ipv4Field.PROTOCOL] !== IP_PROTO_TCP || offending.length < hl + 20) return;
    if ((readU16(offending, Ipv4Field.FLG_OFF) & 0x1fff) !== 0) return;
    const seg = new TcpPacket(offending, hl, offending.length - hl);
    const flags = seg.flags;
    if ((flags & TCP_RST) !== 0) return;
    const dataLen = seg.payloadLen + ((flags & TCP_SYN) !== 0 ? 1 : 0) + ((flags & TCP_FIN) !== 0 ? 1 : 0);
    const src = readIpv4(offending, Ipv4Field.DST);
    const dst = readIpv4(offending, Ipv4Field.SRC);
    const hasAck = (flags & TCP_ACK) !== 0;
    const rst = new Uint8Array(20);
    emitTcp(
      {
        srcPort: seg.dstPort,
        dstPort: seg.srcPort,
        seq: hasAck ? seg.ack : 0,
        ack: hasAck ? 0 : (seg.seq + dataLen) >>> 0,
        flags: hasAck ? TCP_RST : TCP_RST | TCP_ACK,
        window: 0,
        urgentPtr: 0,
        options: [],
      },
      rst,
      0,
      src,
      dst,
    );
    this.sendIpv4({ src, dst, protocol: IP_PROTO_TCP, payload: rst, ipId: 0, df: true });
  }

  // ---------------------------------------------------------------- netfilter

  private hook(h: HookName, pkt: Uint8Array, inName: string | null, outName: string | null, notes: string[], ctx: PacketContext): HookVerdict {
    const f = this.filter;
    if (f === null) return ACCEPT;
    return f.hook(h, pkt, inName, outName, notes, ctx);
  }

  /** A packet netfilter did not accept: DROP silently, REJECT with an ICMP error or a TCP RST. */
  private refuse(v: HookVerdict, pkt: Uint8Array, ctx: PacketContext): void {
    this.stats.filterDrops++;
    if (v.kind === 'REJECT') this.sendIcmpError(pkt, v.icmpType, v.icmpCode, 0, ctx);
    else if (v.kind === 'REJECT_TCP_RST') this.sendTcpReset(pkt);
  }

  // ---------------------------------------------------------------- ARP

  /** arp_process(). */
  private arpInput(iface: Interface, frame: Uint8Array, toUs: boolean): void {
    const arp = parseArp(frame, ETHERNET_HEADER_LEN);
    if (isWireError(arp)) return;
    this.stats.arpIn++;
    const { op, senderIp: sip, senderMac: sha, targetIp: tip } = arp;
    if (isMulticastMac(sha)) return;
    if (op === ARP_REQUEST && this.isLocalAddress(tip) && (tip >>> 24) !== 127) {
      // A duplicate-address probe (sender 0.0.0.0) is answered but teaches nothing.
      if (sip !== 0) iface.neighbours.update(sip, sha, 'STALE', true);
      this.stats.arpOut++;
      this.xmit(iface, buildArpReply(iface.mac, tip, sha, sip), []);
      return;
    }
    if (sip === 0) return;
    // Replies, and requests for others, refresh an entry we already have (arp_accept=0: never
    // create one). Only a reply sent to our MAC proves reachability.
    const state = op === ARP_REPLY && toUs ? 'REACHABLE' : 'STALE';
    iface.neighbours.update(sip, sha, state, false);
  }

  /** arp_solicit(): the request's source is the queued packet's if it is ours, else one on the link. */
  private arpSolicit(iface: Interface, e: NeighbourEntry, unicastTo: MacAddr | undefined, hint: PendingFrame | undefined): void {
    let src: Ipv4Addr | undefined;
    if (hint !== undefined) {
      const s = readIpv4(hint.frame, ETHERNET_HEADER_LEN + Ipv4Field.SRC);
      if (iface.hasAddress(s) || this.isLocalAddress(s)) src = s;
    }
    src ??= iface.sourceFor(e.ip);
    if (src === undefined) return;
    this.stats.arpOut++;
    this.xmit(iface, buildArpRequest(iface.mac, src, e.ip, unicastTo ?? MAC_BROADCAST), []);
  }

  /** Resolution failed: ICMP host unreachable to the packet's sender (arp_error_report). */
  private neighFailed(p: PendingFrame): void {
    this.stats.neighFailDrops++;
    this.sendIcmpError(p.frame.subarray(ETHERNET_HEADER_LEN), ICMP_DEST_UNREACHABLE, ICMP_HOST_UNREACHABLE);
  }
}

