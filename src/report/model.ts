// The report's input: everything the compte rendu says, as plain data taken from one run.
//
// The report never computes from the simulation itself; it renders a LabRunData. extract.ts builds
// one from what a run produces (console step results, listings, captured frames); tests build them
// by hand. Every number printed in the report comes from a field here (or is derived from fields
// here by an explicit computation in stats.ts): nothing is canned.
//
// Conventions: IPv4 addresses are dotted strings ('10.0.0.1'); times are integer nanoseconds of
// virtual time since the scenario start; servers are numbered from 1 as the lab's script and pages
// number them ("server 2" = the server whose address is Topology.servers[k].address with index 2).

/** One whole run, as the report sees it. */
export interface LabRunData {
  /** Which run this is: shown in the report's header so a reader can reproduce it. */
  meta: RunMeta;
  topology: Topology;
  /** Q1: one entry per (VIP, client) pair that was browsed with links, in run order. */
  q1: Q1Case[];
  /** Q2: one entry per `count_server_replies.sh VIP` run, in run order. */
  q2: Q2Run[];
  /** Q3: one entry per web switch, in topology order. */
  q3: Q3Switch[];
  /** One connection's packets across one switch, for the ladder diagram; null if none was captured. */
  ladder: LadderConnection | null;
  /** The capture files the run wrote (names only, relative to the report's directory). */
  captures: CaptureFiles;
}

export interface RunMeta {
  /** The scenario's name (e.g. 'lab'). */
  scenarioName: string;
  /** The root seed of the run. */
  seed: number;
  /** Wall-clock epoch of virtual time 0, in seconds (captures are stamped from it). */
  startEpochSec: number;
  /** Virtual time at the end of the run, ns. */
  endNs: number;
}

// ---------------------------------------------------------------------------------------------
// Topology

export interface Topology {
  /** Collision domains (Ethernet segments), e.g. 'A' (clients' side) and 'B' (servers' side). */
  domains: Domain[];
  /** Every host, in scenario order. */
  hosts: Host[];
  /** The web servers, numbered as the script numbers them (index 1, 2, 3...). */
  servers: ServerInfo[];
  /** One entry per virtual IP exposed by a web switch, in topology order. */
  vips: Vip[];
}

export interface Domain {
  name: string;
  /** The subnet its interfaces share, as CIDR ('10.0.0.0/24'), or null if they share none. */
  subnet: string | null;
}

export type HostRole = 'client' | 'switch' | 'server' | 'other';

export interface Host {
  name: string;
  role: HostRole;
  interfaces: HostInterface[];
}

export interface HostInterface {
  /** 'eth0', 'eth1'... */
  name: string;
  /** The collision domain it is plugged into. */
  domain: string;
  /** Its primary IPv4 address, or null if it has none. */
  address: string | null;
  /** Prefix length of that address (24 for /24). */
  prefixLen: number;
  /** MAC address, lower-case colon form. */
  mac: string;
}

export interface ServerInfo {
  /** The number the script and the page give it: "server 1" has index 1. */
  index: number;
  host: string;
  address: string;
}

/** How a switch picks the server for a VIP: named from the shape of its DNAT rules. */
export type PolicyKind = 'round-robin' | 'random' | 'source-ip' | 'other';

export interface Vip {
  /** The virtual IP address clients connect to. */
  address: string;
  /** The web switch that owns it. */
  switchHost: string;
  /** The switch's interface that carries the VIP (the outside one) and its inside interface. */
  outsideIface: string;
  insideIface: string;
  /** The switch's own address on the inside interface: what MASQUERADE writes as source. */
  insideAddress: string;
  policy: PolicyKind;
  /** The DNAT rules of the nat PREROUTING chain whose destination is this VIP, in chain order. */
  rules: DnatRule[];
}

/** What must hold, besides the destination being the VIP, for a DNAT rule to match. */
export type DnatMatch =
  /** `-m statistic --mode nth --every N --packet P`: the k-th evaluation (k from 1) matches iff (k-1) mod N == P. */
  | { kind: 'nth'; every: number; packet: number }
  /** `-m statistic --mode random --probability p`: p as iptables lists it (threshold / 2^31). */
  | { kind: 'random'; probability: number }
  /** `-s ADDR[/N]`: the connection's source address. */
  | { kind: 'source'; source: string }
  /** No condition. */
  | { kind: 'always' };

export interface DnatRule {
  /** 1-based position in the nat PREROUTING chain (as `--line-numbers` would print it). */
  num: number;
  match: DnatMatch;
  /** The DNAT target address (`--to-destination`). */
  toAddress: string;
  /** The index of the server with that address, or null if no server has it. */
  server: number | null;
}

// ---------------------------------------------------------------------------------------------
// Q1: links, loads and reloads

/** What the user did in links (one console step each). */
export type Q1Action =
  /** `links http://VIP/`: the page requested, on a new connection unless links still holds one to that server. */
  | 'load'
  /** ctrl+R (`links reload`): the page requested again; on the same connection while the server keeps it open. */
  | 'reload'
  /** ctrl+S (`links close`): links closes its connection; no request. The next load opens a new connection. */
  | 'close';

export interface Q1Step {
  action: Q1Action;
  /** Virtual time of the step's first packet (the request, or the close's FIN), ns. */
  timeNs: number;
  /** The server named by the page received; null for a close, or if no page came back. */
  server: number | null;
  /** Whether a connection was opened for this request (true) or an earlier one kept alive was used (false; always false for a close). */
  newConnection: boolean;
  /** Wireshark's `tcp.stream` index, in captureFile, of the connection the request went on (or that the close closed). */
  tcpStream: number;
  /** The capture file (the client's interface capture) in which tcpStream is counted. */
  captureFile: string;
  /** The connection as the client sees it. */
  conn: FourTuple;
}

export interface FourTuple {
  srcAddr: string;
  srcPort: number;
  dstAddr: string;
  dstPort: number;
}

export interface Q1Case {
  vip: string;
  client: string;
  /** In time order. */
  steps: Q1Step[];
}

// ---------------------------------------------------------------------------------------------
// Q2: count_server_replies.sh

export interface Q2Run {
  vip: string;
  client: string;
  /** The command typed (e.g. './count_server_replies.sh 10.0.0.2'). */
  command: string;
  /** What the script printed, exactly. */
  stdout: string;
  /** Requests the script sent to the VIP (100 in the lab). */
  requests: number;
  /** Per server, the replies the script counted; servers that got none are listed with 0. Sorted by server. */
  counts: { server: number; count: number }[];
  /**
   * Connections to this VIP whose first packet the switch's nat PREROUTING chain had already seen
   * before this run (from the run's captures): the nth counters' state, so round robin's outcome
   * can be predicted exactly.
   */
  connectionsBefore: number;
  /** The client's interface capture and the tcp.stream range of this run's connections to the VIP. */
  captureFile: string;
  firstStream: number;
  lastStream: number;
}

// ---------------------------------------------------------------------------------------------
// Q3: the switches' nat counters

export interface Q3Switch {
  host: string;
  /** The command whose output `listing` is (e.g. 'iptables -t nat -vnL'). */
  command: string;
  /** The listing exactly as printed at the end of the run. */
  listing: string;
  /** The same listing parsed. */
  chains: NatChain[];
  /** What the captures say went through this switch, to compare with the counters. */
  observed: Q3Observed;
}

export interface NatChain {
  name: string;
  /** 'ACCEPT' or 'DROP' for built-in chains; null for user chains. */
  policy: string | null;
  policyPkts: Counter;
  policyBytes: Counter;
  rules: NatRuleCounters[];
}

/** A counter as listed: without `-x` iptables abbreviates (100K); `exact` says whether value is exact. */
export interface Counter {
  value: number;
  text: string;
  exact: boolean;
}

export interface NatRuleCounters {
  /** 1-based position in its chain. */
  num: number;
  pkts: Counter;
  bytes: Counter;
  target: string;
  prot: string;
  inIface: string;
  outIface: string;
  source: string;
  destination: string;
  /** Everything after the destination column: matches and target options ('statistic mode nth every 3 to:100.0.0.1'). */
  matchText: string;
}

export interface Q3Observed {
  /** The captures of the switch's outside and inside interfaces. */
  outsideCapture: string;
  insideCapture: string;
  /** New connections addressed to a VIP of this switch, as seen arriving on the outside interface (first packets only). */
  connectionsToVip: number;
  /** Every packet addressed to a VIP of this switch that arrived on the outside interface: the contrast with connectionsToVip. */
  packetsToVip: number;
  /** Of those, how many went to each server (inside capture, matched to the outside SYN by its sequence number), sorted by server. */
  connectionsToVipByServer: { server: number; count: number }[];
  /** Every connection the switch opened towards each server with its inside address (DNATed and routed alike), sorted by server. */
  connectionsMasqueradedByServer: { server: number; count: number }[];
  /** New connections that arrived from outside addressed elsewhere (routed through, e.g. the script's reference wgets). */
  connectionsRouted: number;
  /** New connections that left the inside interface with the switch's address as source (masqueraded). */
  connectionsMasqueraded: number;
  /** The IP total lengths of the first packets of connectionsToVip, with how many had each. Sorted by length. */
  firstPacketIpLengths: { length: number; count: number }[];
}

// ---------------------------------------------------------------------------------------------
// The ladder diagram

export type LadderSide = 'outside' | 'inside';

/** One address rewrite the switch did on a packet (or undid on a reply, from its conntrack entry). */
export interface NatRewrite {
  /** dnat: destination VIP -> server; masquerade: source client -> switch; un-*: the reverse on replies. */
  kind: 'dnat' | 'masquerade' | 'undnat' | 'unmasquerade';
  /** True when a nat rule made the decision (the connection's first packet); false when conntrack applied a recorded one. */
  byRule: boolean;
  from: string;
  to: string;
}

export interface LadderPacket {
  timeNs: number;
  side: LadderSide;
  /** 'toServer' for client -> server traffic, 'toClient' for replies. */
  direction: 'toServer' | 'toClient';
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  /** TCP flags as Wireshark names them, comma-separated ('SYN', 'SYN, ACK', 'PSH, ACK'). */
  flags: string;
  /** TCP payload bytes. */
  payloadLen: number;
  /** IP total length. */
  ipTotalLen: number;
  /** 1-based frame number in its capture file. */
  frameNumber: number;
  /** Rewrites done between this packet's outside and inside appearances (only on the inside/outside copy that left the switch). */
  nat: NatRewrite[];
}

export interface LadderConnection {
  switchHost: string;
  vip: string;
  client: string;
  clientAddr: string;
  clientPort: number;
  serverAddr: string;
  server: number | null;
  /** The switch's inside address and the port it used towards the server. */
  insideAddr: string;
  insidePort: number;
  outsideCapture: string;
  outsideStream: number;
  insideCapture: string;
  insideStream: number;
  /** Both sides' packets, in time order (outside copy before inside copy for requests, and the reverse for replies). */
  packets: LadderPacket[];
}

// ---------------------------------------------------------------------------------------------
// Capture files

export interface CaptureFiles {
  /** One pcap per host interface. */
  interfaces: { host: string; iface: string; file: string }[];
  /** One pcap per collision domain. */
  domains: { domain: string; file: string }[];
  /** The merged pcapng with NAT comments, or null if none was written. */
  merged: string | null;
}
