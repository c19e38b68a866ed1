// The programs a console step may start: the console's own list (apps/shell), so a scenario file
// and an interactive console agree. Checked when a scenario is loaded, so a typo in a scenario file
// is reported with its line before anything runs; the console itself says the same for a line
// typed interactively, and goes on.
import { SHELL_BUILTIN_NAMES, ShellContext } from '../apps/shell/index.ts';

/** Words that start a compound shell command rather than name a program. */
const SHELL_KEYWORDS = ['!', '{', '(', 'for', 'if', 'while', 'until'];

export const KNOWN_PROGRAMS: readonly string[] = ShellContext.knownCommands();

/** The program of a console line: its first word after any VAR=value assignments. */
export function programOf(command: string): string {
  const words = command.trim().split(/\s+/);
  let i = 0;
  while (i < words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i]!)) i++;
  return words[i] ?? '';
}

/**
 * Whether the console knows the line's program. A path (./x, /root/x) is known when the host has
 * that file; the lab script is known everywhere (the console has a model of it).
 */
export function isKnownProgram(command: string, hostFiles: Readonly<Record<string, string>> = {}): boolean {
  const p = programOf(command);
  if (p === '') return true; // only assignments
  if (KNOWN_PROGRAMS.includes(p) || SHELL_BUILTIN_NAMES.includes(p) || SHELL_KEYWORDS.includes(p)) return true;
  if (p === '/root/count_server_replies.sh') return true;
  if (p.startsWith('./') || p.startsWith('/')) {
    const abs = p.startsWith('./') ? `/root/${p.slice(2)}` : p;
    return Object.prototype.hasOwnProperty.call(hostFiles, abs);
  }
  if (p === 'bash' || p === 'sh') {
    const arg = command.trim().split(/\s+/)[1] ?? '';
    return /(^|\/)count_server_replies\.sh$/.test(arg) || Object.prototype.hasOwnProperty.call(hostFiles, arg.startsWith('/') ? arg : `/root/${arg}`);
  }
  return false;
}
