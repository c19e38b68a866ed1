// Headless Chromium renders report.html: a non-empty screenshot, no console messages (the report
// has no script, so any CONSOLE line is an error), and nothing wider than an A4 page's text column.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildReport } from '../../src/report/index.ts';
import { makeData, VARIANT_A, VARIANT_B } from './fixture.ts';

const CHROMIUM = '/usr/bin/chromium';
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function requireBrowserOrSkip(ctx: { skip: (note?: string) => void }): void {
  if (existsSync(CHROMIUM)) return;
  const why = `${CHROMIUM} not found (Debian package chromium)`;
  if (process.env['LBSIM_REQUIRE_BROWSER'] === '1') throw new Error(`${why}; LBSIM_REQUIRE_BROWSER=1 makes this a failure`);
  console.warn(`skipped: ${why}`);
  ctx.skip(why);
}

interface Render {
  png: Buffer;
  consoleLines: string[];
}

function render(html: string, width: number, height: number): Render {
  const dir = mkdtempSync(join(tmpdir(), 'lbsim-report-'));
  dirs.push(dir);
  const file = join(dir, 'report.html');
  const png = join(dir, 'shot.png');
  writeFileSync(file, html);
  const r = spawnSync(
    CHROMIUM,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${join(dir, 'profile')}`,
      '--enable-logging=stderr',
      '--v=0',
      `--screenshot=${png}`,
      `--window-size=${width},${height}`,
      `file://${file}`,
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );
  if (r.error) throw new Error(`chromium did not run: ${r.error.message}`);
  expect(r.status, r.stderr).toBe(0);
  const consoleLines = `${r.stderr}\n${r.stdout}`.split('\n').filter((l) => l.includes('CONSOLE'));
  return { png: readFileSync(png), consoleLines };
}

function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

// Measures the page after layout and prints one console line the test reads back.
const LAYOUT_PROBE = `<script>
(function () {
  var page = document.documentElement.clientWidth, worst = 0, who = '';
  var all = document.body.getElementsByTagName('*');
  for (var i = 0; i < all.length; i++) {
    var r = all[i].getBoundingClientRect();
    if (r.right > worst) { worst = r.right; who = all[i].tagName + (all[i].id ? '#' + all[i].id : ''); }
  }
  console.log('LBSIM-LAYOUT ' + JSON.stringify({ page: page, scroll: document.documentElement.scrollWidth, right: worst, who: who }));
})();
</script></body>`;

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

  function layout(html: string): { page: number; scroll: number; right: number; who: string } {
    const r = render(html.replace('</body>', LAYOUT_PROBE), 794, 1123);
    const line = r.consoleLines.find((l) => l.includes('LBSIM-LAYOUT'));
    expect(line, r.consoleLines.join('\n')).toBeDefined();
    const json = /LBSIM-LAYOUT (\{.*?\})"/.exec(line!.replace(/\\"/g, '"'))![1]!;
    return JSON.parse(json) as { page: number; scroll: number; right: number; who: string };
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
    const dir = mkdtempSync(join(tmpdir(), 'lbsim-report-pdf-'));
    dirs.push(dir);
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
