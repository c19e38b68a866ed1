import type { Target } from '../model.ts';
import type { TargetExtension } from '../rules/extension.ts';
import { checkOptionOnce } from '../rules/extension.ts';
import { paramError } from '../rules/xtables.ts';
import { natRangeText, parseNatRange } from './nat-range.ts';

export type SnatTarget = Extract<Target, { kind: 'SNAT' }>;

/** libxt_SNAT: the packet-time rewrite is the engine's (src/netfilter/nat/). */
export const snatExtension: TargetExtension<SnatTarget> = {
  name: 'SNAT',
  options: [
    { name: 'to-source', id: 'to', hasArg: true, invertible: false },
    { name: 'random', id: 'random', hasArg: false, invertible: false },
    { name: 'random-fully', id: 'random-fully', hasArg: false, invertible: false },
    { name: 'persistent', id: 'persistent', hasArg: false, invertible: false },
  ],
  init: () => ({
    kind: 'SNAT',
    range: { mapIps: false, minIp: 0, maxIp: 0, protoSpecified: false, minPort: 0, maxPort: 0 },
    random: false,
    randomFully: false,
    persistent: false,
  }),
  parse(t, o, arg, invert, flags, ctx): void {
    checkOptionOnce('SNAT', o, invert, flags);
    if (o.id === 'to') t.range = parseNatRange(arg, ctx.protocol);
    else if (o.id === 'random') t.random = true;
    else if (o.id === 'random-fully') t.randomFully = true;
    else t.persistent = true;
  },
  finalCheck(_t, flags): void {
    if (!flags.has('to')) throw paramError('SNAT: option "--to-source" must be specified\n');
  },
  save: (t) =>
    ` --to-source ${natRangeText(t.range)}${t.random ? ' --random' : ''}${t.randomFully ? ' --random-fully' : ''}${t.persistent ? ' --persistent' : ''}`,
  print: (t) =>
    ` to:${natRangeText(t.range)}${t.random ? ' random' : ''}${t.randomFully ? ' random-fully' : ''}${t.persistent ? ' persistent' : ''}`,
  validIn: { tables: ['nat'], hooks: ['POSTROUTING', 'INPUT'] },
};
