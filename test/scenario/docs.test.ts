// docs/scenario.md's example is a scenario that loads and runs, and its error sample is what the
// loader prints.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildLab, loadScenario } from '../../src/scenario/index.ts';

const DOC = readFileSync(fileURLToPath(new URL('../../docs/scenario.md', import.meta.url)), 'utf8');

describe('docs/scenario.md', () => {
  it('the small example loads and runs', () => {
    const yaml = /```yaml\n([\s\S]*?)```/.exec(DOC)![1]!;
    const s = loadScenario(yaml, 'example.yaml');
    const lab = buildLab(s);
    const outs = s.steps.map((st) => lab.runStep(st));
    expect(outs.filter((o) => o.kind === 'command').map((o) => o.exitCode)).toEqual([0, 0]);
    expect(outs[1]!.stdout).toBe('<html><body><h1>Hello</h1></body></html>\n');
    expect(outs[3]!.output).toContain('Hello');
  });

  it('the error sample is the loader\'s format', () => {
    const sample = /```\n(lab\.yaml:5:26: unknown key[\s\S]*?)```/.exec(DOC)![1]!;
    const first = sample.split('\n').slice(0, 3).join('\n');
    let msg = '';
    try {
      loadScenario('name: t\nhosts:\n  c1:\n    interfaces:\n      eth0: { domain: A, adress: 10.0.0.2/24 }\n', 'lab.yaml');
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toBe(first);
  });
});
