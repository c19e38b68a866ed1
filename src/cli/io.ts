// The CLI's boundary with the process: output streams, exit statuses and the errors that map to
// them. Exit status: 0 ok, 1 a check failed, 2 bad input (usage errors included), 70 an internal
// error (a bug: the only case that may show a stack, and only with LBSIM_DEBUG=1).
import { ScenarioError, ScenarioErrors } from '../scenario/index.ts';

export const EXIT_OK = 0;
export const EXIT_CHECK_FAILED = 1;
export const EXIT_BAD_INPUT = 2;
export const EXIT_INTERNAL = 70;

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Progress goes to stderr only when it is a terminal. */
  stderrIsTTY: boolean;
  stdinIsTTY: boolean;
  env: Record<string, string | undefined>;
}

/** An error for the user: printed as `lbsim: message`, exit status `code`. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly code: number = EXIT_BAD_INPUT,
  ) {
    super(message);
  }
}

export function processIo(): CliIo {
  return {
    out: (t) => void process.stdout.write(t),
    err: (t) => void process.stderr.write(t),
    stderrIsTTY: process.stderr.isTTY === true,
    stdinIsTTY: process.stdin.isTTY === true,
    env: process.env,
  };
}

/** The status and message for anything thrown by a command. */
export function describeFailure(e: unknown, debug: boolean): { code: number; text: string } {
  if (e instanceof ScenarioErrors || e instanceof ScenarioError) return { code: EXIT_BAD_INPUT, text: `${e.message}\n` };
  if (e instanceof CliError) return { code: e.code, text: `lbsim: ${e.message}\n` };
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err === 'object' && typeof err.code === 'string' && typeof err.path === 'string') {
    // File system errors on paths the user named are bad input, not bugs.
    const what: Record<string, string> = {
      ENOENT: 'no such file or directory', EACCES: 'permission denied', EISDIR: 'is a directory',
      ENOTDIR: 'not a directory', EEXIST: 'already exists', ENOSPC: 'no space left on device', EROFS: 'read-only file system',
    };
    return { code: EXIT_BAD_INPUT, text: `lbsim: ${err.path}: ${what[err.code] ?? err.message}\n` };
  }
  const msg = e instanceof Error ? e.message : String(e);
  const stack = debug && e instanceof Error && e.stack ? `${e.stack}\n` : '';
  return {
    code: EXIT_INTERNAL,
    text: `lbsim: internal error: ${msg}\n${stack}(this is a bug in lbsim; run with LBSIM_DEBUG=1 for the stack)\n`,
  };
}
