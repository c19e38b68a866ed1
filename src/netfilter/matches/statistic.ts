import type { RuleRng, StatisticMatch } from '../model.ts';
import type { MatchExtension } from '../rules/extension.ts';
import { checkOptionOnce } from '../rules/extension.ts';
import { paramError, strtoui } from '../rules/xtables.ts';

/**
 * xt_statistic.c statistic_mt. nth: the shared counter goes oval -> (oval == every ? 0 : oval + 1)
 * and the packet matches when it becomes 0; with the start value every - packet, evaluation k
 * (from 1) matches iff (k - 1) mod (every + 1) == packet. random: one draw per evaluation.
 */
export function evaluateStatistic(m: StatisticMatch, rng: RuleRng): boolean {
  let hit: boolean;
  if (m.mode === 'nth') {
    m.nthCount = m.nthCount === m.every ? 0 : m.nthCount + 1;
    hit = m.nthCount === 0;
  } else {
    hit = (rng.u32() & 0x7fffffff) >>> 0 < m.threshold;
  }
  return hit !== m.invert;
}

const TWO_31 = 0x80000000;

/** printf("%.11f", threshold / 2^31) exactly, glibc rounding (half to even on an exact tie). */
export function probabilityText(threshold: number): string {
  const scale = 10n ** 11n;
  const num = BigInt(threshold) * scale;
  const den = BigInt(TWO_31);
  let q = num / den;
  const r = num % den;
  if (r * 2n > den || (r * 2n === den && q % 2n === 1n)) q += 1n;
  const whole = q / scale;
  const frac = (q % scale).toString().padStart(11, '0');
  return `${whole}.${frac}`;
}

/** libxt_statistic.c print_match with prefix '' (listing) or '--' (save). */
function statisticText(m: StatisticMatch, prefix: string): string {
  const inv = m.invert ? ' !' : '';
  if (m.mode === 'random') return ` ${prefix}mode random${inv} ${prefix}probability ${probabilityText(m.threshold)}`;
  let s = ` ${prefix}mode nth${inv} ${prefix}every ${m.every + 1}`;
  if (m.packet !== 0 || prefix !== '') s += ` ${prefix}packet ${m.packet}`;
  return s;
}

/** The lab's Netkit-era spelling: kept, with this warning (see issue 4, item 1). */
export function everyWithoutPacketWarning(every: number): string {
  return (
    `lbsim: warning: iptables 1.4.11 and later reject this rule (statistic: option "--every" also requires "--packet".); ` +
    `running it as Netkit-era iptables did, with --packet 0. Portable spelling: -m statistic --mode nth --every ${every} --packet 0\n`
  );
}

export const statisticExtension: MatchExtension<StatisticMatch> = {
  name: 'statistic',
  options: [
    { name: 'mode', id: 'mode', hasArg: true, invertible: false },
    { name: 'probability', id: 'probability', hasArg: true, invertible: true },
    { name: 'every', id: 'every', hasArg: true, invertible: true },
    { name: 'packet', id: 'packet', hasArg: true, invertible: false },
  ],
  init: () => ({
    kind: 'statistic',
    mode: 'random',
    invert: false,
    every: 0,
    packet: 0,
    nthStart: 0,
    nthCount: 0,
    threshold: 0,
    packetDefaulted: false,
  }),
  parse(m, o, arg, invert, flags): void {
    if (invert) m.invert = true;
    // .excl: probability excludes every/packet and the other way round
    const excl: Record<string, string[]> = { probability: ['every', 'packet'], every: ['probability'], packet: ['probability'] };
    for (const other of excl[o.id] ?? []) {
      if (flags.has(other)) throw paramError(`statistic: option "--${o.name}" cannot be used together with "--${other}".\n`);
    }
    checkOptionOnce('statistic', o, invert, flags);
    switch (o.id) {
      case 'mode':
        if (arg === 'random') m.mode = 'random';
        else if (arg === 'nth') m.mode = 'nth';
        else throw paramError(`Bad mode "${arg}"`);
        break;
      case 'probability': {
        const p = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(arg.trim()) ? Number(arg) : NaN;
        if (!(p >= 0 && p <= 1)) throw paramError('statistic: bad value for option "--probability", or out of range (0-1).\n');
        m.threshold = Math.round(TWO_31 * p);
        break;
      }
      case 'every': {
        const n = strtoui(arg, 1, 0xffffffff);
        if (n === undefined) throw paramError('statistic: bad value for option "--every", or out of range (1-4294967295).\n');
        m.every = n - 1;
        break;
      }
      case 'packet': {
        const n = strtoui(arg, 0, 0xffffffff);
        if (n === undefined) throw paramError('statistic: bad value for option "--packet", or out of range (0-4294967295).\n');
        m.packet = n;
        break;
      }
    }
  },
  finalCheck(m, flags, ctx): void {
    // statistic_check (x6_fcheck) runs before the option table's mandatory/also checks
    if (m.mode === 'random' && !flags.has('probability')) throw paramError('--probability must be specified when using random mode');
    if (m.mode === 'nth' && !flags.has('every') && !flags.has('packet')) {
      throw paramError('--every and --packet must be specified when using nth mode');
    }
    if (m.packet > m.every) throw paramError('the --packet p must be 0 <= p <= n-1');
    m.nthStart = m.every - m.packet;
    m.nthCount = m.nthStart;
    if (!flags.has('mode')) throw paramError('statistic: option "--mode" must be specified\n');
    if (flags.has('every') && !flags.has('packet')) {
      m.packetDefaulted = true;
      ctx.warnings.push(everyWithoutPacketWarning(m.every + 1));
    }
  },
  save: (m) => statisticText(m, '--'),
  print: (m) => ` statistic${statisticText(m, '')}`,
};
