// Frames serialized + checksummed + written to a capture, per second: the hot path of every
// simulated packet. 66-byte frames are bare ACKs with timestamps (14 + 20 + 32); 300-byte frames
// carry 234 bytes of HTTP. Written to pcap into memory and into a file under os.tmpdir().

import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemorySink, PcapngWriter, PcapWriter, type ByteSink } from '../src/pcap/index.ts';
import {
  buildEthIpv4Tcp,
  ethIpv4TcpLen,
  ipv4FromString,
  Ipv4Packet,
  isWireError,
  parseFrame,
  summarizeFrame,
  TcpSeqTracker,
  macFromIpv4,
  TCP_ACK,
  TCP_PSH,
  writeEthIpv4Tcp,
  type Ipv4Params,
  type TcpRepr,
} from '../src/wire/index.ts';
import type { BenchCase, BenchModule } from './harness.ts';

const BATCH = 10_000;
const T0 = 1319625000;
const SRC = ipv4FromString('10.0.0.10');
const DST = ipv4FromString('10.0.0.1');
const SRC_MAC = macFromIpv4(SRC);
const DST_MAC = macFromIpv4(DST);

function makeTcp(payloadLen: number): { ip: Ipv4Params; tcp: TcpRepr } {
  const payload = new Uint8Array(payloadLen);
  const text = new TextEncoder().encode('HTTP/1.1 200 OK\r\nServer: Apache/2.4.71 (Debian)\r\nContent-Length: 67\r\n\r\n');
  payload.set(text.subarray(0, Math.min(payloadLen, text.length)));
  const tcp: TcpRepr = {
    srcPort: 80,
    dstPort: 44656,
    seq: 3027561986,
    ack: 105850341,
    flags: payloadLen > 0 ? TCP_PSH | TCP_ACK : TCP_ACK,
    window: 509,
    urgentPtr: 0,
    options: [{ kind: 'nop' }, { kind: 'nop' }, { kind: 'timestamps', tsVal: 1398749879, tsEcr: 3442824986 }],
  };
  if (payloadLen > 0) tcp.payload = payload;
  return { ip: { src: DST, dst: SRC, ident: 0xfdbc, ttl: 64 }, tcp };
}

/** Writes through to a file descriptor (what cli/'s file sink does, minus the rename). */
class FdSink implements ByteSink {
  constructor(private readonly fd: number) {}
  write(chunk: Uint8Array): void {
    let off = 0;
    while (off < chunk.length) off += writeSync(this.fd, chunk, off, chunk.length - off);
  }
  close(): void {
    closeSync(this.fd);
  }
}

type Target = 'none' | 'memory' | 'file';

function frameCase(frameLen: number, target: Target, format: 'pcap' | 'pcapng', allocate: boolean): BenchCase {
  const { ip, tcp } = makeTcp(frameLen - 66);
  const len = ethIpv4TcpLen(ip, tcp);
  if (len !== frameLen) throw new Error(`bench frame is ${len} bytes, wanted ${frameLen}`);
  const scratch = new Uint8Array(len);
  let dir = '';
  let sink: ByteSink = new MemorySink();
  let pcap: PcapWriter | undefined;
  let pcapng: PcapngWriter | undefined;
  let ifId = 0;
  let written = 0;
  let tNs = 0;
  const open = (): void => {
    if (target === 'file') {
      sink = new FdSink(openSync(join(dir, `bench.${format}`), 'w'));
    } else {
      sink = new MemorySink();
    }
    if (format === 'pcap') pcap = new PcapWriter(sink, { nanos: true });
    else {
      pcapng = new PcapngWriter(sink, { comment: 'lbsim bench' });
      ifId = pcapng.addInterface('eth0', 'bench');
    }
    written = 0;
  };
  const close = (): void => {
    pcap?.close();
    pcapng?.close();
  };
  const label = `${frameLen}-byte TCP frame${allocate ? ' (new array each)' : ''} -> ${target === 'none' ? 'serialize + checksum only' : `${format}, ${target}`}`;
  return {
    name: label,
    unit: 'frames',
    opsPerRun: BATCH,
    bytesPerOp: frameLen,
    setup: () => {
      if (target === 'file') dir = mkdtempSync(join(tmpdir(), 'lbsim-bench-'));
      if (target !== 'none') open();
    },
    run: () => {
      // Memory and file targets are reopened every ~32 MB so memory (and disk) use stays flat.
      if (target !== 'none' && written * frameLen > 32_000_000) {
        close();
        open();
      }
      for (let i = 0; i < BATCH; i++) {
        tcp.seq = (tcp.seq + frameLen) >>> 0;
        ip.ident = (ip.ident + 1) & 0xffff;
        tNs += 1000;
        let frame: Uint8Array;
        if (allocate) frame = buildEthIpv4Tcp(SRC_MAC, DST_MAC, ip, tcp);
        else {
          writeEthIpv4Tcp(scratch, 0, SRC_MAC, DST_MAC, ip, tcp);
          frame = scratch;
        }
        if (pcap !== undefined) pcap.writePacket(T0 + Math.floor(tNs / 1e9), tNs % 1e9, frame);
        else if (pcapng !== undefined) pcapng.writePacket(ifId, T0 + Math.floor(tNs / 1e9), tNs % 1e9, frame, { direction: 'out' });
      }
      written += BATCH;
    },
    teardown: () => {
      if (target !== 'none') close();
      pcap = undefined;
      pcapng = undefined;
      if (dir !== '') rmSync(dir, { recursive: true, force: true });
      dir = '';
    },
  };
}

function parseCase(frameLen: number): BenchCase {
  const { ip, tcp } = makeTcp(frameLen - 66);
  const frame = buildEthIpv4Tcp(SRC_MAC, DST_MAC, ip, tcp);
  let sink = 0;
  return {
    name: `${frameLen}-byte TCP frame -> parseFrame (Ethernet, IPv4, TCP + options)`,
    unit: 'frames',
    opsPerRun: BATCH,
    run: () => {
      for (let i = 0; i < BATCH; i++) {
        const r = parseFrame(frame);
        if (!isWireError(r)) sink += r.tcp?.window ?? 0;
      }
      if (sink < 0) throw new Error('unreachable');
    },
  };
}

function natCase(): BenchCase {
  const { ip, tcp } = makeTcp(0);
  const frame = buildEthIpv4Tcp(SRC_MAC, DST_MAC, ip, tcp);
  const pkt = new Ipv4Packet(frame, 14);
  const a = ipv4FromString('10.0.1.1');
  const b = ipv4FromString('10.0.0.1');
  return {
    name: 'NAT rewrite: DNAT address + SNAT address + port + TTL, RFC 1624 updates',
    unit: 'packets',
    opsPerRun: BATCH,
    run: () => {
      for (let i = 0; i < BATCH; i++) {
        pkt.setDstWithChecksumUpdate(i & 1 ? a : b);
        pkt.setSrcWithChecksumUpdate(i & 1 ? b : a);
        pkt.setSrcPortWithChecksumUpdate(40000 + (i & 0xff));
        pkt.decrementTtl();
      }
    },
  };
}

function printCase(): BenchCase {
  const { ip, tcp } = makeTcp(234);
  const frame = buildEthIpv4Tcp(SRC_MAC, DST_MAC, ip, tcp);
  const seq = new TcpSeqTracker();
  let n = 0;
  return {
    name: '300-byte HTTP frame -> summarizeFrame (tcpdump -nn line)',
    unit: 'lines',
    opsPerRun: 1000,
    run: () => {
      for (let i = 0; i < 1000; i++) n += summarizeFrame(frame, { seq }).length;
      if (n < 0) throw new Error('unreachable');
    },
  };
}

const bench: BenchModule = {
  title: 'wire + pcap',
  cases: [
    frameCase(66, 'none', 'pcap', false),
    frameCase(66, 'memory', 'pcap', false),
    frameCase(66, 'file', 'pcap', false),
    frameCase(66, 'memory', 'pcap', true),
    frameCase(66, 'memory', 'pcapng', false),
    frameCase(300, 'none', 'pcap', false),
    frameCase(300, 'memory', 'pcap', false),
    frameCase(300, 'file', 'pcap', false),
    frameCase(300, 'memory', 'pcapng', false),
    parseCase(66),
    natCase(),
    printCase(),
  ],
};

export default bench;
