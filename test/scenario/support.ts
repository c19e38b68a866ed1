import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LabFolder } from '../../src/scenario/index.ts';

export const FIXTURES = fileURLToPath(new URL('./fixtures', import.meta.url));

/** Reads a lab folder the way the CLI does (every file as UTF-8 text, relative paths with /). */
export function readFixtureLab(name: string): LabFolder {
  const root = join(FIXTURES, name);
  const files = new Map<string, string>();
  const walk = (d: string): void => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else files.set(relative(root, p).split('\\').join('/'), readFileSync(p, 'utf8'));
    }
  };
  walk(root);
  return { root: `fixtures/${name}`, files };
}
