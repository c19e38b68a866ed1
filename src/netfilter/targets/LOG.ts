import type { Target } from '../model.ts';
import type { TargetExtension } from '../rules/extension.ts';
import { checkOptionOnce } from '../rules/extension.ts';
import { paramError, strtoui } from '../rules/xtables.ts';

export type LogTarget = Extract<Target, { kind: 'LOG' }>;

/** ipt_LOG flags (include/uapi/linux/netfilter_ipv4/ipt_LOG.h). */
const LOG_FLAGS: readonly [string, number, string][] = [
  ['log-tcp-sequence', 0x01, 'tcp-sequence'],
  ['log-tcp-options', 0x02, 'tcp-options'],
  ['log-ip-options', 0x04, 'ip-options'],
  ['log-uid', 0x08, 'uid'],
  ['log-macdecode', 0x20, 'macdecode'],
];

/** Syslog level names as 1.8.9 accepts them and (first per level) prints them. */
const LEVELS: readonly [string, number][] = [
  ['emerg', 0],
  ['alert', 1],
  ['crit', 2],
  ['err', 3],
  ['warn', 4],
  ['notice', 5],
  ['info', 6],
  ['debug', 7],
  ['panic', 0],
  ['error', 3],
  ['warning', 4],
];

const PREFIX_MAX = 29;

/** xtables_save_string: bare when only [-_0-9a-zA-Z], else double-quoted with \ before " \ '. */
export function saveString(v: string): string {
  if (/^[-_0-9a-zA-Z]+$/.test(v)) return ` ${v}`;
  return ` "${v.replace(/["\\']/g, (c) => `\\${c}`)}"`;
}

/** The packet-time LOG line is the engine's (src/netfilter/notes.ts logLine), next to the other trace text. */
export const logExtension: TargetExtension<LogTarget> = {
  name: 'LOG',
  options: [
    { name: 'log-level', id: 'level', hasArg: true, invertible: false },
    { name: 'log-prefix', id: 'prefix', hasArg: true, invertible: false },
    ...LOG_FLAGS.map(([name]) => ({ name, id: name, hasArg: false, invertible: false })),
  ],
  init: () => ({ kind: 'LOG', prefix: null, level: 4, flags: 0 }),
  parse(t, o, arg, invert, flags): void {
    checkOptionOnce('LOG', o, invert, flags);
    if (o.id === 'level') {
      const n = strtoui(arg, 0, 7) ?? LEVELS.find(([name]) => name === arg)?.[1];
      if (n === undefined) throw paramError(`log level "${arg}" unknown\n`);
      t.level = n;
    } else if (o.id === 'prefix') {
      if (arg.length > PREFIX_MAX) throw paramError(`Maximum prefix length ${PREFIX_MAX} for --log-prefix`);
      if (arg.includes('\n')) throw paramError('Newlines not allowed in --log-prefix');
      t.prefix = arg;
    } else {
      t.flags |= LOG_FLAGS.find(([name]) => name === o.id)?.[1] ?? 0;
    }
  },
  finalCheck(): void {},
  save(t): string {
    let s = t.prefix ? ` --log-prefix${saveString(t.prefix)}` : '';
    if (t.level !== 4) s += ` --log-level ${t.level}`;
    for (const [name, bit] of LOG_FLAGS) if (t.flags & bit) s += ` --${name}`;
    return s;
  },
  print(t, numeric): string {
    let s = ' LOG';
    if (numeric) s += ` flags ${t.flags} level ${t.level}`;
    else {
      const name = LEVELS.find(([, n]) => n === t.level)?.[0];
      s += name ? ` level ${name}` : ` UNKNOWN level ${t.level}`;
      for (const [, bit, label] of LOG_FLAGS) if (t.flags & bit) s += ` ${label}`;
    }
    if (t.prefix) s += ` prefix "${t.prefix}"`;
    return s;
  },
  validIn: null,
};
