// A whole HTTP/1.1 exchange as Linux 6.x and Apache put it on the wire (LINUX.md): ARP request and
// reply, the handshake with the Linux SYN options, curl's GET, the server's pure ACK, the 200
// response in one PSH segment, the client's ACK, and the 3-packet close. Built with the wire layer
// only, so the Wireshark oracle judges exactly what lbsim's codecs produce.

import {
  buildArpReply,
  buildArpRequest,
  buildEthIpv4Tcp,
  encodeHttp,
  ipv4FromString,
  macFromIpv4,
  TCP_ACK,
  TCP_FIN,
  TCP_PSH,
  TCP_SYN,
  type HttpRequest,
  type HttpResponse,
  type TcpOption,
} from '../../src/wire/index.ts';

export interface ExchangeFrame {
  /** Virtual time in ns since the start. */
  tNs: number;
  from: 'client' | 'server';
  frame: Uint8Array;
  /** A note for the pcapng packet comment. */
  note: string;
}

export const CLIENT_IP = ipv4FromString('10.0.0.10');
export const SERVER_IP = ipv4FromString('10.0.0.1');
export const CLIENT_MAC = macFromIpv4(CLIENT_IP);
export const SERVER_MAC = macFromIpv4(SERVER_IP);
export const PAGE = '<html><body><h1>This reply comes from server 1!</h1></body></html>\n';

export const GET: HttpRequest = {
  kind: 'request',
  method: 'GET',
  target: '/',
  version: 'HTTP/1.1',
  headers: [
    { name: 'Host', value: '10.0.0.1' },
    { name: 'User-Agent', value: 'curl/7.88.1' },
    { name: 'Accept', value: '*/*' },
  ],
  body: new Uint8Array(0),
};

export const OK: HttpResponse = {
  kind: 'response',
  version: 'HTTP/1.1',
  status: 200,
  reason: 'OK',
  headers: [
    { name: 'Date', value: 'Wed, 26 Oct 2011 10:30:00 GMT' },
    { name: 'Server', value: 'Apache/2.4.71 (Debian)' },
    { name: 'Last-Modified', value: 'Mon, 01 Jan 2024 00:00:00 GMT' },
    { name: 'ETag', value: '"43-60dd710212000"' },
    { name: 'Accept-Ranges', value: 'bytes' },
    { name: 'Content-Length', value: '67' },
    { name: 'Content-Type', value: 'text/html' },
  ],
  body: new TextEncoder().encode(PAGE),
};

export function httpExchange(): ExchangeFrame[] {
  const out: ExchangeFrame[] = [];
  const cIsn = 105850268;
  const sIsn = 3027561985;
  const cTs = 3442824986;
  const sTs = 1398749879;
  let cId = 0x3e2b;
  let sId = 0xfdbc;
  const cPort = 44656;
  const req = encodeHttp(GET);
  const resp = encodeHttp(OK);
  let t = 0;
  const ts = (val: number, ecr: number): TcpOption[] => [{ kind: 'nop' }, { kind: 'nop' }, { kind: 'timestamps', tsVal: val, tsEcr: ecr }];
  const c = (dtUs: number, note: string, seq: number, ack: number, flags: number, window: number, options: TcpOption[], payload?: Uint8Array, ident = cId++): void => {
    t += dtUs * 1000;
    const tcp = { srcPort: cPort, dstPort: 80, seq, ack, flags, window, urgentPtr: 0, options, ...(payload ? { payload } : {}) };
    out.push({ tNs: t, from: 'client', note, frame: buildEthIpv4Tcp(CLIENT_MAC, SERVER_MAC, { src: CLIENT_IP, dst: SERVER_IP, ident, ttl: 64 }, tcp) });
  };
  const s = (dtUs: number, note: string, seq: number, ack: number, flags: number, window: number, options: TcpOption[], payload?: Uint8Array, ident = sId++): void => {
    t += dtUs * 1000;
    const tcp = { srcPort: 80, dstPort: cPort, seq, ack, flags, window, urgentPtr: 0, options, ...(payload ? { payload } : {}) };
    out.push({ tNs: t, from: 'server', note, frame: buildEthIpv4Tcp(SERVER_MAC, CLIENT_MAC, { src: SERVER_IP, dst: CLIENT_IP, ident, ttl: 64 }, tcp) });
  };
  out.push({ tNs: t, from: 'client', note: 'ARP request (cold cache)', frame: buildArpRequest(CLIENT_MAC, CLIENT_IP, SERVER_IP) });
  t += 64_000;
  out.push({ tNs: t, from: 'server', note: 'ARP reply', frame: buildArpReply(SERVER_MAC, SERVER_IP, CLIENT_MAC, CLIENT_IP) });
  const synOpts: TcpOption[] = [
    { kind: 'mss', value: 1460 },
    { kind: 'sackPermitted' },
    { kind: 'timestamps', tsVal: cTs, tsEcr: 0 },
    { kind: 'nop' },
    { kind: 'wscale', shift: 7 },
  ];
  c(3, 'SYN with the Linux option layout', cIsn, 0, TCP_SYN, 64240, synOpts);
  s(103, 'SYN-ACK carries IP ID 0', sIsn, cIsn + 1, TCP_SYN | TCP_ACK, 65160, [
    { kind: 'mss', value: 1460 },
    { kind: 'sackPermitted' },
    { kind: 'timestamps', tsVal: sTs, tsEcr: cTs },
    { kind: 'nop' },
    { kind: 'wscale', shift: 7 },
  ], undefined, 0);
  c(13, 'handshake complete', cIsn + 1, sIsn + 1, TCP_ACK, 502, ts(cTs, sTs));
  c(121, 'curl GET, 72 bytes', cIsn + 1, sIsn + 1, TCP_PSH | TCP_ACK, 502, ts(cTs, sTs), req);
  s(97, 'quick ACK of the first data segment', sIsn + 1, cIsn + 1 + req.length, TCP_ACK, 509, ts(sTs, cTs));
  s(3575, 'HTTP/1.1 200 OK in one segment', sIsn + 1, cIsn + 1 + req.length, TCP_PSH | TCP_ACK, 509, ts(sTs + 3, cTs), resp);
  c(78, 'client ACKs the response at once', cIsn + 1 + req.length, sIsn + 1 + resp.length, TCP_ACK, 501, ts(cTs + 4, sTs + 3));
  c(400, 'client closes first', cIsn + 1 + req.length, sIsn + 1 + resp.length, TCP_FIN | TCP_ACK, 501, ts(cTs + 4, sTs + 3));
  s(211, 'server folds its ACK into its FIN', sIsn + 1 + resp.length, cIsn + 2 + req.length, TCP_FIN | TCP_ACK, 509, ts(sTs + 4, cTs + 4));
  c(6, 'last ACK; the client enters TIME_WAIT', cIsn + 2 + req.length, sIsn + 2 + resp.length, TCP_ACK, 501, ts(cTs + 4, sTs + 4));
  return out;
}
