import type { Target } from '../model.ts';
import type { TargetExtension } from '../rules/extension.ts';
import { checkOptionOnce, protoHasPorts } from '../rules/extension.ts';
import { paramError } from '../rules/xtables.ts';
import { NEED_PORTS, parseDashPorts, portRangeText } from './nat-range.ts';

export type MasqueradeTarget = Extract<Target, { kind: 'MASQUERADE' }>;

/** libxt_MASQUERADE: the address choice (out interface's primary address) is the engine's. */
export const masqueradeExtension: TargetExtension<MasqueradeTarget> = {
  name: 'MASQUERADE',
  options: [
    { name: 'to-ports', id: 'to-ports', hasArg: true, invertible: false },
    { name: 'random', id: 'random', hasArg: false, invertible: false },
    { name: 'random-fully', id: 'random-fully', hasArg: false, invertible: false },
  ],
  init: () => ({ kind: 'MASQUERADE', ports: null, random: false, randomFully: false }),
  parse(t, o, arg, invert, flags, ctx): void {
    checkOptionOnce('MASQUERADE', o, invert, flags);
    if (o.id === 'to-ports') {
      if (!protoHasPorts(ctx.protocol)) throw paramError(NEED_PORTS);
      t.ports = parseDashPorts(arg, () => `MASQUERADE: Bad value for "--to-ports" option: "${arg}"`);
    } else if (o.id === 'random') t.random = true;
    else t.randomFully = true;
  },
  finalCheck(): void {},
  save: (t) =>
    `${t.ports ? ` --to-ports ${portRangeText(t.ports)}` : ''}${t.random ? ' --random' : ''}${t.randomFully ? ' --random-fully' : ''}`,
  print: (t) =>
    `${t.ports ? ` masq ports: ${portRangeText(t.ports)}` : ''}${t.random ? ' random' : ''}${t.randomFully ? ' random-fully' : ''}`,
  validIn: { tables: ['nat'], hooks: ['POSTROUTING'] },
};
