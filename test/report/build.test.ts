import { describe, expect, it } from 'vitest';
import type { LabRunData } from '../../src/report/index.ts';
import { buildReport, extractLabRunData, utcString, wilsonInterval } from '../../src/report/index.ts';
import { makeData, VARIANT_A, VARIANT_B } from './fixture.ts';
import { findAll, parseXml } from './xml.ts';

const A = makeData(VARIANT_A);
const B = makeData(VARIANT_B);

function pct(lang: 'fr' | 'en', x: number): string {
  const s = (x * 100).toFixed(1);
  return lang === 'fr' ? `${s.replace('.', ',')} %` : `${s}%`;
}

function checkNumbers(data: LabRunData, lang: 'fr' | 'en'): void {
  const { markdown, html } = buildReport(data, lang);
  const srv = lang === 'fr' ? 'serveur' : 'server';
  // Q2: every count of every run is in a table row, and every Wilson bound of the random runs.
  for (const run of data.q2) {
    expect(markdown).toContain(run.stdout.trimEnd());
    for (const c of run.counts) expect(markdown).toMatch(new RegExp(`\\| ${srv} ${c.server} \\| ${c.count} \\|`));
    if (run.vip === '10.0.0.2') {
      for (const c of run.counts) {
        const w = wilsonInterval(c.count, run.requests);
        const sep = lang === 'fr' ? ' ; ' : ', ';
        expect(markdown).toContain(`\\[${pct(lang, w.lo)}${sep}${pct(lang, w.hi)}\\]`);
        expect(html).toContain(`[${pct(lang, w.lo)}${sep}${pct(lang, w.hi)}]`);
      }
    }
  }
  // Q3: listings verbatim, the sums and the bytes explained from the counters.
  for (const sw of data.q3) {
    expect(markdown).toContain(sw.listing.trimEnd());
    const pre = sw.chains.find((c) => c.name === 'PREROUTING')!;
    const dnat = pre.rules.filter((r) => r.target === 'DNAT');
    const total = dnat.reduce((a, r) => a + r.pkts.value, 0);
    const bytes = dnat.reduce((a, r) => a + r.bytes.value, 0);
    expect(markdown).toContain(`${dnat.map((r) => r.pkts.value).join(' + ')} = ${total}`);
    expect(markdown).toContain(`bytes = ${bytes} = ${total} × 60`);
    expect(markdown).toContain(String(sw.observed.packetsToVip));
  }
  // Q1: each step's stream and 4-tuple.
  for (const c of data.q1) {
    for (const s of c.steps) {
      expect(markdown).toContain(`${s.conn.srcAddr}:${s.conn.srcPort} → ${s.conn.dstAddr}:${s.conn.dstPort}`);
      expect(markdown).toContain(`\`tcp.stream eq ${s.tcpStream}\``);
    }
  }
  // Ladder: every packet's frame number and addresses.
  for (const p of data.ladder!.packets) expect(markdown).toContain(`| ${p.frameNumber} | ${p.src}:${p.srcPort} → ${p.dst}:${p.dstPort} |`);
  expect(markdown).toContain(`${lang === 'fr' ? 'graine' : 'seed'} ${data.meta.seed}`);
}

describe('buildReport: the numbers are the data’s', () => {
  it('French (default) and English report the numbers of dataset A', () => {
    checkNumbers(A, 'fr');
    checkNumbers(A, 'en');
    expect(buildReport(A).markdown).toBe(buildReport(A, 'fr').markdown);
  });
  it('dataset B gives B’s numbers, so nothing is canned', () => {
    checkNumbers(B, 'fr');
    const a = buildReport(A, 'fr').markdown;
    const b = buildReport(B, 'fr').markdown;
    expect(a).not.toBe(b);
    // The random runs' first row changes with the data.
    expect(a).toMatch(/\| serveur 1 \| 37 \| 37,0 % \|/);
    expect(b).toMatch(/\| serveur 1 \| 41 \| 41,0 % \|/);
    expect(b).not.toMatch(/\| serveur 1 \| 37 \| 37,0 % \|/);
  });
  it('predicts round robin exactly from the counters state', () => {
    const md = buildReport(A, 'en').markdown;
    expect(md).toContain('already seen 2 connection(s) to 10.0.0.1; the nth counters therefore predict exactly 33/33/34 for these 100 connections. Observed: 33/33/34 — identical.');
    expect(md).toContain('already seen 102 connection(s) to 10.0.0.1; the nth counters therefore predict exactly 34/33/33');
  });
  it('says when a random run falls outside a Wilson interval', () => {
    const d = makeData({ ...VARIANT_A, randomCounts: [[20, 40, 40], [33, 33, 34]] });
    const md = buildReport(d, 'en').markdown;
    expect(md).toContain('The probability falls outside the interval for server 1');
    expect(md).toContain('| server 1 | 20 | 20.0% | 33.0% | 33.0 | \\[13.3%, 28.9%\\] | no |');
  });
  it('explains the policy counter from the captures, and the nft back end’s zero', () => {
    const en = buildReport(A, 'en').markdown;
    expect(en).toContain('(policy ACCEPT 6 packets, 360 bytes)');
    expect(en).toContain('The captures show 6: 6 connection(s) merely routed');
    expect(en).toContain('This number agrees with the captures.');
    const nft = buildReport(B, 'en').markdown; // B's round-robin listing shows policy 0 with 6 routed
    expect(nft).toContain('The counter is 0 although 6 first packet(s) fell off the end of the chain');
  });
  it('explains why rule 2 counts only its own matches, with the run’s numbers', () => {
    const en = buildReport(A, 'en').markdown;
    expect(en).toContain('Rule 1 (nth every 3 → 100.0.0.1): it sees all 204 connections and takes 68.');
    expect(en).toContain('Rule 2 (nth every 2 → 100.0.0.2): it sees only the 136 connections the rules before it did not take, and counts only its own matches: 68 (50.0%)');
  });
  it('sums the answers up from the same data', () => {
    const en = buildReport(A, 'en').markdown;
    expect(en).toContain('In the 6 links trials, each of the 12 connections saw a single server');
    expect(en).toContain('4 of 4 run(s) exactly as predicted. Random policy: 6 of 6 server share(s) inside their 95% Wilson interval.');
    expect(en).toContain('for 3 of 3 switch(es) the DNAT pkts add up to the new connections to the VIP in the captures; each counted packet is 60 bytes long');
    const off = makeData({ ...VARIANT_A, rrCounts: [[34, 33, 33], [34, 33, 33]], randomCounts: [[20, 40, 40], [33, 33, 34]] });
    off.q3[0]!.observed.connectionsToVip += 1;
    off.q1[0]!.steps[1]!.server = 3;
    const bad = buildReport(off, 'en').markdown;
    expect(bad).toContain('Q1 — 1 of the 12 connections saw several servers');
    expect(bad).toContain('3 of 4 run(s) exactly as predicted. Random policy: 5 of 6 server share(s)');
    expect(bad).toContain('for 2 of 3 switch(es)');
  });
  it('explains 52-byte first packets without the 60-byte option list', () => {
    const d = makeData(VARIANT_A);
    const sw = d.q3[1]!;
    for (const r of sw.chains.find((c) => c.name === 'PREROUTING')!.rules) r.bytes = { value: r.pkts.value * 52, text: String(r.pkts.value * 52), exact: true };
    sw.observed.firstPacketIpLengths = [{ length: 52, count: sw.observed.connectionsToVip }];
    const en = buildReport(d, 'en').markdown;
    expect(en).toContain(`bytes = ${204 * 52} = 204 × 52: each counted packet is a connection’s first packet, 52 bytes of IP total length.`);
    sw.observed.firstPacketIpLengths = [{ length: 52, count: 200 }, { length: 60, count: 4 }];
    expect(buildReport(d, 'en').markdown).toContain('IP total lengths of the first packets in the captures: 52 × 200, 60 × 4.');
  });
  it('says so when a question was not played, and stays well-formed', () => {
    const d = extractLabRunData({
      scenarioName: 'bare',
      seed: 3,
      startEpochSec: 0,
      endNs: 0,
      hosts: [{ name: 'pc', interfaces: [{ name: 'eth0', domain: 'A', address: '10.0.0.1/24', mac: '02:00:0a:00:00:01' }] }],
      steps: [],
      listings: [],
      captures: [],
    });
    const r = buildReport(d, 'en');
    expect(r.markdown.match(/This question was not played in this scenario/g)).toHaveLength(3);
    expect(r.markdown).toContain('No connection through a web switch was captured on both sides.');
    expect(r.markdown).toContain('No numbered claim to check in this scenario.');
    expect(r.markdown).not.toContain('| VIP |');
    expect(parseXml(r.html).name).toBe('html');
  });
  it('formats dates without Date', () => {
    expect(utcString(1319625000)).toBe('2011-10-26 10:30:00 UTC');
    expect(utcString(951782400)).toBe('2000-02-29 00:00:00 UTC');
    expect(utcString(0)).toBe('1970-01-01 00:00:00 UTC');
  });
  it('is deterministic', () => {
    expect(buildReport(A, 'fr')).toEqual(buildReport(makeData(VARIANT_A), 'fr'));
  });
  it('links figures from the Markdown when asked', () => {
    const r = buildReport(A, 'en', { figuresDir: 'figures' });
    expect(r.figures.map((f) => f.name)).toEqual(['topology', 'q2-10.0.0.1', 'q2-10.0.0.2', 'q2-10.0.0.3', 'ladder']);
    for (const f of r.figures) expect(r.markdown).toContain(`(figures/${f.name}.svg)`);
    expect(buildReport(A, 'en').markdown).toContain('see report.html');
  });
});

describe('the HTML is well-formed and self-contained', () => {
  for (const lang of ['fr', 'en'] as const) {
    it(`${lang}: parses as XML, SVGs parse alone, no network, A4`, () => {
      const { html, figures } = buildReport(A, lang);
      const root = parseXml(html);
      expect(root.name).toBe('html');
      expect(root.attrs['lang']).toBe(lang);
      const svgs = findAll(root, 'svg');
      expect(svgs.length).toBe(figures.length);
      for (const f of figures) {
        const svg = parseXml(f.svg);
        expect(svg.name).toBe('svg');
        expect(svg.attrs['xmlns']).toBe('http://www.w3.org/2000/svg');
        const vb = svg.attrs['viewBox']!.split(' ').map(Number);
        expect(vb[2]).toBeLessThanOrEqual(680); // the text column: 180 mm at 96 dpi
        expect(findAll(svg, 'title').length).toBe(1);
        expect(html).toContain(f.svg);
      }
      // Unique ids across the page (markers are referenced by id).
      const ids = html.match(/ id="[^"]+"/g) ?? [];
      expect(new Set(ids).size).toBe(ids.length);
      expect(html).toContain('@page { size: A4');
      expect(html).not.toMatch(/<script|<link|<img|<iframe|url\((?!#)|@import/);
      const urls = (html.match(/https?:\/\/[^\s"<]+/g) ?? []).filter((u) => !u.startsWith('http://www.w3.org/'));
      expect(urls).toEqual([]);
    });
  }
  it('rejects broken markup (the checker can fail)', () => {
    expect(() => parseXml('<a><b></a></b>')).toThrow(/closes/);
    expect(() => parseXml('<a x=1/>')).toThrow(/malformed/);
    expect(() => parseXml('<a>&nbsp;</a>')).toThrow(/entity/);
    expect(() => parseXml('<a/><b/>')).toThrow(/second root/);
    expect(() => parseXml('<a x="1" x="2"/>')).toThrow(/duplicate/);
  });
});
