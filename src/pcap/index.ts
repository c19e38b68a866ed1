// Capture files: pcap and pcapng writers over a ByteSink, and readers.
export * from './sink.ts';
export * from './pcap.ts';
export * from './pcapng.ts';
export * from './read.ts';
export * from './diff.ts';
