// Public surface of the wire layer: pure codecs, no I/O, no clock.
export * from './errors.ts';
export * from './bytes.ts';
export * from './addr.ts';
export * from './checksum.ts';
export * from './ethernet.ts';
export * from './arp.ts';
export * from './ipv4.ts';
export * from './icmp.ts';
export * from './udp.ts';
export * from './tcp.ts';
export * from './frame.ts';
export * from './http.ts';
export * from './pretty.ts';
