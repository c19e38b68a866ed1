// What each policy predicts for a run of the script, and how far the run may stray from it.
//
// Round robin and source IP are deterministic: the prediction is exact counts (round robin from the
// nth counters' state, i.e. how many connections the chain had already seen). Random is a
// distribution: per server a probability, and a 95% Wilson score interval around the observed
// share tells whether the run is compatible with it.

import type { DnatRule, Q2Run, Vip } from './model.ts';

/** z for a two-sided 95% interval: the 0.975 quantile of the standard normal distribution. */
export const Z95 = 1.959963984540054;

export interface Interval {
  lo: number;
  hi: number;
}

/**
 * Wilson score interval for `successes` out of `n` trials (E. B. Wilson, 1927). Unlike the normal
 * approximation it stays inside [0, 1] and behaves at 0 and n successes, which a 100-request run
 * can reach.
 */
export function wilsonInterval(successes: number, n: number, z: number = Z95): Interval {
  if (!(n > 0) || successes < 0 || successes > n) {
    throw new RangeError(`wilsonInterval: need 0 <= successes <= n and n > 0, got ${successes}/${n}`);
  }
  const p = successes / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const center = (p + z2 / (2 * n)) / denom;
  const half = (z / denom) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // At 0 (or n) successes the bound is exactly 0 (or 1); rounding would leave 1e-16 off it.
  return { lo: successes === 0 ? 0 : Math.max(0, center - half), hi: successes === n ? 1 : Math.min(1, center + half) };
}

/**
 * The probability the random match really uses: the kernel stores lround(p * 2^31) and matches when
 * (rand32 & 0x7fffffff) < that threshold (net/netfilter/xt_statistic.c).
 */
export function effectiveProbability(p: number): number {
  return Math.round(p * 2 ** 31) / 2 ** 31;
}

function ipv4ToNumber(addr: string): number {
  const parts = addr.split('.').map((s) => Number(s));
  let n = 0;
  for (const part of parts) n = n * 256 + (part ?? 0);
  return n;
}

/** Whether `addr` is inside `cidr` ('10.0.0.10' or '10.0.0.0/24'). */
export function addressInCidr(addr: string, cidr: string): boolean {
  const [base, lenText] = cidr.split('/');
  const len = lenText === undefined ? 32 : Number(lenText);
  if (base === undefined) return false;
  if (len === 0) return true;
  const shift = 32 - len;
  return Math.floor(ipv4ToNumber(addr) / 2 ** shift) === Math.floor(ipv4ToNumber(base) / 2 ** shift);
}

export interface ServerCount {
  server: number;
  count: number;
}

export type Expectation =
  /** Deterministic policy: these exact counts (noServer = requests no rule sent anywhere). */
  | { kind: 'exact'; counts: ServerCount[]; noServer: number; matches: boolean }
  /** Random policy: per server its probability, expected count, and the Wilson interval of the run's share. */
  | {
      kind: 'random';
      perServer: RandomServerCheck[];
      /** Probability that no rule matched (the connection stays addressed to the switch). */
      noServer: number;
      allInside: boolean;
    }
  /** Rules the report cannot predict in closed form (e.g. nth and random mixed). */
  | { kind: 'none' };

export interface RandomServerCheck {
  server: number;
  probability: number;
  expectedCount: number;
  observedCount: number;
  observedShare: number;
  interval: Interval;
  /** Whether the policy's probability lies inside the run's 95% Wilson interval. */
  inside: boolean;
}

function ruleMatchesSource(rule: DnatRule, client: string): boolean {
  return rule.match.kind !== 'source' || addressInCidr(client, rule.match.source);
}

/**
 * Round robin by simulation of the kernel's nth counters: one counter per rule, moved only by the
 * connections that reach the rule (a connection that matched an earlier rule never reaches it).
 * `before` connections have already gone through the chain since the rules were loaded.
 */
export function nthOutcome(rules: DnatRule[], before: number, requests: number): { counts: Map<number, number>; noServer: number } {
  const evaluations = rules.map(() => 0);
  const counts = new Map<number, number>();
  let noServer = 0;
  for (let k = 0; k < before + requests; k++) {
    let target: number | null | undefined;
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i]!;
      let matched = false;
      if (rule.match.kind === 'nth') {
        const evaluation = evaluations[i]!;
        evaluations[i] = evaluation + 1;
        matched = evaluation % rule.match.every === rule.match.packet;
      } else if (rule.match.kind === 'always') {
        matched = true;
      }
      if (matched) {
        target = rule.server;
        break;
      }
    }
    if (k < before) continue;
    if (target === undefined || target === null) noServer++;
    else counts.set(target, (counts.get(target) ?? 0) + 1);
  }
  return { counts, noServer };
}

/** The servers a run's table should list: every server a rule can pick, plus any the run counted. */
function serversOf(vip: Vip, run: Q2Run): number[] {
  const set = new Set<number>();
  for (const rule of vip.rules) if (rule.server !== null) set.add(rule.server);
  for (const c of run.counts) set.add(c.server);
  return [...set].sort((a, b) => a - b);
}

export function expectationFor(vip: Vip, run: Q2Run, clientAddr: string): Expectation {
  const kinds = new Set(vip.rules.map((r) => r.match.kind));
  const servers = serversOf(vip, run);
  const observed = (s: number): number => run.counts.find((c) => c.server === s)?.count ?? 0;

  if (kinds.has('random')) {
    if (kinds.has('nth')) return { kind: 'none' };
    // Each rule draws only for the connections that reach it: P(rule i) = p_i * prod_{j<i} (1 - p_j).
    const prob = new Map<number, number>();
    let remaining = 1;
    for (const rule of vip.rules) {
      if (!ruleMatchesSource(rule, clientAddr)) continue;
      const p = rule.match.kind === 'random' ? effectiveProbability(rule.match.probability) : 1;
      const share = remaining * p;
      remaining -= share;
      if (rule.server !== null) prob.set(rule.server, (prob.get(rule.server) ?? 0) + share);
    }
    const perServer = servers.map((server): RandomServerCheck => {
      const probability = prob.get(server) ?? 0;
      const observedCount = observed(server);
      const interval = wilsonInterval(observedCount, run.requests);
      return {
        server,
        probability,
        expectedCount: probability * run.requests,
        observedCount,
        observedShare: observedCount / run.requests,
        interval,
        inside: probability >= interval.lo && probability <= interval.hi,
      };
    });
    return { kind: 'random', perServer, noServer: remaining, allInside: perServer.every((c) => c.inside) };
  }

  if (kinds.has('nth')) {
    if (kinds.has('source')) return { kind: 'none' };
    const { counts, noServer } = nthOutcome(vip.rules, run.connectionsBefore, run.requests);
    const list = servers.map((server) => ({ server, count: counts.get(server) ?? 0 }));
    return { kind: 'exact', counts: list, noServer, matches: list.every((c) => c.count === observed(c.server)) };
  }

  // Source-based (or unconditional) rules: the first rule whose source matches takes everything.
  const rule = vip.rules.find((r) => ruleMatchesSource(r, clientAddr));
  const target = rule?.server ?? null;
  const list = servers.map((server) => ({ server, count: server === target ? run.requests : 0 }));
  const noServer = target === null ? run.requests : 0;
  return { kind: 'exact', counts: list, noServer, matches: list.every((c) => c.count === observed(c.server)) };
}
