import type { Target } from '../model.ts';
import type { TargetExtension } from '../rules/extension.ts';
import { checkOptionOnce } from '../rules/extension.ts';
import { paramError } from '../rules/xtables.ts';
import { natRangeText, parseNatRange } from './nat-range.ts';

export type DnatTarget = Extract<Target, { kind: 'DNAT' }>;

/** libxt_DNAT: the packet-time rewrite is the engine's (src/netfilter/nat/). */
export const dnatExtension: TargetExtension<DnatTarget> = {
  name: 'DNAT',
  options: [
    { name: 'to-destination', id: 'to', hasArg: true, invertible: false },
    { name: 'random', id: 'random', hasArg: false, invertible: false },
    { name: 'persistent', id: 'persistent', hasArg: false, invertible: false },
  ],
  init: () => ({
    kind: 'DNAT',
    range: { mapIps: false, minIp: 0, maxIp: 0, protoSpecified: false, minPort: 0, maxPort: 0 },
    random: false,
    persistent: false,
  }),
  parse(t, o, arg, invert, flags, ctx): void {
    checkOptionOnce('DNAT', o, invert, flags);
    if (o.id === 'to') t.range = parseNatRange(arg, ctx.protocol);
    else if (o.id === 'random') t.random = true;
    else t.persistent = true;
  },
  finalCheck(_t, flags): void {
    if (!flags.has('to')) throw paramError('DNAT: option "--to-destination" must be specified\n');
  },
  save: (t) => ` --to-destination ${natRangeText(t.range)}${t.random ? ' --random' : ''}${t.persistent ? ' --persistent' : ''}`,
  print: (t) => ` to:${natRangeText(t.range)}${t.random ? ' random' : ''}${t.persistent ? ' persistent' : ''}`,
  validIn: { tables: ['nat'], hooks: ['PREROUTING', 'OUTPUT'] },
};
