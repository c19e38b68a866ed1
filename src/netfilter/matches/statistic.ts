import type { RuleRng, StatisticMatch } from '../model.ts';

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
