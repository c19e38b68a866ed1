import type { Target } from '../model.ts';
import type { TargetExtension } from '../rules/extension.ts';
import { checkOptionOnce } from '../rules/extension.ts';
import { parseNatPorts, portRangeText } from './nat-range.ts';

export type RedirectTarget = Extract<Target, { kind: 'REDIRECT' }>;

/** libxt_REDIRECT: DNAT to the in interface's primary address (the engine's job at packet time). */
export const redirectExtension: TargetExtension<RedirectTarget> = {
  name: 'REDIRECT',
  options: [
    { name: 'to-ports', id: 'to-ports', hasArg: true, invertible: false },
    { name: 'random', id: 'random', hasArg: false, invertible: false },
  ],
  init: () => ({ kind: 'REDIRECT', ports: null, random: false }),
  parse(t, o, arg, invert, flags, ctx): void {
    checkOptionOnce('REDIRECT', o, invert, flags);
    if (o.id === 'to-ports') {
      t.ports = parseNatPorts(arg, ctx.protocol);
    } else t.random = true;
  },
  finalCheck(): void {},
  save: (t) => `${t.ports ? ` --to-ports ${portRangeText(t.ports)}` : ''}${t.random ? ' --random' : ''}`,
  print: (t) => `${t.ports ? ` redir ports ${portRangeText(t.ports)}` : ''}${t.random ? ' random' : ''}`,
  validIn: { tables: ['nat'], hooks: ['PREROUTING', 'OUTPUT'] },
};
