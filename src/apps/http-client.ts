// One HTTP/1.1 client connection: sends requests one at a time on a TcpSocket and hands back
// each response as it completes (parsed per stream, so any segmentation works). The clients
// (wget, curl, links) are state machines over this.

import type { TcpError, TcpSocket } from '../stack/tcp/index.ts';
import { HttpStreamParser, isWireError, type ParsedHttpMessage } from '../wire/index.ts';
import { latin1Bytes, latin1Text, type AppEnv } from './http-common.ts';

export interface HttpResponseInfo {
  status: number;
  reason: string;
  version: string;
  headers: { name: string; value: string }[];
  body: Uint8Array;
  /** The header section as received (status line and fields, CRLFs included). */
  rawHead: string;
  /** Virtual times: first byte of the response, and its last byte. */
  firstByteNs: number;
  doneNs: number;
}

export type HttpClientEvent =
  | { kind: 'connected' }
  | { kind: 'response'; response: HttpResponseInfo }
  | { kind: 'error'; error: TcpError }
  /** The server closed (or reset) the connection while we waited for a response. */
  | { kind: 'closed'; midResponse: boolean; bytesReceived: number; reset: boolean }
  /** The server closed an idle connection (no request outstanding). */
  | { kind: 'idle-close' };

/** An HTTP/1.1 connection to one server. */
export class HttpClientConnection {
  readonly sock: TcpSocket;
  private parser = new HttpStreamParser('response');
  private outstanding: { method: string }[] = [];
  private firstByteNs = -1;
  private received = 0;
  private rawHead = '';
  /** The header section of the response being received is complete in rawHead. */
  private headDone = false;
  private ended = false;
  /** The server sent its FIN (the connection cannot carry another request). */
  peerClosed = false;
  connected = false;

  constructor(
    private readonly env: AppEnv,
    dst: number,
    port: number,
    private readonly onEvent: (e: HttpClientEvent) => void,
  ) {
    // Method shorthand, not arrow properties: tsx would name each arrow (a property definition).
    const conn = this;
    this.sock = env.tcp.connect(dst, port, {
      onConnect() {
        conn.connected = true;
        conn.onEvent({ kind: 'connected' });
      },
      onData(_s, d) {
        conn.onData(d);
      },
      onPeerClose() {
        conn.onPeerClose();
      },
      onError(_s, e) {
        conn.onError(e);
      },
    });
  }

  /** Sends one request (the exact bytes); the response arrives as a 'response' event. */
  send(method: string, requestBytes: Uint8Array | string): void {
    this.outstanding.push({ method });
    this.parser.expectResponseTo(method);
    this.sock.write(typeof requestBytes === 'string' ? latin1Bytes(requestBytes) : requestBytes);
  }

  get busy(): boolean {
    return this.outstanding.length > 0;
  }

  /** Usable for another request: established and not closed by either side. */
  get reusable(): boolean {
    return this.connected && !this.peerClosed && !this.ended && this.sock.state === 'ESTABLISHED';
  }

  close(): void {
    if (this.ended) return;
    this.ended = true;
    this.sock.close();
  }

  private onData(d: Uint8Array): void {
    if (this.ended) return;
    if (this.firstByteNs < 0) this.firstByteNs = this.env.scheduler.now;
    this.received += d.length;
    if (!this.headDone) this.captureHead(d);
    const msgs = this.parser.push(d);
    if (isWireError(msgs)) {
      this.ended = true;
      this.sock.abort();
      this.onEvent({ kind: 'closed', midResponse: true, bytesReceived: this.received, reset: false });
      return;
    }
    for (const m of msgs) this.deliver(m);
  }

  /** Keeps the response's header section as received (for -S, -i), up to its blank line. */
  private captureHead(d: Uint8Array): void {
    // The blank line may straddle chunks: look back over the last 3 characters already held.
    const held = this.rawHead;
    const back = Math.min(3, held.length);
    let end = -1;
    for (let i = 0; i < d.length && end < 0; i++) {
      if (d[i] !== 10) continue;
      const avail = i + back;
      if (avail >= 1 && charBefore(d, held, i, 1) === 10) end = i + 1;
      else if (avail >= 3 && charBefore(d, held, i, 1) === 13 && charBefore(d, held, i, 2) === 10 && charBefore(d, held, i, 3) === 13) end = i + 1;
    }
    this.rawHead = held + latin1Text(end < 0 ? d : d.subarray(0, end));
    if (end >= 0) this.headDone = true;
  }

  private deliver(m: ParsedHttpMessage): void {
    if (m.kind !== 'response') return;
    this.outstanding.shift();
    const response: HttpResponseInfo = {
      status: m.status,
      reason: m.reason,
      version: m.version,
      headers: m.headers,
      body: m.body,
      rawHead: this.rawHead,
      firstByteNs: this.firstByteNs,
      doneNs: this.env.scheduler.now,
    };
    this.firstByteNs = -1;
    this.received = 0;
    this.rawHead = '';
    this.headDone = false;
    this.onEvent({ kind: 'response', response });
  }

  private onPeerClose(): void {
    this.peerClosed = true;
    if (this.ended) return;
    const tail = this.parser.end();
    if (tail !== undefined && !isWireError(tail)) {
      this.deliver(tail);
      return;
    }
    if (this.outstanding.length > 0) {
      this.onEvent({ kind: 'closed', midResponse: this.received > 0, bytesReceived: this.received, reset: false });
    } else {
      this.onEvent({ kind: 'idle-close' });
    }
  }

  private onError(e: TcpError): void {
    if (this.ended) return;
    this.ended = true;
    if (this.connected && e === 'reset') {
      this.onEvent({ kind: 'closed', midResponse: this.received > 0, bytesReceived: this.received, reset: true });
      return;
    }
    this.onEvent({ kind: 'error', error: e });
  }
}

/**
 * The character `k` places before d[i], reaching back into `held` (the head text already kept)
 * when the chunk does not go back that far. A module function: tsx names a closure made per call.
 */
function charBefore(d: Uint8Array, held: string, i: number, k: number): number {
  return i - k >= 0 ? d[i - k]! : held.charCodeAt(held.length - (k - i));
}
