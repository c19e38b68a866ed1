// The Wireshark oracle: a whole HTTP/1.1 exchange written by lbsim's codecs and writers must
// dissect in tshark with checksum validation on, with no malformed packet, no bad checksum, no
// warning and no TCP analysis flag; the HTTP messages and their bodies must be dissected; in
// pcapng, interface names, descriptions, directions and packet comments must be visible.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemorySink, PcapngWriter, PcapWriter } from '../../src/pcap/index.ts';
import { httpExchange, PAGE } from '../support/http-exchange.ts';
import { assertCleanCapture, requireTsharkOrSkip, tsharkCheck, withTempCapture, tsharkFields, tsharkSummary, type TsharkReport } from '../support/tshark.ts';

const T0 = 1319625000;
let dir = '';

function writeFiles(): { pcapMicros: string; pcapNanos: string; pcapng: string } {
  const ex = httpExchange();
  const files = { pcapMicros: join(dir, 'exchange-us.pcap'), pcapNanos: join(dir, 'exchange-ns.pcap'), pcapng: join(dir, 'exchange.pcapng') };
  for (const [file, nanos] of [[files.pcapMicros, false], [files.pcapNanos, true]] as const) {
    const sink = new MemorySink();
    const w = new PcapWriter(sink, { nanos });
    for (const f of ex) w.writePacket(T0 + Math.floor(f.tNs / 1e9), f.tNs % 1e9, f.frame);
    w.close();
    writeFileSync(file, sink.bytes());
  }
  const sink = new MemorySink();
  const w = new PcapngWriter(sink, { comment: 'lbsim oracle test: one HTTP/1.1 exchange' });
  const client = w.addInterface('client1-eth0', 'client1 eth0 (collision domain A)');
  const server = w.addInterface('server1-eth0', 'server1 eth0 (collision domain B)');
  for (const f of ex) {
    const ifId = f.from === 'client' ? client : server;
    w.writePacket(ifId, T0 + Math.floor(f.tNs / 1e9), f.tNs % 1e9, f.frame, { direction: 'out', comment: f.note });
  }
  w.close();
  writeFileSync(files.pcapng, sink.bytes());
  return files;
}

function expectClean(file: string, r: TsharkReport): void {
  const context = `\n${tsharkSummary(file).join('\n')}`;
  expect(r.stderr, `tshark complained about ${file}${context}`).toBe('');
  expect(r.frames, context).toBe(12);
  expect(r.malformed, context).toEqual([]);
  expect(r.badChecksums, context).toEqual([]);
  expect(r.warnings, context).toEqual([]);
  expect(r.analysisFlags, context).toEqual([]);
}

describe('Wireshark oracle: HTTP/1.1 exchange', () => {
  let files: ReturnType<typeof writeFiles>;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lbsim-oracle-'));
    files = writeFiles();
  });
  afterAll(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  for (const kind of ['pcapMicros', 'pcapNanos', 'pcapng'] as const) {
    it(`${kind}: 0 malformed, 0 bad checksums, no warnings, no TCP analysis flags`, (ctx) => {
      requireTsharkOrSkip(ctx);
      const r = tsharkCheck(files[kind]);
      expectClean(files[kind], r);
      // The checksums really were validated (status 1 = good), not merely left unverified.
      const st = tsharkFields(files[kind], ['ip.checksum.status', 'tcp.checksum.status'], { filter: 'tcp' });
      expect(st.length).toBe(10);
      for (const row of st) expect([row['ip.checksum.status'], row['tcp.checksum.status']]).toEqual([['1'], ['1']]);
    });

    it(`${kind}: the request and the response are dissected with their bodies`, (ctx) => {
      requireTsharkOrSkip(ctx);
      const rows = tsharkFields(
        files[kind],
        ['frame.number', 'http.request.method', 'http.request.uri', 'http.user_agent', 'http.response.code', 'http.server', 'http.content_length', 'http.file_data'],
        { filter: 'http' },
      );
      expect(rows.map((r) => r['frame.number'])).toEqual([['6'], ['8']]);
      expect(rows[0]).toMatchObject({ 'http.request.method': ['GET'], 'http.request.uri': ['/'], 'http.user_agent': ['curl/7.88.1'] });
      expect(rows[1]).toMatchObject({ 'http.response.code': ['200'], 'http.server': ['Apache/2.4.71 (Debian)'], 'http.content_length': ['67'] });
      // tshark prints the body with \n escaped.
      expect(rows[1]!['http.file_data']).toEqual([PAGE.replace('\n', '\\n')]);
    });
  }

  it('pcapng: interface names, descriptions, directions and packet comments are visible', (ctx) => {
    requireTsharkOrSkip(ctx);
    const rows = tsharkFields(files.pcapng, ['frame.number', 'frame.interface_name', 'frame.interface_description', 'frame.packet_flags_direction', 'frame.comment']);
    expect(rows.length).toBe(12);
    const ex = httpExchange();
    rows.forEach((r, i) => {
      const f = ex[i]!;
      expect(r['frame.interface_name']).toEqual([f.from === 'client' ? 'client1-eth0' : 'server1-eth0']);
      expect(r['frame.interface_description']).toEqual([f.from === 'client' ? 'client1 eth0 (collision domain A)' : 'server1 eth0 (collision domain B)']);
      // epb_flags direction 2 = outbound.
      expect(r['frame.packet_flags_direction']).toEqual(['0x00000002']);
      expect(r['frame.comment']).toEqual([f.note]);
    });
  });

  it('pcapng: the section comment names the tool, and nothing describes the machine', (ctx) => {
    requireTsharkOrSkip(ctx);
    const r = spawnSync('capinfos', [files.pcapng], { encoding: 'utf8' });
    if (r.error) throw new Error(`capinfos (installed with tshark) cannot run: ${r.error.message}`);
    expect(r.stdout).toMatch(/^Capture comment: +lbsim oracle test: one HTTP\/1\.1 exchange$/m);
    expect(r.stdout).toMatch(/^Capture application: +lbsim$/m);
    expect(r.stdout).not.toMatch(/Capture hardware|Capture oper-sys/);
  });

  it('assertCleanCapture passes the clean files (bytes through a temporary file)', (ctx) => {
    requireTsharkOrSkip(ctx);
    const sink = new MemorySink();
    const w = new PcapWriter(sink);
    for (const f of httpExchange()) w.writePacket(T0, f.tNs, f.frame);
    w.close();
    const r = withTempCapture(sink.bytes(), 'x.pcap', (p) => assertCleanCapture(p, { frames: 12 }));
    expect(r.frames).toBe(12);
  });

  it('the oracle itself sees malformed packets, bad checksums and analysis flags', (ctx) => {
    requireTsharkOrSkip(ctx);
    const ex = httpExchange();
    const sink = new MemorySink();
    const w = new PcapWriter(sink, { nanos: true });
    ex.forEach((f, i) => {
      const b = f.frame.slice();
      if (i === 2) b[14 + 20 + 16] = b[14 + 20 + 16]! ^ 0xff; // SYN: bad TCP checksum
      if (i === 6) b[14 + 10] = b[14 + 10]! ^ 0xff; // server ACK: bad IP checksum
      w.writePacket(T0, f.tNs, b);
      if (i === 5) w.writePacket(T0, f.tNs + 1000, b); // the GET again: a retransmission
    });
    const broken = ex[4]!.frame.slice();
    broken[14 + 20 + 12] = 0xf0; // data offset 60 bytes in a 32-byte segment
    w.writePacket(T0, 5_000_000, broken);
    w.close();
    const file = join(dir, 'broken.pcap');
    writeFileSync(file, sink.bytes());
    const r = tsharkCheck(file);
    expect(r.frames).toBe(14);
    expect(r.badChecksums).toContainEqual({ frame: 3, layer: 'tcp' });
    expect(r.badChecksums).toContainEqual({ frame: 8, layer: 'ip' });
    expect(r.malformed).toEqual([14]);
    expect(r.analysisFlags.map((a) => a.frame)).toContain(7);
    expect(r.warnings.length).toBeGreaterThan(0);
    expect(() => assertCleanCapture(file)).toThrow(/frame 3: bad tcp checksum[\s\S]*frame 14: malformed[\s\S]*\n +3 +0\.000067/);
  });

  it('pcap µs and ns: timestamps land on the scenario epoch (2011-10-26 10:30:00 UTC)', (ctx) => {
    requireTsharkOrSkip(ctx);
    for (const [file, last] of [[files.pcapMicros, '1319625000.004671000'], [files.pcapNanos, '1319625000.004671000'], [files.pcapng, '1319625000.004671000']] as const) {
      const rows = tsharkFields(file, ['frame.time_epoch']);
      expect(rows[0]!['frame.time_epoch']).toEqual(['1319625000.000000000']);
      expect(rows[11]!['frame.time_epoch']).toEqual([last]);
    }
  });
});
