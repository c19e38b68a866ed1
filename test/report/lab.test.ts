// End to end: the lab scenario run by the simulator, its report built from what it produced.
// Changing the seed changes the random switch's rows; every number is the run's; every "see it
// yourself" claim holds in tshark on the run's own capture files.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemorySink } from '../../src/pcap/index.ts';
import type { BuiltReport, LabCaptureBytes, LabRunData } from '../../src/report/index.ts';
import { buildReport, buildReportFromRun, runOutputFromLab } from '../../src/report/index.ts';
import { buildLab, loadScenario, type StepOutcome } from '../../src/scenario/index.ts';
import { requireTsharkOrSkip } from '../support/tshark.ts';
import { cleanupBrowserDirs, layout, render, requireBrowserOrSkip } from './browser.ts';
import { checkClaims } from './claims.ts';
import { parseXml } from './xml.ts';

const SCENARIO = fileURLToPath(new URL('../../scenarios/netkit-loadbalancer.yaml', import.meta.url));

interface LabRun {
  seed: number;
  outcomes: StepOutcome[];
  listings: Map<string, string>;
  captures: LabCaptureBytes[];
  report: BuiltReport & { data: LabRunData };
  en: string;
}

function runLab(seed: number): LabRun {
  const scenario = loadScenario(readFileSync(SCENARIO, 'utf8'), SCENARIO);
  const sinks: { file: LabCaptureBytes['file']; sink: MemorySink }[] = [];
  const lab = buildLab(scenario, {
    seed,
    sinks: (file) => {
      const sink = new MemorySink();
      sinks.push({ file, sink });
      return sink;
    },
  });
  const outcomes = scenario.steps.map((s) => lab.runStep(s));
  lab.finish();
  lab.close(); // flushes the capture writers
  const listings = lab.iptablesListings();
  const captures = sinks.map(({ file, sink }) => ({ file, bytes: sink.bytes() }));
  const run = runOutputFromLab(lab, scenario, outcomes, captures);
  const report = buildReportFromRun(run, 'fr');
  return { seed, outcomes, listings, captures, report, en: buildReport(report.data, 'en').markdown };
}

let one: LabRun;
let two: LabRun;
beforeAll(() => {
  one = runLab(1);
  two = runLab(2);
}, 120_000);

const scriptRuns = (r: LabRun) => r.outcomes.filter((o) => o.kind === 'command' && /count_server_replies/.test(o.command ?? ''));

describe('the report of a simulated lab run', () => {
  it('has the script’s counts, as the console printed them, in its tables', () => {
    for (const r of [one, two]) {
      const runs = scriptRuns(r);
      expect(runs.length).toBe(r.report.data.q2.length);
      runs.forEach((o, i) => {
        const q2 = r.report.data.q2[i]!;
        expect(q2.stdout).toBe(o.stdout);
        for (const c of q2.counts) {
          expect(o.counts?.[String(c.server)] ?? 0).toBe(c.count);
          expect(r.report.markdown).toContain(`| serveur ${c.server} | ${c.count} |`);
        }
      });
    }
  });

  it('changes the random rows with the seed, and keeps round robin and source IP exact', () => {
    const random = (r: LabRun) => r.report.data.q2.filter((q) => q.vip === '10.0.0.2').map((q) => q.counts.map((c) => c.count).join('/'));
    expect(random(one)).not.toEqual(random(two));
    for (const r of [one, two]) {
      expect(r.en).not.toContain('— different');
      expect((r.en.match(/— identical/g) ?? []).length).toBe(4);
    }
  });

  it('shows each switch’s final listing and agrees with the captures on the counters', () => {
    for (const r of [one, two]) {
      for (const sw of r.report.data.q3) {
        expect(r.report.markdown).toContain(r.listings.get(sw.host)!.trimEnd());
        const dnat = sw.chains.find((c) => c.name === 'PREROUTING')!.rules.filter((x) => x.target === 'DNAT');
        // The counters (netfilter) and the captures (the wire) are independent witnesses.
        expect(dnat.reduce((a, x) => a + x.pkts.value, 0)).toBe(sw.observed.connectionsToVip);
        const masq = sw.chains.find((c) => c.name === 'POSTROUTING')!.rules.find((x) => x.target === 'MASQUERADE')!;
        expect(masq.pkts.value).toBe(sw.observed.connectionsMasqueraded);
        expect(sw.observed.firstPacketIpLengths.map((l) => l.length)).toEqual([60]);
      }
      expect(r.en).not.toContain('a discrepancy to look into');
      expect(r.en).not.toContain('contradicts connection tracking');
    }
  });

  it('writes well-formed HTML', () => {
    expect(parseXml(one.report.html).name).toBe('html');
  });
});

describe('the simulated run’s report in headless Chromium', () => {
  afterAll(cleanupBrowserDirs);
  it('renders with no console message and nothing wider than A4', (ctx) => {
    requireBrowserOrSkip(ctx);
    expect(render(one.report.html, 1240, 1754).consoleLines).toEqual([]);
    const m = layout(one.report.html);
    expect(m.scroll, JSON.stringify(m)).toBeLessThanOrEqual(m.page);
    expect(m.right, JSON.stringify(m)).toBeLessThanOrEqual(m.page);
  });
});

describe('the simulated run’s claims in tshark', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lbsim-report-lab-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it('every "see it yourself" filter shows what the report says', (ctx) => {
    requireTsharkOrSkip(ctx);
    for (const c of one.captures) writeFileSync(join(dir, c.file.name), c.bytes);
    expect(checkClaims(one.en, one.report.data, dir)).toBeGreaterThan(30);
  });
});
