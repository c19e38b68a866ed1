// Scenario -> YAML text in the style of scenarios/netkit-loadbalancer.yaml (what `lbsim import`
// writes). Loading the output gives back the same scenario.
import { Document, isMap, isPair, isScalar, isSeq, Scalar, visit } from 'yaml';
import { cidrToString, formatIpv4, macForIpv4 } from './addr.ts';
import type { Scenario } from './model.ts';
import { civilFromEpoch } from '../sim/index.ts';

function seconds(ns: number): string {
  if (ns % 1_000_000_000 === 0) return `${ns / 1e9}s`;
  if (ns % 1_000_000 === 0) return `${ns / 1e6}ms`;
  if (ns % 1_000 === 0) return `${ns / 1e3}us`;
  return `${ns}ns`;
}

function startText(epochSec: number): string {
  const c = civilFromEpoch(epochSec);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(c.year, 4)}-${p(c.month)}-${p(c.day)}T${p(c.hour)}:${p(c.minute)}:${p(c.second)}Z`;
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
