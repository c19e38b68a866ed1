// Headless Chromium for the report tests: a screenshot with the console lines, and a layout probe.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';

/** Debian's chromium; LBSIM_CHROMIUM names another binary (e.g. chromium-browser). */
export const CHROMIUM = process.env['LBSIM_CHROMIUM'] ?? '/usr/bin/chromium';
const dirs: string[] = [];
/** Removes the temporary directories (call from afterAll). */
export function cleanupBrowserDirs(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** A fresh temporary directory, removed by cleanupBrowserDirs. */
export function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

export function requireBrowserOrSkip(ctx: { skip: (note?: string) => void }): void {
  if (existsSync(CHROMIUM)) return;
  const why = `${CHROMIUM} not found (Debian package chromium)`;
  if (process.env['LBSIM_REQUIRE_BROWSER'] === '1') throw new Error(`${why}; LBSIM_REQUIRE_BROWSER=1 makes this a failure`);
  console.warn(`skipped: ${why}`);
  ctx.skip(why);
}

export interface Render {
  png: Buffer;
  consoleLines: string[];
}

export function render(html: string, width: number, height: number): Render {
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

export function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

// Measures the page after layout and prints one console line the test reads back.
export const LAYOUT_PROBE = `<script>
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


export interface Layout {
  page: number;
  scroll: number;
  right: number;
  who: string;
}

/** Renders at A4 width (794 px) with the probe and returns what it measured. */
export function layout(html: string): Layout {
  const r = render(html.replace('</body>', LAYOUT_PROBE), 794, 1123);
  const line = r.consoleLines.find((l) => l.includes('LBSIM-LAYOUT'));
  expect(line, r.consoleLines.join('\n')).toBeDefined();
  const json = /LBSIM-LAYOUT (\{.*?\})"/.exec(line!.replace(/\\"/g, '"'))![1]!;
  return JSON.parse(json) as Layout;
}
