// The TCP transition table against the kernel's own text: each row below is copied from
// tcp_conntracks[][][] in net/netfilter/nf_conntrack_proto_tcp.c (Linux 6.x), columns
// sNO, sSS, sSR, sES, sFW, sCW, sLA, sTW, sCL, sS2.

import { describe, expect, it } from 'vitest';
import { TCP_STATE_NAMES, tcpTransition } from '../../../src/netfilter/index.ts';

const KERNEL = {
  ORIGINAL: {
    syn: 'sSS, sSS, sIG, sIG, sIG, sIG, sIG, sSS, sSS, sS2',
    synack: 'sIV, sIV, sSR, sIV, sIV, sIV, sIV, sIV, sIV, sSR',
    fin: 'sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV',
    ack: 'sES, sIV, sES, sES, sCW, sCW, sTW, sTW, sCL, sIV',
    rst: 'sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL',
    none: 'sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV',
  },
  REPLY: {
    syn: 'sIV, sS2, sIV, sIV, sIV, sIV, sIV, sSS, sIV, sS2',
    synack: 'sIV, sSR, sIG, sIG, sIG, sIG, sIG, sIG, sIG, sSR',
    fin: 'sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL, sIV',
    ack: 'sIV, sIG, sSR, sES, sCW, sCW, sTW, sTW, sCL, sIG',
    rst: 'sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL',
    none: 'sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV',
  },
} as const;

const ABBREV: Record<string, string> = {
  NONE: 'sNO',
  SYN_SENT: 'sSS',
  SYN_RECV: 'sSR',
  ESTABLISHED: 'sES',
  FIN_WAIT: 'sFW',
  CLOSE_WAIT: 'sCW',
  LAST_ACK: 'sLA',
  TIME_WAIT: 'sTW',
  CLOSE: 'sCL',
  SYN_SENT2: 'sS2',
};

function name(state: number): string {
  if (state === 10) return 'sIV';
  if (state === 11) return 'sIG';
  return ABBREV[TCP_STATE_NAMES[state]!]!;
}

describe('tcp_conntracks', () => {
  it('equals the kernel table cell for cell', () => {
    const rows = ['syn', 'synack', 'fin', 'ack', 'rst', 'none'] as const;
    (['ORIGINAL', 'REPLY'] as const).forEach((dirName, dir) => {
      rows.forEach((row, index) => {
        const ours = Array.from({ length: 10 }, (_, old) => name(tcpTransition(dir as 0 | 1, index, old))).join(', ');
        expect(ours, `${dirName} ${row}`).toBe(KERNEL[dirName][row]);
      });
    });
  });
});
