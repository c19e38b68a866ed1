// Topologies and capture plumbing shared by the stack tests.
import { MemorySink } from '../../src/pcap/index.ts';
import { Capture, Network, type CaptureFile, type Host, type NetworkOptions } from '../../src/stack/index.ts';
import { ipv4FromString as ip, readMac, readU16, EthernetField } from '../../src/wire/index.ts';

export { ip };

export interface Captured {
  capture: Capture;
  sinks: Map<string, MemorySink>;
  /** Closes the capture and returns every file's bytes by name. */
  finish(): Map<string, Uint8Array>;
}

export function captureToMemory(net: Network, opts: { trace?: boolean; summarize?: (f: Uint8Array) => string } = {}): Captured {
  const sinks = new Map<string, MemorySink>();
  const capture = new Capture(net, {
    sinks: (f: CaptureFile) => {
      const s = new MemorySink();
      sinks.set(f.name, s);
      return s;
    },
    trace: opts.trace ?? true,
    ...(opts.summarize ? { summarize: opts.summarize } : {}),
  });
  return {
    capture,
    sinks,
    finish() {
      capture.close();
      const out = new Map<string, Uint8Array>();
      for (const [k, v] of sinks) out.set(k, v.bytes());
      return out;
    },
  };
}

/** Two hosts on one segment: a 10.0.0.10/24, b 10.0.0.1/24. */
export function twoHosts(opts: NetworkOptions = {}): { net: Network; a: Host; b: Host } {
  const net = new Network(opts);
  const a = net.addHost('a');
  const b = net.addHost('b');
  net.connect(a, 'eth0', 'A');
  net.connect(b, 'eth0', 'A');
  a.addAddress('eth0', ip('10.0.0.10'), 24);
  b.addAddress('eth0', ip('10.0.0.1'), 24);
  return { net, a, b };
}

/** client1 (10.0.0.10) - router (10.0.0.1 | 100.0.0.4) - server1 (100.0.0.1), no NAT. */
export function routed(opts: NetworkOptions = {}): { net: Network; client: Host; router: Host; server: Host } {
  const net = new Network(opts);
  const client = net.addHost('client1');
  const router = net.addHost('router', { ipForward: true });
  const server = net.addHost('server1');
  net.connect(client, 'eth0', 'A');
  net.connect(router, 'eth0', 'A');
  net.connect(router, 'eth1', 'B');
  net.connect(server, 'eth0', 'B');
  client.addAddress('eth0', ip('10.0.0.10'), 24);
  router.addAddress('eth0', ip('10.0.0.1'), 24);
  router.addAddress('eth1', ip('100.0.0.4'), 24);
  server.addAddress('eth0', ip('100.0.0.1'), 24);
  expectOk(client.addRoute({ dst: 0, prefixLen: 0, gateway: ip('10.0.0.1') }));
  expectOk(server.addRoute({ dst: 0, prefixLen: 0, gateway: ip('100.0.0.4') }));
  return { net, client, router, server };
}

export function expectOk(r: string): void {
  if (r !== 'ok') throw new Error(`expected ok, got ${r}`);
}

/** A tap that records frames on one interface: time, direction, and a few header fields. */
export interface SeenFrame {
  t: number;
  dir: 'in' | 'out';
  dstMac: number;
  srcMac: number;
  ethertype: number;
  bytes: Uint8Array;
}

export function recordFrames(host: Host, ifaceName: string): SeenFrame[] {
  const seen: SeenFrame[] = [];
  host.iface(ifaceName).addTap((t, _i, dir, frame) => {
    seen.push({
      t,
      dir,
      dstMac: readMac(frame, EthernetField.DST),
      srcMac: readMac(frame, EthernetField.SRC),
      ethertype: readU16(frame, EthernetField.ETHERTYPE),
      bytes: frame.slice(),
    });
  });
  return seen;
}
