// Malformed bytes are data, not exceptions: every decoder returns a WireError instead of throwing,
// so the stack can drop and count a bad packet and the printer can still show it.
// WireError is a plain class (not an Error subclass) so that making one costs no stack capture.

export type WireErrorKind =
  | 'truncated' // fewer bytes than the header (or a length field) requires
  | 'bad-version' // IPv4 version nibble is not 4
  | 'bad-ihl' // IPv4 IHL < 5
  | 'bad-total-length' // IPv4 total length < IHL*4 or past the buffer
  | 'bad-data-offset' // TCP data offset < 5 or past the buffer
  | 'bad-option-length' // an IPv4/TCP option's length is < 2 or overruns the option area
  | 'bad-length' // a UDP length field < 8 or past the buffer
  | 'unsupported' // well-formed but outside what lbsim models (e.g. ARP for non-Ethernet/IPv4)
  | 'bad-http' // HTTP/1.x syntax error
  | 'bad-file'; // pcap/pcapng container problem

export class WireError {
  constructor(
    readonly kind: WireErrorKind,
    /** Byte offset (absolute, in the buffer the decoder was given) where the problem was found. */
    readonly offset: number,
    readonly message: string,
  ) {}

  toString(): string {
    return `${this.kind} at offset ${this.offset}: ${this.message}`;
  }
}

export function wireError(kind: WireErrorKind, offset: number, message: string): WireError {
  return new WireError(kind, offset, message);
}

export function isWireError(x: unknown): x is WireError {
  return x instanceof WireError;
}
