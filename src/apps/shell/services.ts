// What a host's console can reach beyond the shell: the host's stack, its netfilter, per-
// interface counters, and the network clients (wget, curl, links) of the apps layer.
import type { Host, Interface } from '../../stack/index.ts';
import type { Proc } from './interp.ts';

/** The part of a host's Netfilter the console uses (src/netfilter Netfilter.exec). */
export interface NetfilterCommands {
  exec(argv: string[], stdin?: string): { stdout: string; stderr: string; exitCode: number };
}

/** What an HTTP client run reports: the exact bytes of stdout, the text of stderr, the status. */
export interface ClientResult {
  stdout: Uint8Array | string;
  stderr: string;
  exitCode: number;
  /** Files the program saved (wget without -O -, curl -o FILE), names relative to the cwd. */
  files?: Array<{ name: string; data: Uint8Array }>;
}

/** Starts a client program (wget, curl) with its argv on the host; `done` fires once, later. */
export type ClientProgram = (host: Host, argv: readonly string[], done: (r: ClientResult) => void) => void;

/**
 * A browser session kept per host between console steps (Links' connection stays open between a
 * load and a reload). `load` opens a URL, `reload` asks for the current page again (on the same
 * connection if it is still open), `close` closes the connection (the seed's ctrl+S). A result's
 * stdout is the page as printed (rendered as `links -dump` does).
 */
export interface BrowserSession {
  load(url: string, done: (r: ClientResult) => void): void;
  reload(done: (r: ClientResult) => void): void;
  close(done: (r: ClientResult) => void): void;
}

export interface NetworkClients {
  wget?: ClientProgram;
  curl?: ClientProgram;
  /** Creates the per-host browser session (called once per host, on first use). */
  browser?: (host: Host) => BrowserSession;
  /** `links -dump URL`: a one-shot Links process (its own connection, closed at exit). */
  linksDump?: (host: Host, url: string, done: (r: ClientResult) => void) => void;
}

/** Frame counters of one interface, as ifconfig prints them. */
export interface IfaceCounters {
  rxPackets: number;
  rxBytes: number;
  txPackets: number;
  txBytes: number;
}

export interface ConsoleServices {
  host: Host;
  netfilter: NetfilterCommands | null;
  clients: NetworkClients;
  counters(iface: Interface): IfaceCounters;
  browser: BrowserSession | null;
}

export function servicesOf(p: Proc): ConsoleServices {
  return p.shell.services as ConsoleServices;
}

/**
 * Counts the frames a host's interfaces send and accept (a received frame counts if it is for
 * the interface's MAC, broadcast or multicast, as the kernel's rx counters do); attach before
 * boot so the counts start at zero with the interface.
 */
export class CounterTaps {
  private readonly counts = new Map<Interface, IfaceCounters>();

  attach(iface: Interface): void {
    if (this.counts.has(iface)) return;
    const c: IfaceCounters = { rxPackets: 0, rxBytes: 0, txPackets: 0, txBytes: 0 };
    this.counts.set(iface, c);
    iface.addTap((_t, ref, dir, frame) => {
      if (dir === 'out') {
        c.txPackets++;
        c.txBytes += frame.length;
        return;
      }
      if (frame.length < 14) return;
      const group = ((frame[0] as number) & 1) === 1;
      // A unicast frame counts when its destination MAC is ours (the 48 bits read as one number).
      const mine =
        group ||
        ((frame[0] as number) * 256 + (frame[1] as number)) * 4294967296 +
          ((((frame[2] as number) << 24) | ((frame[3] as number) << 16) | ((frame[4] as number) << 8) | (frame[5] as number)) >>> 0) ===
          (ref as Interface).mac;
      if (mine) {
        c.rxPackets++;
        c.rxBytes += frame.length;
      }
    });
  }

  get(iface: Interface): IfaceCounters {
    return this.counts.get(iface) ?? { rxPackets: 0, rxBytes: 0, txPackets: 0, txBytes: 0 };
  }
}
