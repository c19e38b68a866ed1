// A minimal UDP layer: enough to bind a port, send a datagram, and answer a closed port with
// ICMP port unreachable as Linux does (__udp4_lib_rcv -> icmp_send(PORT_UNREACH)).
import { emitUdp, parseUdp, isWireError, UdpPacket, ICMP_DEST_UNREACHABLE, ICMP_PORT_UNREACHABLE, IP_PROTO_UDP, type Ipv4Addr } from '../wire/index.ts';
import type { Host } from './host.ts';
import type { IcmpErrorInfo, Ipv4Meta, SendResult, TransportReceiver } from './types.ts';

export interface UdpDatagram {
  src: Ipv4Addr;
  srcPort: number;
  dst: Ipv4Addr;
  dstPort: number;
  data: Uint8Array;
  ip: Ipv4Meta;
}

export interface UdpHandler {
  onDatagram(d: UdpDatagram): void;
  onError?(err: IcmpErrorInfo, srcPort: number, dstPort: number): void;
}

export class UdpLayer implements TransportReceiver {
  private readonly ports = new Map<number, UdpHandler>();
  /** Datagrams dropped for a bad checksum or length. */
  inErrors = 0;
  /** Datagrams to a port nobody listens on. */
  noPorts = 0;

  constructor(private readonly host: Host) {
    host.registerProtocol(IP_PROTO_UDP, this);
  }

  bind(port: number, handler: UdpHandler): void {
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`UDP port must be 1-65535, got ${port}`);
    if (this.ports.has(port)) throw new Error(`${this.host.name}: UDP port ${port} is already bound (EADDRINUSE)`);
    this.ports.set(port, handler);
  }

  unbind(port: number): void {
    this.ports.delete(port);
  }

  send(srcPort: number, dst: Ipv4Addr, dstPort: number, data: Uint8Array): SendResult {
    const src = this.host.selectSource(dst);
    if (src === undefined) return 'ENETUNREACH';
    const seg = new Uint8Array(8 + data.length);
    emitUdp({ srcPort, dstPort, payload: data }, seg, 0, src, dst);
    // Path-MTU discovery "want" sets DF; an unconnected socket's DF datagram gets IP ID 0
    // (ip_select_ident_segs), the sendIpv4 default.
    return this.host.sendIpv4({ src, dst, protocol: IP_PROTO_UDP, payload: seg });
  }

  input(segment: Uint8Array, ip: Ipv4Meta): void {
    const u = parseUdp(segment, 0, segment.length);
    if (isWireError(u) || !new UdpPacket(segment, 0).verifyChecksum(ip.src, ip.dst)) {
      this.inErrors++;
      return;
    }
    const h = this.ports.get(u.dstPort);
    if (h === undefined) {
      this.noPorts++;
      if (!ip.broadcast) this.host.sendIcmpError(ip.packet, ICMP_DEST_UNREACHABLE, ICMP_PORT_UNREACHABLE, 0, ip.context);
      return;
    }
    h.onDatagram({ src: ip.src, srcPort: u.srcPort, dst: ip.dst, dstPort: u.dstPort, data: u.payload, ip });
  }

  icmpError(err: IcmpErrorInfo): void {
    if (err.quotedPayload.length < 4) return;
    const sp = (err.quotedPayload[0]! << 8) | err.quotedPayload[1]!;
    const dp = (err.quotedPayload[2]! << 8) | err.quotedPayload[3]!;
    this.ports.get(sp)?.onError?.(err, sp, dp);
  }
}
