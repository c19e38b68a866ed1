// A host's TCP, Linux-faithful (see LINUX.md, "TCP on the wire").
export { TcpStack } from './stack.ts';
export type { TcpEnv, TcpIpv4Packet, TcpListener, TcpStats } from './stack.ts';
export { TcpSocket } from './socket.ts';
export type { TcpState, TcpError, TcpHandlers } from './socket.ts';
export { LINUX_TCP_DEFAULTS, resolveTcpConfig } from './config.ts';
export type { TcpConfig } from './config.ts';
export { attachTcp, tcpOf } from './attach.ts';
