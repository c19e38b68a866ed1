// Frames from the real-kernel capture fixtures/real-kernel/e1-client1-eth0.pcap
// (Linux 6.18, checksum offload off), used as byte fixtures. Copied here so tests do not depend
// on files outside the repository.
import { fromHex } from '../../src/wire/index.ts';

/** Frame 1: ARP request, who-has 10.0.0.1 tell 10.0.0.10 (42 bytes). */
export const ARP_REQUEST_FRAME = fromHex(
  'ffffffffffff02000a00000a0806' + '000108000604000102000a00000a0a00000a0000000000000a000001',
);
/** Frame 2: ARP reply 10.0.0.1 is-at 02:00:0a:00:00:01. */
export const ARP_REPLY_FRAME = fromHex(
  '02000a00000a02000a0000010806' + '000108000604000202000a0000010a00000102000a00000a0a00000a',
);
/** Frame 3: SYN 10.0.0.10.44656 > 10.0.0.1.80, Linux options (MSS, SACK-permitted, TS, NOP, WS 7). */
export const SYN_FRAME = fromHex(
  '02000a00000102000a00000a0800' +
    '4500003c10a340004006160f0a00000a0a000001' +
    'ae700050064f259c00000000a002faf03a090000' +
    '020405b40402080acd35571a0000000001030307',
);
/** Frame 4: SYN-ACK, IP ID 0, TTL 63 (forwarded by the switch). */
export const SYN_ACK_FRAME = fromHex(
  '02000a00000a02000a0000010800' +
    '4500003c000040003f0627b20a0000010a00000a' +
    '0050ae70b474ee01064f259da012fe8805d30000' +
    '020405b40402080a535f3ab7cd35571a01030307',
);
/** Frame 5: the client's ACK (66 bytes). */
export const ACK_FRAME = fromHex(
  '02000a00000102000a00000a0800' +
    '4500003410a44000400616160a00000a0a000001' +
    'ae700050064f259db474ee02801001f631320000' +
    '0101080acd35571a535f3ab7',
);
/** Frame 6: GET / HTTP/1.1 from curl (72 bytes of data). */
export const GET_FRAME = fromHex(
  '02000a00000102000a00000a0800' +
    '4500007c10a54000400615cd0a00000a0a000001' +
    'ae700050064f259db474ee02801801f65b160000' +
    '0101080acd35571a535f3ab7' +
    '474554202f20485454502f312e310d0a486f73743a2031302e302e302e310d0a557365722d4167656e743a206375726c2f372e38382e310d0a4163636570743a202a2f2a0d0a0d0a',
);

export const CLIENT_MAC = 0x02000a00000a;
export const VIP_MAC = 0x02000a000001;
export const CLIENT_IP = 0x0a00000a;
export const VIP_IP = 0x0a000001;

/** A buffer of `n` bytes all 0xa5, so a test sees any byte an emitter forgot to write. */
export function a5(n: number): Uint8Array {
  return new Uint8Array(n).fill(0xa5);
}
