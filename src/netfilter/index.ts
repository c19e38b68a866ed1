// Public surface of netfilter: the per-host engine the stack calls at its hooks, the rule model
// and the iptables text tools, conntrack and NAT.

export { Netfilter } from './netfilter.ts';
export type { ExecResult, HookName, HostEnv, PacketContext, Verdict } from './netfilter.ts';

export * from './model.ts';
export * from './rules/index.ts';

export { Conn, ConntrackTable, conntrackIn, ctStateOf, packetTuple } from './conntrack/conntrack.ts';
export type { CtInfo, CtResult } from './conntrack/conntrack.ts';
export { formatConntrackLine, runConntrackCommand, secondsLeft } from './conntrack/listing.ts';
export { PacketFacts } from './conntrack/packet.ts';
export { TCP_STATE, TCP_STATE_NAMES, TCP_TIMEOUT_NS, tcpTransition } from './conntrack/tcp.ts';
export { DIR_ORIGINAL, DIR_REPLY, formatTupleForListing, invertTuple, tupleEqual } from './conntrack/tuple.ts';
export type { Dir, Tuple } from './conntrack/tuple.ts';

export { nullBinding, setupNat } from './nat/binding.ts';
export type { ManipType, NatRequest } from './nat/binding.ts';
export { manipPacket, translateIcmpError } from './nat/manip.ts';
