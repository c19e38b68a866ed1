// A Netkit / Kathará lab folder -> Scenario (LAB.md, "Lab folders"). The folder arrives as a map
// of relative paths to text (src/ does no I/O; cli/ reads the folder). Address, link, route and
// forwarding lines become the scenario's structure; iptables, service and file lines stay boot
// lines, verbatim, so the builder runs them as the host would. A line lbsim cannot model is an
// error naming file:line and the command.
import { cidrToString, formatIpv4, isMac, macForIpv4, sameSubnet } from './addr.ts';
import { checkScenario, type Locate } from './check.ts';
import { excerpt, ScenarioError, ScenarioErrors, type SourcePos } from './errors.ts';
import type { HostModel, InterfaceModel, RouteModel, Scenario } from './model.ts';
import { startToEpochSec } from './schema.ts';
import { classifyStartupLine } from './startup.ts';

export interface LabFolder {
  /** The folder as the user named it, for messages ("labs/lb"). */
  root: string;
  /** Relative path ("lab.conf", "server1/var/www/index.html") -> text. */
  files: ReadonlyMap<string, string>;
}

const LAB_CONF_FORMS = 'KEY=value, host[N]=DOMAIN, host[N]="DOMAIN/MAC", host[option]=value, a blank line or a # comment';
const HOST_KEY = /^([A-Za-z0-9][A-Za-z0-9_-]*)\[([^\]]*)\]\s*=\s*(.*)$/;
const META_KEY = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/;

function unquote(v: string): string {
  const t = v.trim();
  if (t.length >= 2 && ((t[0] === '"' && t.endsWith('"')) || (t[0] === "'" && t.endsWith("'")))) return t.slice(1, -1);
  return t;
}

function lines(text: string): string[] {
  const body = text.startsWith('\ufeff') ? text.slice(1) : text;
  const out = body.split('\n').map((l) => l.replace(/\r$/, ''));
  if (out.length > 0 && out[out.length - 1] === '') out.pop(); // the last line may or may not end with a newline
  return out;
}

interface HostDraft extends HostModel {
  ifaceMacGiven: Set<string>;
}

export function importLab(lab: LabFolder): Scenario {
  const at = (file: string, line: number, column = 1): SourcePos => ({ file: joinPath(lab.root, file), line, column });
  const conf = lab.files.get('lab.conf');
  if (conf === undefined) {
    throw new ScenarioErrors([new ScenarioError({ file: joinPath(lab.root, 'lab.conf'), line: 0, column: 0 },
      'no lab.conf in this folder', lab.root, 'a Netkit or Kathará lab folder: lab.conf, HOST.startup files and HOST/ folders')]);
  }
  const errors: ScenarioError[] = [];
  const hosts = new Map<string, HostDraft>();
  const positions = new Map<string, SourcePos>();
  let description: string | undefined;
  const draft = (name: string): HostDraft => {
    let h = hosts.get(name);
    if (!h) {
      h = { name, interfaces: [], routes: [], ipForward: true, files: {}, boot: [], ifaceMacGiven: new Set() };
      hosts.set(name, h);
    }
    return h;
  };

  lines(conf).forEach((raw, i) => {
    const line = raw.trim();
    const n = i + 1;
    if (line === '' || line.startsWith('#')) return;
    const hm = HOST_KEY.exec(line);
    if (hm) {
      const [, name, key, value] = hm as unknown as [string, string, string, string];
      if (/^(0|[1-9][0-9]*)$/.test(key)) {
        const v = unquote(value);
        const slash = v.indexOf('/');
        const domain = slash >= 0 ? v.slice(0, slash) : v;
        const mac = slash >= 0 ? v.slice(slash + 1) : undefined;
        if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(domain) || (mac !== undefined && !isMac(mac))) {
          errors.push(new ScenarioError(at('lab.conf', n), `bad interface definition for ${name}`, excerpt(raw),
            'host[N]=DOMAIN or host[N]="DOMAIN/02:00:0a:00:00:0a"'));
          return;
        }
        const h = draft(name);
        const ifName = `eth${key}`;
        if (h.interfaces.some((f) => f.name === ifName)) {
          errors.push(new ScenarioError(at('lab.conf', n), `${name} ${ifName} is defined twice`, excerpt(raw), 'one line per interface'));
          return;
        }
        const iface: InterfaceModel = { name: ifName, domain, addresses: [], up: true };
        if (mac !== undefined) {
          iface.mac = mac.toLowerCase();
          h.ifaceMacGiven.add(ifName);
        }
        h.interfaces.push(iface);
        if (!positions.has(`hosts/${name}`)) positions.set(`hosts/${name}`, at('lab.conf', n));
        positions.set(`hosts/${name}/interfaces/${ifName}`, at('lab.conf', n));
      } else if (key === 'sysctl') {
        // Kathará: host[sysctl]="net.ipv4.ip_forward=1"; other sysctls and options configure the emulator.
        const m = /^net\.ipv4\.ip_forward=([01])$/.exec(unquote(value));
        if (m) draft(name).ipForward = m[1] === '1';
      } else {
        draft(name); // host[image], host[mem], … configure the emulator, not the network
        if (!positions.has(`hosts/${name}`)) positions.set(`hosts/${name}`, at('lab.conf', n));
      }
      return;
    }
    const mm = META_KEY.exec(line);
    if (mm) {
      if (mm[1] === 'LAB_DESCRIPTION') description = unquote(mm[2]!);
      return;
    }
    errors.push(new ScenarioError(at('lab.conf', n), 'cannot read this lab.conf line', excerpt(raw), LAB_CONF_FORMS));
  });

  // Hosts with a startup file but no interface are hosts too (Kathará starts them).
  for (const path of [...lab.files.keys()].sort()) {
    const m = /^([A-Za-z0-9][A-Za-z0-9_-]*)\.startup$/.exec(path);
    if (m && m[1] !== 'shared' && !hosts.has(m[1]!)) draft(m[1]!);
  }
  const shared = lab.files.get('shared.startup');

  for (const h of hosts.values()) {
    h.interfaces.sort((a, b) => Number(a.name.slice(3)) - Number(b.name.slice(3)));
    // shared.startup runs on every host before its own startup file (Netkit).
    const scripts: [string, string][] = [];
    if (shared !== undefined) scripts.push(['shared.startup', shared]);
    const own = lab.files.get(`${h.name}.startup`);
    if (own !== undefined) scripts.push([`${h.name}.startup`, own]);
    for (const [file, text] of scripts) runStartup(h, file, text, at, errors, positions);
    for (const [path, text] of lab.files) {
      for (const prefix of [`${h.name}/`, 'shared/']) {
        if (path.startsWith(prefix) && path.length > prefix.length) h.files[`/${path.slice(prefix.length)}`] = text;
      }
    }
    for (const f of h.interfaces) {
      if (f.mac === undefined && f.addresses[0]) f.mac = macForIpv4(f.addresses[0].addr);
    }
  }

  const scenario: Scenario = {
    name: labName(lab.root),
    seed: 1,
    startEpochSec: startToEpochSec('2011-10-26T10:30:00Z'),
    domains: [...new Set([...hosts.values()].flatMap((h) => h.interfaces.map((f) => f.domain)))].sort()
      .map((name) => ({ name, loss: 0 })),
    hosts: [...hosts.values()].map(({ ifaceMacGiven: _unused, ...h }) => h),
    steps: [],
    source: lab.root,
  };
  if (description !== undefined) scenario.description = description;
  if (scenario.hosts.length === 0) {
    errors.push(new ScenarioError(at('lab.conf', 1, 0), 'the lab defines no host', undefined, 'lines such as pc1[0]=A in lab.conf'));
  }
  const locate: Locate = (path) => {
    const key = path.map(String).join('/');
    for (let k = key; k !== ''; k = k.includes('/') ? k.slice(0, k.lastIndexOf('/')) : '') {
      const p = positions.get(k);
      if (p) return p;
    }
    return undefined;
  };
  errors.push(...checkScenario(scenario, locate));
  if (errors.length > 0) throw new ScenarioErrors(dedupe(errors));
  return scenario;
}

function dedupe(errors: ScenarioError[]): ScenarioError[] {
  const seen = new Set<string>();
  return errors.filter((e) => (seen.has(e.message) ? false : (seen.add(e.message), true)));
}

function runStartup(h: HostDraft, file: string, text: string, at: (f: string, l: number, c?: number) => SourcePos,
  errors: ScenarioError[], positions: Map<string, SourcePos>): void {
  lines(text).forEach((raw, i) => {
    const pos = at(file, i + 1);
    const c = classifyStartupLine(raw);
    if (!c.ok) {
      errors.push(new ScenarioError(pos, `${c.problem}`, excerpt(raw.trim(), 200), c.expected));
      return;
    }
    let keep = false;
    for (const a of c.actions) {
      switch (a.kind) {
        case 'address':
        case 'link': {
          const f = h.interfaces.find((x) => x.name === a.iface);
          if (!f) {
            errors.push(new ScenarioError(pos, `${h.name} has no interface ${a.iface} in lab.conf`, excerpt(raw.trim()),
              `one of ${h.interfaces.map((x) => x.name).join(', ') || `(none: add ${h.name}[${a.iface.slice(3)}]=DOMAIN to lab.conf)`}`));
            return;
          }
          if (a.kind === 'address') {
            if (a.replace) f.addresses = [a.cidr, ...f.addresses.slice(1)];
            else if (!f.addresses.some((x) => x.addr === a.cidr.addr)) f.addresses.push(a.cidr);
            else {
              errors.push(new ScenarioError(pos, `${cidrToString(a.cidr)} is already on ${h.name} ${f.name} (Linux: "RTNETLINK answers: File exists")`,
                excerpt(raw.trim()), 'each address added once'));
            }
            positions.set(`hosts/${h.name}/interfaces/${f.name}/address`, pos);
          } else {
            if (a.up !== undefined) f.up = a.up;
            if (a.mac !== undefined) f.mac = a.mac;
          }
          break;
        }
        case 'route': {
          const route: RouteModel = { to: a.to };
          if (a.via !== undefined) route.via = a.via;
          if (a.dev !== undefined) route.dev = a.dev;
          if (a.op === 'add') {
            if (a.via !== undefined) {
              const via = a.via;
              const reachable = h.interfaces.some((f) => (a.dev === undefined || f.name === a.dev)
                && f.addresses.some((x) => sameSubnet(x.addr, via, x.prefixLen)));
              if (!reachable) {
                errors.push(new ScenarioError(pos, `gateway ${formatIpv4(via)} is not on a subnet of ${h.name} at this point (Linux: "Network is unreachable")`,
                  excerpt(raw.trim()), 'a gateway on a subnet configured by an earlier line'));
                return;
              }
            }
            positions.set(`hosts/${h.name}/routes/${h.routes.length}`, pos);
            h.routes.push(route);
          } else {
            const idx = h.routes.findIndex((r) => sameRoute(r, route));
            if (idx < 0) {
              errors.push(new ScenarioError(pos, `no such route on ${h.name} (Linux: "No such process")`, excerpt(raw.trim()),
                'a route added by an earlier line'));
              return;
            }
            h.routes.splice(idx, 1);
          }
          break;
        }
        case 'ip_forward':
          h.ipForward = a.on;
          break;
        case 'noop':
          break;
        case 'iptables':
        case 'service':
        case 'file':
          keep = true;
          break;
      }
    }
    if (keep) h.boot.push({ text: raw.trim(), pos });
  });
}

function sameRoute(a: RouteModel, b: RouteModel): boolean {
  const to = (r: RouteModel) => (r.to === 'default' ? 'default' : cidrToString(r.to));
  return to(a) === to(b) && (b.via === undefined || a.via === b.via) && (b.dev === undefined || a.dev === b.dev);
}

function joinPath(root: string, file: string): string {
  return root === '' || root === '.' ? file : `${root.replace(/\/+$/, '')}/${file}`;
}

/** The scenario name of a lab folder: its last path component, made a valid name. */
export function labName(root: string): string {
  const base = root.replace(/\/+$/, '').split('/').pop() ?? '';
  const clean = base.replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '');
  return clean === '' ? 'lab' : clean;
}
