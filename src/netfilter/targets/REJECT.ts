import type { RejectWith, Target } from '../model.ts';
import type { TargetExtension } from '../rules/extension.ts';
import { checkOptionOnce } from '../rules/extension.ts';
import { paramError } from '../rules/xtables.ts';

export type RejectTarget = Extract<Target, { kind: 'REJECT' }>;

/** libipt_REJECT.c reject_table: name and alias; the argument may be a prefix of either. */
const REJECT_TABLE: readonly [RejectWith, string][] = [
  ['icmp-net-unreachable', 'net-unreach'],
  ['icmp-host-unreachable', 'host-unreach'],
  ['icmp-proto-unreachable', 'proto-unreach'],
  ['icmp-port-unreachable', 'port-unreach'],
  ['icmp-net-prohibited', 'net-prohib'],
  ['icmp-host-prohibited', 'host-prohib'],
  ['tcp-reset', 'tcp-rst'],
  ['icmp-admin-prohibited', 'admin-prohib'],
];

export const rejectExtension: TargetExtension<RejectTarget> = {
  name: 'REJECT',
  options: [{ name: 'reject-with', id: 'reject-with', hasArg: true, invertible: false }],
  init: () => ({ kind: 'REJECT', rejectWith: 'icmp-port-unreachable' }),
  parse(t, o, arg, invert, flags): void {
    checkOptionOnce('REJECT', o, invert, flags);
    const a = arg.toLowerCase();
    const hit = a === '' ? undefined : REJECT_TABLE.find(([name, alias]) => name.startsWith(a) || alias.startsWith(a));
    if (!hit) throw paramError(`unknown reject type "${arg}"`);
    t.rejectWith = hit[0];
  },
  finalCheck(): void {},
  save: (t) => ` --reject-with ${t.rejectWith}`,
  print: (t) => ` reject-with ${t.rejectWith}`,
  validIn: { tables: ['filter', 'mangle'], hooks: ['INPUT', 'FORWARD', 'OUTPUT'] },
};
