// The programs a console step may start. Checked when a scenario is loaded, so a typo in a
// scenario file is reported with its line before anything runs; the console itself (apps/shell)
// says the same for a line typed interactively.
export const KNOWN_PROGRAMS = [
  './count_server_replies.sh',
  'conntrack',
  'curl',
  'ifconfig',
  'ip',
  'iptables',
  'iptables-legacy',
  'iptables-legacy-save',
  'iptables-nft',
  'iptables-save',
  'links',
  'ping',
  'route',
  'sleep',
  'wget',
] as const;

/** The program of a console line: its first word, with the script's other spellings folded in. */
export function programOf(command: string): string {
  const first = command.trim().split(/\s+/)[0] ?? '';
  if (first === '/root/count_server_replies.sh' || first === 'count_server_replies.sh') return './count_server_replies.sh';
  return first;
}

export function isKnownProgram(command: string): boolean {
  const p = programOf(command);
  if (p === 'bash' || p === 'sh') {
    // `bash count_server_replies.sh VIP` runs the same script.
    const second = command.trim().split(/\s+/)[1] ?? '';
    return /(^|\/)count_server_replies\.sh$/.test(second);
  }
  return (KNOWN_PROGRAMS as readonly string[]).includes(p);
}
