// The default lab's files are committed under captures/netkit-loadbalancer/ so a newcomer can open
// them without running anything. This test regenerates them and requires byte identity of every
// file present there; on a mismatch it explains the first difference with `lbsim diff`.
// UPDATE_GOLDEN=1 rewrites them all (do it deliberately, after a change meant to alter them). The
// repository may commit a subset (the big regenerable lab.pcapng and trace.txt can stay out), but
// never less than the per-interface and per-domain captures and the console transcript.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diffCaptures, loadCapture } from '../../src/cli/cmd-capture.ts';
import { lbsim, ROOT, tempDir } from './support.ts';

const GOLDEN = join(ROOT, 'captures', 'netkit-loadbalancer');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

function explain(file: string, fresh: string, golden: string): string {
  if (/\.pcap(ng)?$/.test(file)) {
    return diffCaptures(loadCapture(golden), loadCapture(fresh), `committed ${file}`, `regenerated ${file}`).text;
  }
  const a = readFileSync(golden, 'utf8').split('\n');
  const b = readFileSync(fresh, 'utf8').split('\n');
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return `${file}: first difference at line ${i + 1}\n  committed:   ${a[i] ?? '(end of file)'}\n  regenerated: ${b[i] ?? '(end of file)'}\n`;
}

describe('golden captures of the default lab (captures/netkit-loadbalancer/)', () => {
  it(UPDATE ? 'UPDATE_GOLDEN=1: rewrites them' : 'a fresh run is byte-identical to the committed files', async () => {
    const fresh = tempDir();
    const r = await lbsim('run', '--out', fresh);
    expect(r.code, r.stderr).toBe(0);
    const files = listFiles(fresh);
    const required = files.filter((f) => /\.pcap$/.test(f) || f === 'console.txt');
    if (UPDATE) {
      // Rewrites the required files and whichever others the folder already holds (the
      // repository's choice of what to commit stays as it was).
      const keep = files.filter((f) => required.includes(f) || existsSync(join(GOLDEN, f)) || /^(iptables|conntrack)\//.test(f));
      rmSync(GOLDEN, { recursive: true, force: true });
      for (const f of keep) {
        mkdirSync(dirname(join(GOLDEN, f)), { recursive: true });
        cpSync(join(fresh, f), join(GOLDEN, f));
      }
      expect(listFiles(GOLDEN)).toEqual(keep);
      return;
    }
    const committed = listFiles(GOLDEN);
    expect(required.filter((f) => !committed.includes(f)), `missing from ${GOLDEN} (UPDATE_GOLDEN=1 npx vitest run test/cli/golden.test.ts writes them)`).toEqual([]);
    expect(committed.filter((f) => !files.includes(f)), `files in ${GOLDEN} that a run does not write`).toEqual([]);
    const problems: string[] = [];
    for (const f of committed) {
      if (readFileSync(join(GOLDEN, f), 'latin1') !== readFileSync(join(fresh, f), 'latin1')) problems.push(explain(f, join(fresh, f), join(GOLDEN, f)));
    }
    expect(problems.join('\n'), 'regenerated captures differ from the committed ones (UPDATE_GOLDEN=1 refreshes them if the change is intended)').toBe('');
  });
});
