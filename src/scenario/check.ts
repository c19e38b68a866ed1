// Checks that need the whole scenario (cross references), shared by the YAML loader and the lab
// importer. Each problem names where it was written through `locate`.
import { cidrToString, formatIpv4, sameSubnet } from './addr.ts';
import { isKnownProgram, KNOWN_PROGRAMS, programOf } from './commands.ts';
import { excerpt, ScenarioError, type SourcePos } from './errors.ts';
import type { Scenario } from './model.ts';
import { classifyStartupLine } from './startup.ts';

export type PathSeg = string | number;
/** Position of the key (`key`) or the value (`value`) at a path of the scenario document. */
export type Locate = (path: PathSeg[], part: 'key' | 'value') => SourcePos | undefined;

export function checkScenario(s: Scenario, locate: Locate): ScenarioError[] {
  const errors: ScenarioError[] = [];
  const hostNames = s.hosts.map((h) => h.name);
  const owner = new Map<number, string>();
  for (const host of s.hosts) {
    if (host.name === 'sleep' || host.name === 'note') {
      errors.push(new ScenarioError(locate(['hosts', host.name], 'key'), `"${host.name}" cannot name a host`, host.name,
        'a host name other than "sleep" and "note", which are step keywords'));
    }
    for (const iface of host.interfaces) {
      for (const a of iface.addresses) {
        const prev = owner.get(a.addr);
        const here = `${host.name} ${iface.name}`;
        if (prev !== undefined) {
          errors.push(new ScenarioError(locate(['hosts', host.name, 'interfaces', iface.name, 'address'], 'value'),
            `address ${formatIpv4(a.addr)} is already on ${prev}`, cidrToString(a), 'an address used by one interface only'));
        } else owner.set(a.addr, here);
      }
    }
    host.routes.forEach((r, i) => {
      const where = locate(['hosts', host.name, 'routes', i], 'value');
      if (r.dev !== undefined && !host.interfaces.some((f) => f.name === r.dev)) {
        errors.push(new ScenarioError(where, `route on ${host.name} names interface ${r.dev}, which ${host.name} does not have`,
          r.dev, `one of ${host.interfaces.map((f) => f.name).join(', ') || '(no interfaces)'}`));
      }
      if (r.via !== undefined) {
        const via = r.via;
        const onLink = host.interfaces.some((f) => (r.dev === undefined || f.name === r.dev)
          && f.addresses.some((a) => sameSubnet(a.addr, via, a.prefixLen)));
        if (!onLink) {
          errors.push(new ScenarioError(where, `gateway ${formatIpv4(via)} is not on a subnet of ${host.name} (Linux: "Network is unreachable")`,
            formatIpv4(via), `a gateway inside ${host.interfaces.flatMap((f) => f.addresses.map(cidrToString)).join(', ') || '(no addresses)'}`));
        }
      }
    });
    host.boot.forEach((line) => {
      const c = classifyStartupLine(line.text);
      if (!c.ok) errors.push(new ScenarioError(line.pos, `${c.problem} (on ${host.name})`, excerpt(line.text, 200), c.expected));
      else {
        const iface = c.actions.flatMap((a) => (a.kind === 'address' || a.kind === 'link' ? [a.iface] : []))
          .find((n) => !host.interfaces.some((f) => f.name === n));
        if (iface !== undefined) {
          errors.push(new ScenarioError(line.pos, `${host.name} has no interface ${iface}`, excerpt(line.text, 200),
            `one of ${host.interfaces.map((f) => f.name).join(', ') || '(no interfaces)'}`));
        }
      }
    });
  }
  s.steps.forEach((step, i) => {
    if (step.kind !== 'command') return;
    if (!hostNames.includes(step.host)) {
      errors.push(new ScenarioError(step.pos ?? locate(['steps', i], 'key'), `unknown host "${step.host}"`, step.host,
        `a host of this scenario (${hostNames.join(', ')})${suggest(step.host, hostNames)}, or "sleep: SECONDS" or "note: TEXT"`));
      return;
    }
    if (step.command.trim() === '') {
      errors.push(new ScenarioError(step.pos ?? locate(['steps', i], 'value'), 'empty command', '""', 'a command line'));
    } else if (!isKnownProgram(step.command, s.hosts.find((h) => h.name === step.host)?.files)) {
      const p = programOf(step.command);
      errors.push(new ScenarioError(locate(['steps', i, step.host], 'value') ?? step.pos, `unknown command "${p}"`,
        excerpt(step.command), `a command the console knows: ${KNOWN_PROGRAMS.join(', ')}${suggest(p, KNOWN_PROGRAMS)}`));
    }
  });
  return errors;
}

/** ' (did you mean "x"?)' for a close name, or ''. */
export function suggest(word: string, names: readonly string[]): string {
  let best: string | undefined;
  let bestD = Infinity;
  for (const n of names) {
    const d = editDistance(word.toLowerCase(), n.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = n;
    }
  }
  return best !== undefined && bestD <= Math.max(1, Math.floor(word.length / 3)) ? ` (did you mean "${best}"?)` : '';
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}
