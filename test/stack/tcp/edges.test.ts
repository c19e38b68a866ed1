import { describe, expect, it } from 'vitest';
import { ipv4FromString } from '../../../src/wire/index.ts';
import type { TcpSocket } from '../../../src/stack/tcp/index.ts';
import { FakeNet, enc } from './harness.ts';

const SERVER = ipv4FromString('10.0.0.1');
const MS = 1_000_000;

function setup(seed = 1) {
  const net = new FakeNet();
  const client = net.addHost('client1', '10.0.0.10', seed);
  const server = net.addHost('server1', '10.0.0.1', seed);
  return { net, client, server };
}

describe('TCP edges', () => {
  it('simultaneous close: both FINs cross, both sides end in TIME_WAIT', () => {
    const { net, client, server } = setup();
    let srv: TcpSocket | null = null;
    server.listen(80, (s) => {
      srv = s;
      return {};
    });
    const c = client.connect(SERVER, 80, {});
    net.sched.runFor(10 * MS);
    c.close();
    srv!.close();
    net.sched.runFor(100 * MS);
    // No data was received: the first scaled windows are the SYN windows rounded up (502, 510).
    expect(net.pattern().slice(3)).toEqual(['client1 F. 0 win=502', 'server1 F. 0 win=510', 'server1 . 0 win=510', 'client1 . 0 win=502']);
    expect(client.timeWaitEntries).toBe(1);
    expect(server.timeWaitEntries).toBe(1);
  });

  it('abort sends RST,ACK and the peer sees a reset', () => {
    const { net, client, server } = setup();
    let err = '';
    server.listen(80, () => ({ onError: (_s, e) => (err = e) }));
    const c = client.connect(SERVER, 80, {});
    net.sched.runFor(10 * MS);
    c.abort();
    net.sched.runFor(10 * MS);
    expect(net.log[3]!.flags).toBe('R.');
    expect(err).toBe('reset');
    expect(server.connectionCount).toBe(0);
    expect(client.connectionCount).toBe(0);
  });

  it('a lost SYN-ACK: SYN again after 1 s, SYN-ACK again with ID 0, same sequence numbers', () => {
    const { net, client, server } = setup();
    server.listen(80, () => ({}));
    let dropped = false;
    net.drop = (s) => {
      if (!dropped && s.flags === 'S.') return (dropped = true);
      return false;
    };
    let connected = 0;
    client.connect(SERVER, 80, { onConnect: () => (connected = net.sched.now) });
    net.sched.runFor(3000 * MS);
    const syns = net.log.filter((s) => s.flags === 'S');
    const synAcks = net.log.filter((s) => s.flags === 'S.');
    expect(syns.map((s) => s.t)).toEqual([0, 1000 * MS]);
    expect(new Set(syns.map((s) => s.tcp.seq)).size).toBe(1);
    // The server's own 1 s timer and the client's second SYN both answer (as tcp_check_req does).
    expect(synAcks.length).toBeGreaterThanOrEqual(2);
    expect(new Set(synAcks.map((s) => s.tcp.seq)).size).toBe(1);
    for (const s of synAcks) expect(s.ipId).toBe(0);
    expect(connected).toBe(1000 * MS + 100_000);
    expect(server.stats.passiveOpens).toBe(1);
  });

  it('a lost handshake ACK: the request that follows completes the handshake', () => {
    const { net, client, server } = setup();
    let got = '';
    server.listen(80, (s) => ({ onData: (_x, d) => (got += new TextDecoder().decode(d)) }));
    let first = true;
    net.drop = (s) => {
      if (first && s.from === 'client1' && s.flags === '.') {
        first = false;
        return true;
      }
      return false;
    };
    client.connect(SERVER, 80, { onConnect: (s) => net.sched.after(100_000, () => s.write(enc('hello'))) });
    net.sched.runFor(100 * MS);
    expect(got).toBe('hello');
    expect(server.stats.retransSegs).toBe(0);
  });

  it('a new SYN may reuse a 4-tuple in TIME_WAIT (on the server, after it closed first)', () => {
    const { net, client, server } = setup();
    server.listen(80, (s) => {
      net.sched.after(1 * MS, () => s.close()); // the server closes first: it holds TIME_WAIT
      return {};
    });
    const c1 = client.connect(SERVER, 80, { onPeerClose: (s) => s.close() });
    net.sched.runFor(100 * MS);
    expect(server.timeWaitEntries).toBe(1);
    let ok = false;
    client.connect(SERVER, 80, { onConnect: () => (ok = true) }, { srcPort: c1.localPort });
    net.sched.runFor(100 * MS);
    expect(ok).toBe(true);
    expect(server.timeWaitEntries).toBe(0);
  });

  it('an orphaned FIN_WAIT2 socket goes away after tcp_fin_timeout (60 s)', () => {
    const { net, client, server } = setup();
    server.listen(80, () => ({})); // never closes its side
    const c = client.connect(SERVER, 80, {});
    net.sched.runFor(10 * MS);
    c.close();
    net.sched.runFor(100 * MS);
    expect(c.state).toBe('FIN_WAIT2');
    net.sched.runFor(60_000 * MS);
    expect(c.state).toBe('CLOSED');
    expect(client.connectionCount).toBe(0);
  });
});

describe('retransmitted FIN', () => {
  it('is ACKed again in CLOSE_WAIT when the first ACK was lost', () => {
    const { net, client, server } = setup();
    server.listen(80, () => ({})); // never closes: stays in CLOSE_WAIT
    const c = client.connect(SERVER, 80, {});
    net.sched.runFor(10 * MS);
    let dropAck = true;
    net.drop = (s) => {
      if (dropAck && s.from === 'server1' && s.flags === '.') {
        dropAck = false;
        return true;
      }
      return false;
    };
    c.close();
    net.sched.runFor(2000 * MS);
    const fins = net.log.filter((s) => s.from === 'client1' && s.flags.includes('F'));
    expect(fins.length).toBe(2); // the FIN, then its retransmission after the RTO
    const acks = net.log.filter((s) => s.from === 'server1' && s.flags === '.' && s.t > fins[0]!.t);
    expect(acks.length).toBe(2); // the delayed ACK (lost), then an immediate one for the retransmission
    expect(acks[1]!.t - fins[1]!.t).toBe(50_000);
    expect(c.state).toBe('FIN_WAIT2');
  });
});
