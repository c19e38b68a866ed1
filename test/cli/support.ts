import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { allCommands } from '../../src/cli/commands.ts';
import type { CliIo } from '../../src/cli/io.ts';
import { runCli } from '../../src/cli/program.ts';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const FIXTURES = join(ROOT, 'test', 'scenario', 'fixtures');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs lbsim in this process (fast); the spawn variant below checks the real binary. */
export async function lbsim(...argv: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    out: (t) => void (stdout += t),
    err: (t) => void (stderr += t),
    stderrIsTTY: false,
    stdinIsTTY: false,
    env: {},
  };
  const code = await runCli(argv, io, allCommands);
  return { code, stdout, stderr };
}

export function lbsimProcess(argv: string[], cwd = ROOT): CliResult {
  try {
    const stdout = execFileSync(process.execPath, [join(ROOT, 'bin', 'lbsim.js'), ...argv], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { code: 0, stdout, stderr: '' };
  } catch (e) {
    const err = e as { status: number; stdout: string; stderr: string };
    return { code: err.status, stdout: err.stdout, stderr: err.stderr };
  }
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'lbsim-cli-'));
}
