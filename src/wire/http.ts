// HTTP/1.x messages over a byte stream (RFC 9112). Parsing is per stream, never per segment:
// HttpStreamParser takes bytes as they arrive, split anywhere, and yields whole messages. Headers
// keep their order and the case they were sent in; field text is Latin-1 so every byte survives.
// Bodies: Content-Length, chunked (read only), or until the connection closes (responses).

import { allocBytes, EMPTY_BYTES } from './bytes.ts';
import { WireError } from './errors.ts';

export interface HttpHeader {
  name: string;
  value: string;
}

export interface HttpRequest {
  kind: 'request';
  method: string;
  target: string;
  /** e.g. "HTTP/1.1". */
  version: string;
  headers: HttpHeader[];
  body: Uint8Array;
}

export interface HttpResponse {
  kind: 'response';
  version: string;
  status: number;
  reason: string;
  headers: HttpHeader[];
  body: Uint8Array;
}

export type HttpMessage = HttpRequest | HttpResponse;

/** A parsed message with how it was framed on the wire. */
export type ParsedHttpMessage = HttpMessage & {
  /** Bytes of the stream this message occupied (start line to the end of its body). */
  wireLength: number;
  /** The body arrived chunked (body holds the de-chunked data). */
  chunked: boolean;
};

/** Case-insensitive lookup of the first header with this name. */
export function getHeader(msg: { headers: readonly HttpHeader[] }, name: string): string | undefined {
  const n = name.toLowerCase();
  for (const h of msg.headers) if (h.name.toLowerCase() === n) return h.value;
  return undefined;
}

function latin1(b: Uint8Array, start: number, end: number): string {
  // Eight bytes a fromCharCode call: ~2x faster than a concatenation per byte on header lines.
  let s = '';
  let i = start;
  for (; i + 8 <= end; i += 8) s += String.fromCharCode(b[i]!, b[i + 1]!, b[i + 2]!, b[i + 3]!, b[i + 4]!, b[i + 5]!, b[i + 6]!, b[i + 7]!);
  for (; i < end; i++) s += String.fromCharCode(b[i]!);
  return s;
}

function writeLatin1(s: string, buf: Uint8Array, off: number): number {
  for (let i = 0; i < s.length; i++) buf[off + i] = s.charCodeAt(i);
  return off + s.length;
}

function startLine(msg: HttpMessage): string {
  return msg.kind === 'request'
    ? `${msg.method} ${msg.target} ${msg.version}`
    : `${msg.version} ${msg.status} ${msg.reason}`;
}

/** Bytes emitHttp writes: start line, headers as given, blank line, body. */
export function httpBufferLen(msg: HttpMessage): number {
  let n = startLine(msg).length + 2;
  for (const h of msg.headers) n += h.name.length + 2 + h.value.length + 2;
  return n + 2 + msg.body.length;
}

/**
 * Writes the message exactly as described: headers in their order and case, the body verbatim.
 * Nothing is added (no Content-Length): the caller states every header. Returns bytes written.
 */
export function emitHttp(msg: HttpMessage, buf: Uint8Array, off = 0): number {
  let p = writeLatin1(startLine(msg), buf, off);
  buf[p++] = 13;
  buf[p++] = 10;
  for (const h of msg.headers) {
    p = writeLatin1(h.name, buf, p);
    buf[p++] = 0x3a;
    buf[p++] = 0x20;
    p = writeLatin1(h.value, buf, p);
    buf[p++] = 13;
    buf[p++] = 10;
  }
  buf[p++] = 13;
  buf[p++] = 10;
  buf.set(msg.body, p);
  return p + msg.body.length - off;
}

export function encodeHttp(msg: HttpMessage): Uint8Array {
  const b = allocBytes(httpBufferLen(msg));
  emitHttp(msg, b, 0);
  return b;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const VERSION = /^HTTP\/\d\.\d$/;

type Phase = 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-crlf' | 'trailers' | 'until-close';

export interface HttpStreamParserOptions {
  /** Largest start line + header section accepted. Default 64 KiB (Apache's limits are near this). */
  maxHeaderBytes?: number;
}

/**
 * Incremental parser for one direction of one connection. push() bytes as they arrive; each call
 * returns the messages completed by those bytes. A syntax error is returned as a WireError
 * (offset = position in the stream) and the parser stays failed.
 */
export class HttpStreamParser {
  // `buf` is either `store` (ours) or, during one push with nothing pending, the caller's chunk
  // itself: most segments hold whole messages, so they are parsed where they lie, no copy. What a
  // push leaves unparsed goes into `store` before it returns (settle). `store` is allocated on
  // first need: many parsers (one per connection) never need one.
  private buf: Uint8Array = EMPTY_BYTES;
  private store: Uint8Array = EMPTY_BYTES;
  private len = 0; // bytes held in buf
  private pos = 0; // parse position in buf
  private streamBase = 0; // stream offset of buf[0]
  private phase: Phase = 'head';
  private scanFrom = 0;
  private current: ParsedHttpMessage | undefined;
  private msgStart = 0; // stream offset where the current message began
  private bodyParts: Uint8Array[] = [];
  private remaining = 0;
  private error: WireError | undefined;
  private readonly headMethods: string[] = [];
  private readonly maxHeaderBytes: number;

  constructor(
    readonly role: 'request' | 'response',
    opts: HttpStreamParserOptions = {},
  ) {
    this.maxHeaderBytes = opts.maxHeaderBytes ?? 65536;
  }

  /**
   * For a response parser: the method of the request this next response answers, in order.
   * Needed only to know that a response to HEAD has no body (RFC 9112 §6.3 rule 1).
   */
  expectResponseTo(method: string): void {
    this.headMethods.push(method);
  }

  /** Bytes received but not yet part of a completed message. */
  get pending(): number {
    return this.len - this.pos + this.bodyParts.reduce((a, b) => a + b.length, 0);
  }

  /** True while in the middle of a message. */
  get inMessage(): boolean {
    return this.phase !== 'head' || this.pos < this.len;
  }

  push(chunk: Uint8Array): ParsedHttpMessage[] | WireError {
    if (this.error !== undefined) return this.error;
    this.append(chunk);
    const out: ParsedHttpMessage[] = [];
    for (;;) {
      const r = this.step();
      if (r instanceof WireError) {
        this.error = r;
        this.settle();
        return r;
      }
      if (r === 'need-more') break;
      if (r !== 'progress') out.push(r);
    }
    this.settle();
    return out;
  }

  /**
   * The connection closed. Completes a response whose body runs until close; a message cut short
   * is an error; undefined when nothing was pending.
   */
  end(): ParsedHttpMessage | WireError | undefined {
    if (this.error !== undefined) return this.error;
    if (this.phase === 'until-close') {
      this.bodyParts.push(this.buf.slice(this.pos, this.len));
      this.pos = this.len;
      return this.finish();
    }
    if (this.phase === 'head' && this.pos === this.len) return undefined;
    this.error = new WireError(
      'bad-http',
      this.streamBase + this.len,
      `connection closed inside an HTTP message (while reading its ${this.phase === 'head' ? 'header section' : 'body'})`,
    );
    return this.error;
  }

  private append(chunk: Uint8Array): void {
    if (this.pos === this.len) {
      // Nothing pending: parse the chunk where it lies (settle keeps what is left).
      this.streamBase += this.pos;
      this.scanFrom -= this.pos;
      this.pos = 0;
      this.len = chunk.length;
      this.buf = chunk;
      return;
    }
    // buf is `store` here (settle leaves nothing borrowed between pushes).
    if (this.len + chunk.length > this.buf.length) {
      const live = this.len - this.pos;
      let cap = this.buf.length;
      while (cap < live + chunk.length) cap *= 2;
      const nb = cap === this.buf.length ? this.buf : new Uint8Array(cap);
      nb.set(this.buf.subarray(this.pos, this.len), 0);
      this.streamBase += this.pos;
      this.scanFrom -= this.pos;
      this.len = live;
      this.pos = 0;
      this.buf = nb;
      this.store = nb;
    }
    this.buf.set(chunk, this.len);
    this.len += chunk.length;
  }

  /** End of a push: nothing pending frees the buffer; pending bytes of a borrowed chunk are copied into `store`. */
  private settle(): void {
    if (this.pos === this.len) {
      this.streamBase += this.pos;
      this.scanFrom -= this.pos;
      this.pos = 0;
      this.len = 0;
      this.buf = this.store;
      return;
    }
    if (this.buf === this.store) return;
    const live = this.len - this.pos;
    let cap = Math.max(this.store.length, 1024);
    while (cap < live) cap *= 2;
    const nb = cap === this.store.length ? this.store : new Uint8Array(cap);
    nb.set(this.buf.subarray(this.pos, this.len), 0);
    this.streamBase += this.pos;
    this.scanFrom -= this.pos;
    this.len = live;
    this.pos = 0;
    this.buf = nb;
    this.store = nb;
  }

  /** Index of the next LF at or after `from`, or -1. */
  private findLf(from: number): number {
    const buf = this.buf;
    const len = this.len;
    for (let i = from; i < len; i++) if (buf[i] === 10) return i;
    return -1;
  }

  /** A line [pos, lf) without its CR. */
  private line(start: number, lf: number): string {
    const end = lf > start && this.buf[lf - 1] === 13 ? lf - 1 : lf;
    return latin1(this.buf, start, end);
  }

  private fail(at: number, message: string): WireError {
    return new WireError('bad-http', this.streamBase + at, message);
  }

  private step(): ParsedHttpMessage | 'progress' | 'need-more' | WireError {
    switch (this.phase) {
      case 'head':
        return this.stepHead();
      case 'length': {
        const n = Math.min(this.remaining, this.len - this.pos);
        if (n > 0) {
          this.bodyParts.push(this.buf.slice(this.pos, this.pos + n));
          this.pos += n;
          this.remaining -= n;
        }
        if (this.remaining > 0) return 'need-more';
        return this.finish();
      }
      case 'chunk-size': {
        const lf = this.findLf(this.pos);
        if (lf < 0) return this.len - this.pos > 1024 ? this.fail(this.pos, 'chunk-size line longer than 1024 bytes') : 'need-more';
        const text = this.line(this.pos, lf);
        const semi = text.indexOf(';');
        const hex = (semi < 0 ? text : text.slice(0, semi)).trim();
        if (!/^[0-9a-fA-F]{1,8}$/.test(hex)) return this.fail(this.pos, `bad chunk size ${JSON.stringify(text)}`);
        this.remaining = parseInt(hex, 16);
        this.pos = lf + 1;
        this.phase = this.remaining === 0 ? 'trailers' : 'chunk-data';
        return 'progress';
      }
      case 'chunk-data': {
        const n = Math.min(this.remaining, this.len - this.pos);
        if (n > 0) {
          this.bodyParts.push(this.buf.slice(this.pos, this.pos + n));
          this.pos += n;
          this.remaining -= n;
        }
        if (this.remaining > 0) return 'need-more';
        this.phase = 'chunk-crlf';
        return 'progress';
      }
      case 'chunk-crlf': {
        if (this.len - this.pos < 1) return 'need-more';
        if (this.buf[this.pos] === 10) {
          this.pos += 1;
        } else {
          if (this.len - this.pos < 2) return 'need-more';
          if (this.buf[this.pos] !== 13 || this.buf[this.pos + 1] !== 10) return this.fail(this.pos, 'chunk data not followed by CRLF');
          this.pos += 2;
        }
        this.phase = 'chunk-size';
        return 'progress';
      }
      case 'trailers': {
        const lf = this.findLf(this.pos);
        if (lf < 0) return 'need-more';
        const text = this.line(this.pos, lf);
        this.pos = lf + 1;
        if (text === '') return this.finish();
        const colon = text.indexOf(':');
        if (colon <= 0) return this.fail(this.pos, `bad trailer field ${JSON.stringify(text)}`);
        this.current!.headers.push({ name: text.slice(0, colon), value: text.slice(colon + 1).trim() });
        return 'progress';
      }
      case 'until-close':
        return 'need-more';
    }
  }

  private stepHead(): ParsedHttpMessage | 'progress' | 'need-more' | WireError {
    // RFC 9112 §2.2: ignore at least one empty line before a request line.
    while (this.pos < this.len && this.scanFrom <= this.pos) {
      if (this.buf[this.pos] === 13 && this.pos + 1 < this.len && this.buf[this.pos + 1] === 10) this.pos += 2;
      else if (this.buf[this.pos] === 10) this.pos += 1;
      else break;
    }
    if (this.pos >= this.len) return 'need-more';
    // Find the blank line ending the header section, resuming where the last scan stopped.
    let i = Math.max(this.scanFrom, this.pos);
    let endLf = -1;
    const buf = this.buf;
    const len = this.len;
    for (; i < len; i++) {
      if (buf[i] !== 10) continue;
      if (i + 1 < len && buf[i + 1] === 10) {
        endLf = i + 1;
        break;
      }
      if (i + 2 < len && buf[i + 1] === 13 && buf[i + 2] === 10) {
        endLf = i + 2;
        break;
      }
    }
    if (endLf < 0) {
      this.scanFrom = Math.max(this.pos, this.len - 2);
      if (this.len - this.pos > this.maxHeaderBytes) {
        return this.fail(this.pos, `header section longer than ${this.maxHeaderBytes} bytes`);
      }
      return 'need-more';
    }
    const start = this.pos;
    this.msgStart = this.streamBase + start;
    const lines: string[] = [];
    let p = start;
    while (p <= endLf) {
      const lf = this.findLf(p);
      lines.push(this.line(p, lf));
      p = lf + 1;
    }
    lines.pop(); // the blank line
    this.pos = endLf + 1;
    this.scanFrom = this.pos;
    const first = lines[0] ?? '';
    const headers: HttpHeader[] = [];
    let lineAt = start + first.length;
    for (let k = 1; k < lines.length; k++) {
      const l = lines[k]!;
      const colon = l.indexOf(':');
      const name = colon < 0 ? '' : l.slice(0, colon);
      if (colon <= 0 || !TOKEN.test(name)) {
        return this.fail(lineAt, `bad header field ${JSON.stringify(l)} (expected "Name: value")`);
      }
      headers.push({ name, value: l.slice(colon + 1).trim() });
      lineAt += l.length + 2;
    }
    const msg = this.startMessage(first, headers, start);
    if (msg instanceof WireError) return msg;
    this.current = msg;
    return this.chooseBody(msg);
  }

  private startMessage(first: string, headers: HttpHeader[], at: number): ParsedHttpMessage | WireError {
    const parts = first.split(' ');
    if (this.role === 'request') {
      if (parts.length !== 3 || !TOKEN.test(parts[0]!) || parts[1] === '' || !VERSION.test(parts[2]!)) {
        return this.fail(at, `bad request line ${JSON.stringify(first)} (expected "METHOD target HTTP/x.y")`);
      }
      return { kind: 'request', method: parts[0]!, target: parts[1]!, version: parts[2]!, headers, body: EMPTY, wireLength: 0, chunked: false };
    }
    const sp2 = first.indexOf(' ', first.indexOf(' ') + 1);
    const version = parts[0] ?? '';
    const code = parts[1] ?? '';
    if (!VERSION.test(version) || !/^\d{3}$/.test(code)) {
      return this.fail(at, `bad status line ${JSON.stringify(first)} (expected "HTTP/x.y NNN reason")`);
    }
    return {
      kind: 'response',
      version,
      status: Number(code),
      reason: sp2 < 0 ? '' : first.slice(sp2 + 1),
      headers,
      body: EMPTY,
      wireLength: 0,
      chunked: false,
    };
  }

  private chooseBody(msg: ParsedHttpMessage): ParsedHttpMessage | 'progress' | WireError {
    if (msg.kind === 'response') {
      const forMethod = this.headMethods.shift();
      if (forMethod === 'HEAD' || (msg.status >= 100 && msg.status < 200) || msg.status === 204 || msg.status === 304) {
        return this.finish();
      }
    }
    const te = getHeader(msg, 'Transfer-Encoding');
    if (te !== undefined && /(^|,)\s*chunked\s*$/i.test(te)) {
      msg.chunked = true;
      this.phase = 'chunk-size';
      return 'progress';
    }
    const cl = getHeader(msg, 'Content-Length');
    if (cl !== undefined) {
      if (!/^\d{1,15}$/.test(cl)) return this.fail(this.pos, `bad Content-Length ${JSON.stringify(cl)}`);
      this.remaining = Number(cl);
      this.phase = 'length';
      return 'progress';
    }
    if (msg.kind === 'request') return this.finish();
    this.phase = 'until-close';
    return 'progress';
  }

  private finish(): ParsedHttpMessage {
    const msg = this.current!;
    const parts = this.bodyParts;
    if (parts.length === 1) msg.body = parts[0]!;
    else if (parts.length > 1) {
      const total = parts.reduce((a, b) => a + b.length, 0);
      const body = new Uint8Array(total);
      let o = 0;
      for (const p of parts) {
        body.set(p, o);
        o += p.length;
      }
      msg.body = body;
    }
    msg.wireLength = this.streamBase + this.pos - this.msgStart;
    this.bodyParts = [];
    this.current = undefined;
    this.phase = 'head';
    return msg;
  }
}

const EMPTY = new Uint8Array(0);

/** Parses one complete message from bytes (convenience over HttpStreamParser). */
export function parseHttp(bytes: Uint8Array, role: 'request' | 'response'): ParsedHttpMessage | WireError {
  const p = new HttpStreamParser(role);
  const r = p.push(bytes);
  if (r instanceof WireError) return r;
  if (r.length > 0) return r[0]!;
  const e = p.end();
  if (e === undefined) return new WireError('bad-http', 0, 'no HTTP message in the input');
  return e;
}

/** The first line of an HTTP message in `payload` if it starts like one (for printers). */
export function httpFirstLine(payload: Uint8Array): string | undefined {
  const max = Math.min(payload.length, 256);
  let end = -1;
  for (let i = 0; i < max; i++) {
    if (payload[i] === 13 || payload[i] === 10) {
      end = i;
      break;
    }
  }
  if (end <= 0) return undefined;
  const line = latin1(payload, 0, end);
  if (/^HTTP\/\d\.\d \d{3}( |$)/.test(line)) return line;
  if (/^[A-Z]+ \S+ HTTP\/\d\.\d$/.test(line)) return line;
  return undefined;
}
