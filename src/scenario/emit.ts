// Scenario -> YAML text in the style of scenarios/netkit-loadbalancer.yaml (what `lbsim import`
// writes). Loading the output gives back the same scenario.
import { Document, isMap, isPair, isScalar, isSeq, Scalar, visit } from 'yaml';
import { cidrToString, formatIpv4, macForIpv4 } from './addr.ts';
import type { Scenario } from './model.ts';

function seconds(ns: number): string {
  if (ns % 1_000_000_000 === 0) return `${ns / 1e9}s`;
  if (ns % 1_000_000 === 0) return `${ns / 1e6}ms`;
  if (ns % 1_000 === 0) return `${ns / 1e3}us`;
  return `${ns}ns`;
}

function startText(epochSec: number): string {
  // civil_from_days (Howard Hinnant), the inverse of the loader's conversion.
  const days = Math.floor(epochSec / 86400);
  const secs = epochSec - days * 86400;
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(y, 4)}-${p(m)}-${p(d)}T${p(Math.floor(secs / 3600))}:${p(Math.floor(secs / 60) % 60)}:${p(secs % 60)}Z`;
}

export function scenarioToObject(s: Scenario): Record<string, unknown> {
  const obj: Record<string, unknown> = { name: s.name };
  if (s.description !== undefined) obj.description = s.description;
  obj.seed = s.seed;
  obj.start = startText(s.startEpochSec);
  const domains: Record<string, unknown> = {};
  for (const d of s.domains) {
    const spec: Record<string, unknown> = {};
    if (d.delayNs !== undefined) spec.delay = seconds(d.delayNs);
    if (d.loss !== 0) spec.loss = d.loss;
    domains[d.name] = spec;
  }
  obj.domains = domains;
  const hosts: Record<string, unknown> = {};
  for (const h of s.hosts) {
    const host: Record<string, unknown> = {};
    const ifs: Record<string, unknown> = {};
    for (const f of h.interfaces) {
      const spec: Record<string, unknown> = { domain: f.domain };
      if (f.addresses.length === 1) spec.address = cidrToString(f.addresses[0]!);
      else if (f.addresses.length > 1) spec.address = f.addresses.map(cidrToString);
      const defaultMac = f.addresses[0] ? macForIpv4(f.addresses[0].addr) : undefined;
      if (f.mac !== undefined && f.mac !== defaultMac) spec.mac = f.mac;
      if (!f.up) spec.up = false;
      ifs[f.name] = spec;
    }
    host.interfaces = ifs;
    if (h.routes.length > 0) {
      host.routes = h.routes.map((r) => {
        const spec: Record<string, unknown> = { to: r.to === 'default' ? 'default' : cidrToString(r.to) };
        if (r.via !== undefined) spec.via = formatIpv4(r.via);
        if (r.dev !== undefined) spec.dev = r.dev;
        return spec;
      });
    }
    if (!h.ipForward) host.ip_forward = false;
    if (Object.keys(h.files).length > 0) host.files = Object.fromEntries(Object.entries(h.files).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    if (h.boot.length > 0) host.boot = h.boot.map((b) => b.text);
    hosts[h.name] = host;
  }
  obj.hosts = hosts;
  obj.steps = s.steps.map((st) => (st.kind === 'command' ? { [st.host]: st.command } : st.kind === 'sleep' ? { sleep: st.seconds } : { note: st.text }));
  return obj;
}

export function scenarioToYaml(s: Scenario, headerComment?: string): string {
  const doc = new Document(scenarioToObject(s));
  // Interfaces, routes and domains read best as one-line flow maps, as in the lab scenario.
  visit(doc, {
    Pair(_key, pair, path) {
      const parentKeys = path.filter(isPair).map((p) => (isScalar(p.key) ? String(p.key.value) : ''));
      const k = isScalar(pair.key) ? String(pair.key.value) : '';
      const inside = parentKeys[parentKeys.length - 1];
      if (isMap(pair.value) && (inside === 'interfaces' || parentKeys.length === 1 && parentKeys[0] === 'domains')) pair.value.flow = true;
      if (k === 'routes' && isSeq(pair.value)) {
        for (const item of pair.value.items) if (isMap(item)) item.flow = true;
      }
      // Multi-line file contents as literal blocks, so pages and scripts stay readable.
      if (inside === 'files' && isScalar(pair.value) && typeof pair.value.value === 'string' && pair.value.value.includes('\n')
        && !pair.value.value.includes('\r')) {
        pair.value.type = Scalar.BLOCK_LITERAL;
      }
    },
  });
  if (headerComment !== undefined) doc.commentBefore = headerComment;
  return doc.toString({ lineWidth: 0 });
}
