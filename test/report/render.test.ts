// Headless Chromium renders report.html: a non-empty screenshot, no console messages (the report
// has no script, so any CONSOLE line is an error), and nothing wider than an A4 page's text column.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildReport } from '../../src/report/index.ts';
import { CHROMIUM, cleanupBrowserDirs, layout, pngSize, render, requireBrowserOrSkip, tempDir } from './browser.ts';
import { makeData, VARIANT_A, VARIANT_B } from './fixture.ts';

afterAll(cleanupBrowserDirs);

describe('report.html in headless Chromium', () => {
  for (const [name, data, lang] of [
    ['A fr', makeData(VARIANT_A), 'fr'],
    ['B en', makeData(VARIANT_B), 'en'],
  ] as const) {
    it(`${name}: renders to a non-empty screenshot with no console messages`, (ctx) => {
      requireBrowserOrSkip(ctx);
      const { html } = buildReport(data, lang);
      const r = render(html, 1240, 1754);
      expect(r.consoleLines).toEqual([]);
      expect(pngSize(r.png)).toEqual({ width: 1240, height: 1754 });
      expect(r.png.length).toBeGreaterThan(20_000);
    });
  }

  it('nothing is wider than an A4 page (794 px at 96 dpi)', (ctx) => {
    requireBrowserOrSkip(ctx);
    for (const lang of ['fr', 'en'] as const) {
      const m = layout(buildReport(makeData(VARIANT_A), lang).html);
      expect(m.scroll, JSON.stringify(m)).toBeLessThanOrEqual(m.page);
      expect(m.right, JSON.stringify(m)).toBeLessThanOrEqual(m.page);
    }
  });

  it('the layout probe does see an element wider than the page', (ctx) => {
    requireBrowserOrSkip(ctx);
    const wide = buildReport(makeData(VARIANT_A), 'fr').html.replace('</h1>', '</h1><div style="width:2000px">x</div>');
    expect(layout(wide).right).toBeGreaterThan(794);
  });
});

describe('report.html printed by headless Chromium', () => {
  it('prints on A4 pages (@page size A4)', (ctx) => {
    requireBrowserOrSkip(ctx);
    const dir = tempDir('lbsim-report-pdf-');
    const file = join(dir, 'report.html');
    writeFileSync(file, buildReport(makeData(VARIANT_A), 'fr').html);
    const pdf = join(dir, 'report.pdf');
    const r = spawnSync(
      CHROMIUM,
      ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${join(dir, 'profile')}`, '--no-pdf-header-footer', `--print-to-pdf=${pdf}`, `file://${file}`],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(r.status, r.stderr).toBe(0);
    const boxes = readFileSync(pdf).toString('latin1').match(/MediaBox \[0 0 [\d.]+ [\d.]+\]/g) ?? [];
    expect(boxes.length).toBeGreaterThan(1);
    for (const b of boxes) {
      const [w, h] = b.replace(/[^\d. ]/g, '').trim().split(/\s+/).slice(2).map(Number);
      // A4 = 210 x 297 mm = 595.3 x 841.9 pt.
      expect(Math.abs(w! - 595.3)).toBeLessThan(1);
      expect(Math.abs(h! - 841.9)).toBeLessThan(1);
    }
  });
});
