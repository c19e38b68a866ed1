// Linux 6.18 TCP defaults as measured for LINUX.md and FORMATS.md §5.3 (include/net/tcp.h and the
// sysctls of the reference hosts). Every knob a scenario might want to vary lives here, in one
// plain object, so the socket code reads only `cfg.x` and never a magic number.

import { NS_PER_MS, NS_PER_SEC } from '../../sim/index.ts';

export interface TcpConfig {
  /** Interface MTU the advertised MSS derives from (MSS = MTU - 40). */
  mtu: number;
  /** Our window scale shift (RFC 7323). Linux picks it from tcp_rmem[2]; the lab shows 7. */
  windowScale: number;
  /** net.ipv4.tcp_timestamps. */
  timestamps: boolean;
  /** net.ipv4.tcp_sack. */
  sack: boolean;
  /** sk_rcvbuf at socket creation (tcp_rmem[1]). */
  rcvBufBytes: number;
  /** net.ipv4.tcp_syn_retries. */
  synRetries: number;
  /** net.ipv4.tcp_syn_linear_timeouts (6.5+): the first N SYN retransmissions are 1 s apart. */
  synLinearTimeouts: number;
  /** net.ipv4.tcp_synack_retries. */
  synackRetries: number;
  /** net.ipv4.tcp_retries2: data retransmissions before the connection is dropped. */
  retries2: number;
  /** TCP_TIMEWAIT_LEN. */
  timeWaitNs: number;
  /** net.ipv4.tcp_fin_timeout: FIN_WAIT_2 lifetime of an orphaned socket. */
  finTimeoutNs: number;
  /** TCP_ATO_MIN / TCP_DELACK_MIN. */
  delackMinNs: number;
  /** TCP_DELACK_MAX. */
  delackMaxNs: number;
  /** TCP_TIMEOUT_INIT (RFC 6298 2.1). */
  rtoInitNs: number;
  /** TCP_TIMEOUT_FALLBACK: initial data RTO after a retransmitted handshake without an RTT sample. */
  rtoFallbackNs: number;
  rtoMinNs: number;
  rtoMaxNs: number;
  /** TCP_MAX_QUICKACKS. */
  maxQuickAcks: number;
  /** TCP_INIT_CWND, in segments. */
  initCwnd: number;
  /** net.ipv4.ip_local_port_range. */
  ephemeralLow: number;
  ephemeralHigh: number;
  /** net.ipv4.ip_default_ttl. */
  ttl: number;
}

export const LINUX_TCP_DEFAULTS: Readonly<TcpConfig> = Object.freeze({
  mtu: 1500,
  windowScale: 7,
  timestamps: true,
  sack: true,
  rcvBufBytes: 131072,
  synRetries: 6,
  synLinearTimeouts: 4,
  synackRetries: 5,
  retries2: 15,
  timeWaitNs: 60 * NS_PER_SEC,
  finTimeoutNs: 60 * NS_PER_SEC,
  delackMinNs: 40 * NS_PER_MS,
  delackMaxNs: 200 * NS_PER_MS,
  rtoInitNs: 1 * NS_PER_SEC,
  rtoFallbackNs: 3 * NS_PER_SEC,
  rtoMinNs: 200 * NS_PER_MS,
  rtoMaxNs: 120 * NS_PER_SEC,
  maxQuickAcks: 16,
  initCwnd: 10,
  ephemeralLow: 32768,
  ephemeralHigh: 60999,
  ttl: 64,
});

/** TCP_MSS_DEFAULT: the receive-MSS guess before any full segment arrived (tcp_initialize_rcv_mss). */
export const TCP_MSS_DEFAULT = 536;
/** Bytes of the timestamps option block (NOP, NOP, kind 8 len 10) in every non-SYN segment. */
export const TCPOLEN_TSTAMP_ALIGNED = 12;

export function resolveTcpConfig(over: Partial<TcpConfig> | undefined): TcpConfig {
  const cfg: TcpConfig = { ...LINUX_TCP_DEFAULTS, ...(over ?? {}) };
  if (!Number.isInteger(cfg.windowScale) || cfg.windowScale < 0 || cfg.windowScale > 14) {
    throw new RangeError(`TCP window scale must be an integer 0-14 (RFC 7323 2.3), got ${cfg.windowScale}`);
  }
  if (!Number.isInteger(cfg.mtu) || cfg.mtu < 68 || cfg.mtu > 65535) {
    throw new RangeError(`MTU must be an integer 68-65535, got ${cfg.mtu}`);
  }
  if (cfg.ephemeralLow < 1 || cfg.ephemeralHigh > 65535 || cfg.ephemeralHigh <= cfg.ephemeralLow) {
    throw new RangeError(`bad ephemeral port range ${cfg.ephemeralLow}-${cfg.ephemeralHigh}`);
  }
  return cfg;
}
