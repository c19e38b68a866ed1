// The checked, normalised scenario the builder consumes; produced by the YAML loader and by the
// lab-folder importer alike. Positions ride along so later errors (a bad iptables line found
// while booting) still name the file and line the user wrote.
import type { Cidr } from './addr.ts';
import type { SourcePos } from './errors.ts';

export interface BootLine {
  text: string;
  pos?: SourcePos;
}

export interface InterfaceModel {
  name: string; // eth0, eth1, …
  domain: string;
  addresses: Cidr[]; // primary first
  mac?: string;
  up: boolean;
}

export interface RouteModel {
  to: Cidr | 'default';
  via?: number;
  dev?: string;
}

export interface HostModel {
  name: string;
  interfaces: InterfaceModel[]; // sorted by interface number
  routes: RouteModel[];
  ipForward: boolean;
  files: Record<string, string>; // absolute path -> content
  boot: BootLine[];
}

export interface DomainModel {
  name: string;
  /** One-way delay of a frame; undefined: the stack's default (DEFAULT_LINK_DELAY_NS, 30 µs). */
  delayNs?: number;
  loss: number;
}

export type Step =
  | { kind: 'command'; host: string; command: string; pos?: SourcePos }
  | { kind: 'sleep'; seconds: number; pos?: SourcePos }
  | { kind: 'note'; text: string; pos?: SourcePos };

export interface Scenario {
  name: string;
  description?: string;
  seed: number;
  startEpochSec: number;
  domains: DomainModel[]; // every domain an interface uses, sorted by name
  hosts: HostModel[]; // in file order
  steps: Step[];
  /** Where the scenario came from (a file name, or a lab folder), for messages. */
  source: string;
}

export function findHost(s: Scenario, name: string): HostModel | undefined {
  return s.hosts.find((h) => h.name === name);
}
