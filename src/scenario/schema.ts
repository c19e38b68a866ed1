// The scenario file format (docs/scenario.md). One zod schema is the single source of truth:
// the loader checks files against it and `scenarioJsonSchema()` exports it for editors.
import { z } from 'zod';
import { isMac, parseCidrStrict, parseIpv4Strict } from './addr.ts';
import { daysFromCivil } from '../sim/index.ts';

export const HOST_NAME_FORM = 'a host name: letters, digits, "-" and "_", starting with a letter or digit';
export const IFACE_FORM = 'an interface name eth0, eth1, …';
export const CIDR_FORM = 'an IPv4 address with its prefix length, e.g. 10.0.0.10/24';
export const IPV4_FORM = 'an IPv4 address, e.g. 10.0.0.1';
export const DURATION_FORM = 'a duration: seconds as a number (0.5) or a number with a unit ns, us, ms or s ("50us")';
export const START_FORM = 'a UTC time "YYYY-MM-DDTHH:MM:SSZ" or an integer of seconds since 1970';
/** Step keys that are not host names. */
export const RESERVED_STEP_KEYS = ['sleep', 'note'] as const;

const HOST_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
const IFACE_NAME = /^eth(0|[1-9][0-9]*)$/;
const DOMAIN_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const DURATION = /^(\d+(?:\.\d+)?)\s*(ns|us|µs|ms|s)$/;
const START_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/;

const cidr = z.string().refine((s) => parseCidrStrict(s) !== undefined, { error: `expected ${CIDR_FORM}` });
const ipv4 = z.string().refine((s) => parseIpv4Strict(s) !== undefined, { error: `expected ${IPV4_FORM}` });

export const durationSchema = z
  .union([z.number().nonnegative(), z.string().regex(DURATION)], { error: `expected ${DURATION_FORM}` })
  .describe(DURATION_FORM);

export const interfaceSchema = z
  .object({
    domain: z.string().regex(DOMAIN_NAME, { error: 'expected a collision domain name such as A' })
      .describe('the collision domain (Ethernet segment) this interface is plugged into'),
    address: z.union([cidr, z.array(cidr).min(1)], { error: `expected ${CIDR_FORM}, or a list of them` })
      .optional().describe(`${CIDR_FORM}; a list gives secondary addresses after the primary one`),
    mac: z.string().refine(isMac, { error: 'expected a MAC address such as 02:00:0a:00:00:0a' }).optional()
      .describe('default: 02:00 followed by the primary IPv4 address in hex, as in the reference captures'),
    up: z.boolean().optional().describe('default true'),
  })
  .strict();

export const routeSchema = z
  .object({
    to: z.union([z.literal('default'), cidr], { error: `expected "default" or a network as ${CIDR_FORM}` })
      .describe('"default" or a destination network'),
    via: ipv4.optional().describe('gateway; must be on a connected subnet'),
    dev: z.string().regex(IFACE_NAME, { error: `expected ${IFACE_FORM}` }).optional(),
  })
  .strict()
  .refine((r) => r.via !== undefined || r.dev !== undefined, { error: 'a route needs "via" or "dev" (or both)' });

export const hostSchema = z
  .object({
    interfaces: z.record(z.string().regex(IFACE_NAME, { error: `expected ${IFACE_FORM}` }), interfaceSchema)
      .default({}).describe('interfaces by name'),
    routes: z.array(routeSchema).default([]).describe('static routes besides the connected subnets'),
    ip_forward: z.boolean().default(true)
      .describe('forward IPv4 between interfaces; Netkit and Kathará hosts do by default'),
    files: z.record(z.string().regex(/^\/[^\0]*$/, { error: 'expected an absolute path such as /var/www/index.html' }),
      z.string({ error: 'expected the file content as a string' }))
      .default({}).describe('files of the host: web pages, the client script'),
    boot: z.array(z.string({ error: 'expected a startup command line as a string' })).default([])
      .describe('startup lines run at boot in order, verbatim (iptables commands, /etc/init.d/apache2 start, …)'),
  })
  .strict();

export const domainSchema = z
  .object({
    delay: durationSchema.optional().describe('one-way delay of a frame across the segment; default 30us (veth + bridge)'),
    loss: z.number({ error: 'expected a probability between 0 and 1' }).min(0).max(1).optional()
      .describe('probability that a frame is lost; default 0'),
  })
  .strict();

/** A step is a one-key map: `HOST: command`, `sleep: SECONDS` or `note: TEXT`. */
export const stepSchema = z
  .record(z.string(), z.union([z.string(), z.number()]), {
    error: 'expected a step "HOST: command", "sleep: SECONDS" or "note: TEXT"',
  })
  .describe('"HOST: command", "sleep: SECONDS" (extra virtual time) or "note: TEXT" (a heading in the transcript)');

export const scenarioSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, {
      error: 'expected a name of letters, digits, ".", "-" and "_" (it names the output folder)',
    }),
    description: z.string().optional(),
    seed: z.number().int().nonnegative().max(2 ** 32 - 1).default(1)
      .describe('root seed of every random stream; same scenario + seed => identical files'),
    start: z.union([z.string().regex(START_TIME), z.number().int().nonnegative()], { error: `expected ${START_FORM}` })
      .default('2011-10-26T10:30:00Z').describe(START_FORM),
    domains: z.record(z.string().regex(DOMAIN_NAME, { error: 'expected a collision domain name such as A' }), domainSchema)
      .default({}).describe('link properties by collision domain; domains used by interfaces exist without an entry'),
    hosts: z.record(z.string().regex(HOST_NAME, { error: `expected ${HOST_NAME_FORM}` }), hostSchema)
      .refine((h) => Object.keys(h).length > 0, { error: 'expected at least one host' }),
    steps: z.array(stepSchema).default([]),
  })
  .strict();

export type ScenarioInput = z.input<typeof scenarioSchema>;
export type ParsedScenario = z.output<typeof scenarioSchema>;
export type HostSpec = z.output<typeof hostSchema>;
export type InterfaceSpec = z.output<typeof interfaceSchema>;
export type RouteSpec = z.output<typeof routeSchema>;
export type DomainSpec = z.output<typeof domainSchema>;

export function scenarioJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(scenarioSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return {
    ...schema,
    $id: 'https://lbsim.invalid/scenario.schema.json',
    title: 'lbsim scenario',
    description: 'A network of hosts on collision domains, their boot lines and the console steps to run (docs/scenario.md).',
  };
}

/** Nanoseconds of a duration value already accepted by `durationSchema`. */
export function durationToNs(v: number | string): number {
  if (typeof v === 'number') return Math.round(v * 1e9);
  const m = DURATION.exec(v);
  if (!m) throw new Error(`durationToNs: unchecked value ${v}`);
  const n = Number(m[1]);
  const unit = m[2];
  const scale = unit === 'ns' ? 1 : unit === 'us' || unit === 'µs' ? 1e3 : unit === 'ms' ? 1e6 : 1e9;
  return Math.round(n * scale);
}

/** Seconds since 1970 of a start value accepted by the schema (no Date: src/ is clock-free). */
export function startToEpochSec(v: string | number): number {
  if (typeof v === 'number') return v;
  const m = START_TIME.exec(v);
  if (!m) throw new Error(`startToEpochSec: unchecked value ${v}`);
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  return daysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

/** Whether Y-M-D h:m:s is a real UTC time (the regex only checks the shape). */
export function isValidStart(v: string): boolean {
  const m = START_TIME.exec(v);
  if (!m) return false;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || h > 23 || mi > 59 || s > 59 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1] ?? 0;
  return d <= days;
}

