// Scenario YAML -> checked Scenario. Every problem is reported with file:line:column (from the
// yaml package's source ranges), the offending text and the accepted form; all problems of a
// file at once, so a user fixes them in one pass.
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node, type Pair } from 'yaml';
import type { z } from 'zod';
import { macForIpv4, parseCidrStrict, parseIpv4Strict } from './addr.ts';
import { checkScenario, type Locate, type PathSeg, suggest } from './check.ts';
import { excerpt, ScenarioError, ScenarioErrors, type SourcePos } from './errors.ts';
import type { DomainModel, HostModel, InterfaceModel, RouteModel, Scenario, Step } from './model.ts';
import {
  domainSchema, durationToNs, hostSchema, interfaceSchema, isValidStart, type ParsedScenario, routeSchema,
  scenarioSchema, START_FORM, startToEpochSec,
} from './schema.ts';

const YAML_HINTS: Record<string, string> = {
  BAD_INDENT: 'consistent indentation with spaces, and every [ or { closed',
  TAB_AS_INDENT: 'spaces for indentation, not tabs',
  DUPLICATE_KEY: 'each key once per mapping',
  MISSING_CHAR: 'a closing quote or bracket',
  MULTILINE_IMPLICIT_KEY: 'a "key: value" pair on one line; quote a value that contains ": "',
  BLOCK_AS_IMPLICIT_KEY: 'a "key: value" pair on one line; quote a value that contains ": "',
  UNEXPECTED_TOKEN: 'valid YAML: quote values that contain : # [ ] { } or start with * & ! | > % @ `',
};

/** Loads a scenario from its text. Throws ScenarioErrors (one or more located problems). */
export function loadScenario(text: string, file: string): Scenario {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const posAt = (offset: number): SourcePos => {
    const p = lc.linePos(offset);
    return { file, line: p.line, column: p.col };
  };
  const lineText = (offset: number): string => {
    const start = text.lastIndexOf('\n', offset - 1) + 1;
    const end = text.indexOf('\n', offset);
    return text.slice(start, end < 0 ? text.length : end).replace(/\r$/, '');
  };
  if (doc.errors.length > 0) {
    throw new ScenarioErrors(doc.errors.map((e) => {
      const msg = e.message.replace(/ at line \d+, column \d+.*$/s, '');
      return new ScenarioError(posAt(e.pos[0]), `YAML syntax error: ${msg}`, excerpt(lineText(e.pos[0]).trim()),
        YAML_HINTS[e.code] ?? 'valid YAML (see docs/scenario.md)');
    }));
  }
  const locate: Locate = (path, part) => {
    const found = findNode(doc, path);
    const node = part === 'key' ? found.key ?? found.value : found.value ?? found.key;
    const range = node?.range;
    return range ? posAt(range[0]) : undefined;
  };
  const sourceText = (path: PathSeg[]): string | undefined => {
    const found = findNode(doc, path);
    const node = found.value ?? found.key;
    if (!node?.range) return undefined;
    if (isScalar(node)) return excerpt(text.slice(node.range[0], node.range[1]));
    return excerpt(lineText(node.range[0]).trim());
  };

  const data: unknown = doc.toJS();
  if (data === null || data === undefined || typeof data !== 'object' || Array.isArray(data)) {
    const first = text.split('\n')[0] ?? '';
    throw new ScenarioErrors([new ScenarioError({ file, line: 1, column: 1 }, 'a scenario is a YAML mapping',
      text.trim() === '' ? '(an empty file)' : excerpt(first), 'keys name, hosts, and optionally description, seed, start, domains, steps')]);
  }
  const parsed = scenarioSchema.safeParse(data);
  if (!parsed.success) {
    throw new ScenarioErrors(parsed.error.issues.map((issue) => issueToError(issue, doc, locate, sourceText, file)));
  }
  const scenario = normalise(parsed.data, file, locate);
  const errors = [...stepErrors(parsed.data, locate, sourceText), ...checkScenario(scenario, locate)];
  if (typeof parsed.data.start === 'string' && !isValidStart(parsed.data.start)) {
    errors.unshift(new ScenarioError(locate(['start'], 'value'), 'no such date or time', parsed.data.start, START_FORM));
  }
  if (errors.length > 0) throw new ScenarioErrors(sortErrors(errors));
  return scenario;
}

function sortErrors(errors: ScenarioError[]): ScenarioError[] {
  return errors.slice().sort((a, b) => (a.pos?.line ?? 0) - (b.pos?.line ?? 0) || (a.pos?.column ?? 0) - (b.pos?.column ?? 0));
}

interface Found {
  key?: Node;
  value?: Node;
  missing: boolean;
}

function findNode(doc: Document, path: PathSeg[]): Found {
  let cur: unknown = doc.contents;
  let key: Node | undefined;
  for (const seg of path) {
    if (isMap(cur)) {
      const pair = (cur.items as Pair[]).find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) return { value: cur as Node, missing: true, ...(key ? { key } : {}) };
      key = isScalar(pair.key) ? pair.key : undefined;
      cur = pair.value;
    } else if (isSeq(cur) && typeof seg === 'number') {
      const item = cur.items[seg];
      if (item === undefined) return { value: cur as Node, missing: true };
      key = undefined;
      cur = item;
    } else {
      return { missing: true, ...(cur ? { value: cur as Node } : {}), ...(key ? { key } : {}) };
    }
  }
  return { missing: false, ...(cur && typeof cur === 'object' ? { value: cur as Node } : {}), ...(key ? { key } : {}) };
}

function pathText(path: readonly PropertyKey[]): string {
  return path.length === 0 ? 'the top level' : path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.').replace(/\.\[/g, '[');
}

function keysAt(path: readonly PropertyKey[]): string[] {
  const p = path.map(String);
  if (p.length === 0) return Object.keys(scenarioSchema.shape);
  if (p[0] === 'hosts' && p.length === 2) return Object.keys(hostSchema.shape);
  if (p[0] === 'hosts' && p[2] === 'interfaces' && p.length === 4) return Object.keys(interfaceSchema.shape);
  if (p[0] === 'hosts' && p[2] === 'routes' && p.length === 4) return Object.keys(routeSchema.shape);
  if (p[0] === 'domains' && p.length === 2) return Object.keys(domainSchema.shape);
  return [];
}

function issueToError(issue: z.core.$ZodIssue, doc: Document, locate: Locate, sourceText: (p: PathSeg[]) => string | undefined,
  file: string): ScenarioError {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  if (issue.code === 'unrecognized_keys') {
    const allowed = keysAt(path);
    const k = issue.keys[0] ?? '';
    return new ScenarioError(locate([...path, k], 'key') ?? { file, line: 1, column: 1 },
      `unknown key "${k}" in ${pathText(path)}${issue.keys.length > 1 ? ` (and ${issue.keys.slice(1).map((x) => `"${x}"`).join(', ')})` : ''}`,
      k, allowed.length ? `one of ${allowed.join(', ')}${suggest(k, allowed)}` : 'no other keys');
  }
  if (issue.code === 'invalid_key') {
    const k = String(path[path.length - 1] ?? '');
    const nested = issue.issues[0];
    return new ScenarioError(locate(path, 'key'), `bad name "${k}" in ${pathText(path.slice(0, -1))}`, k,
      nested ? expectedOf(nested) : issue.message);
  }
  const found = findNode(doc, path);
  if (found.missing) {
    const k = String(path[path.length - 1] ?? '');
    return new ScenarioError(locate(path, 'value') ?? { file, line: 1, column: 1 },
      `missing key "${k}" in ${pathText(path.slice(0, -1))}`, undefined, expectedOf(issue));
  }
  return new ScenarioError(locate(path, 'value'), `bad value for ${pathText(path)}`, sourceText(path), expectedOf(issue));
}

const TYPE_FORMS: Record<string, string> = {
  record: 'a mapping of "key: value" lines',
  object: 'a mapping of "key: value" lines',
  array: 'a list of "- item" lines',
  string: 'a text',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
};

function expectedOf(issue: z.core.$ZodIssue): string {
  const m = issue.message;
  if (m.startsWith('expected ')) return m.slice('expected '.length);
  if (issue.code === 'invalid_type') return TYPE_FORMS[issue.expected] ?? `a value of type ${issue.expected}`;
  if (issue.code === 'too_small') return `a value >= ${String(issue.minimum)}`;
  if (issue.code === 'too_big') return `a value <= ${String(issue.maximum)}`;
  return m;
}

function stepErrors(data: ParsedScenario, locate: Locate, sourceText: (p: PathSeg[]) => string | undefined): ScenarioError[] {
  const errors: ScenarioError[] = [];
  data.steps.forEach((step, i) => {
    const keys = Object.keys(step);
    if (keys.length !== 1) {
      errors.push(new ScenarioError(locate(['steps', i], 'value'), `a step has exactly one key, this one has ${keys.length}`,
        sourceText(['steps', i]), '"HOST: command", "sleep: SECONDS" or "note: TEXT", one per list item'));
      return;
    }
    const k = keys[0]!;
    const v = step[k];
    if (k === 'sleep' && (typeof v !== 'number' || v < 0 || !Number.isFinite(v))) {
      errors.push(new ScenarioError(locate(['steps', i, k], 'value'), 'bad sleep', sourceText(['steps', i, k]), 'a number of seconds >= 0'));
    } else if (k !== 'sleep' && typeof v !== 'string') {
      errors.push(new ScenarioError(locate(['steps', i, k], 'value'), `bad ${k === 'note' ? 'note' : 'command'}`,
        sourceText(['steps', i, k]), k === 'note' ? 'a text' : 'a command line as a string'));
    }
  });
  return errors;
}

function normalise(d: ParsedScenario, file: string, locate: Locate): Scenario {
  const hosts: HostModel[] = Object.entries(d.hosts).map(([name, h]) => {
    const interfaces: InterfaceModel[] = Object.entries(h.interfaces)
      .sort(([a], [b]) => Number(a.slice(3)) - Number(b.slice(3)))
      .map(([ifName, f]) => {
        const list = f.address === undefined ? [] : Array.isArray(f.address) ? f.address : [f.address];
        const addresses = list.map((a) => parseCidrStrict(a)!);
        const iface: InterfaceModel = { name: ifName, domain: f.domain, addresses, up: f.up ?? true };
        const mac = f.mac?.toLowerCase() ?? (addresses[0] ? macForIpv4(addresses[0].addr) : undefined);
        if (mac !== undefined) iface.mac = mac;
        return iface;
      });
    const routes: RouteModel[] = h.routes.map((r) => {
      const route: RouteModel = { to: r.to === 'default' ? 'default' : parseCidrStrict(r.to)! };
      if (r.via !== undefined) route.via = parseIpv4Strict(r.via)!;
      if (r.dev !== undefined) route.dev = r.dev;
      return route;
    });
    return {
      name, interfaces, routes, ipForward: h.ip_forward, files: { ...h.files },
      boot: h.boot.map((text, i) => {
        const pos = locate(['hosts', name, 'boot', i], 'value');
        return pos ? { text, pos } : { text };
      }),
    };
  });
  const used = new Set(hosts.flatMap((h) => h.interfaces.map((f) => f.domain)));
  for (const n of Object.keys(d.domains)) used.add(n);
  const domains: DomainModel[] = [...used].sort().map((name) => {
    const spec = d.domains[name];
    return spec?.delay !== undefined ? { name, delayNs: durationToNs(spec.delay), loss: spec.loss ?? 0 } : { name, loss: spec?.loss ?? 0 };
  });
  const steps: Step[] = d.steps.flatMap((step, i): Step[] => {
    const keys = Object.keys(step);
    if (keys.length !== 1) return [];
    const k = keys[0]!;
    const v = step[k]!;
    const pos = locate(['steps', i, k], 'key');
    const at = pos ? { pos } : {};
    if (k === 'sleep') return typeof v === 'number' ? [{ kind: 'sleep', seconds: v, ...at }] : [];
    if (k === 'note') return [{ kind: 'note', text: String(v), ...at }];
    return typeof v === 'string' ? [{ kind: 'command', host: k, command: v, ...at }] : [];
  });
  const s: Scenario = {
    name: d.name, seed: d.seed, startEpochSec: typeof d.start === 'string' && !isValidStart(d.start) ? 0 : startToEpochSec(d.start),
    domains, hosts, steps, source: file,
  };
  if (d.description !== undefined) s.description = d.description;
  return s;
}
