// The host stack: network, collision domains, hosts, ARP, IPv4, ICMP, UDP, and capture taps.
export { Network, type NetworkOptions, type NetworkObserver } from './network.ts';
export { CollisionDomain, DEFAULT_LINK_DELAY_NS, type DomainOptions, type DomainStats, type DomainPort } from './domain.ts';
export { Host, type HostContext, type HostStats, type EchoHandler } from './host.ts';
export { Interface, hashedMac, newLinkCounters, type IfaceAddress, type FrameSink, type LinkCounters } from './iface.ts';
export {
  NeighbourTable,
  NeighbourEntry,
  LINUX_NEIGHBOUR_PARAMS,
  type NudState,
  type NeighbourParams,
  type PendingFrame,
} from './neighbour.ts';
export { RouteTable, routeMatches, type Route, type RouteResult, type RouteSpec } from './routes.ts';
export { UdpLayer, type UdpDatagram, type UdpHandler } from './udp.ts';
export { Pinger, type PingOptions, type PingReply, type PingError, type PingSummary, type PingEvents } from './ping.ts';
export { Capture, type CaptureOptions, type CaptureFile, type CaptureFileKind, type CaptureStats, type SinkFactory } from './capture.ts';
export type {
  Direction,
  InterfaceTap,
  DomainTap,
  InterfaceRef,
  HookName,
  HookVerdict,
  PacketFilter,
  PacketContext,
  FilterHostEnv,
  Ipv4Meta,
  IcmpErrorInfo,
  TransportReceiver,
  SendResult,
  SendIpv4Options,
} from './types.ts';
// TCP (src/stack/tcp/, the TCP helper's): attachTcp(host) gives a host its TcpStack.
export * from './tcp/index.ts';
