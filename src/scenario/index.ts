// Scenarios: the YAML format (schema + loader), the Netkit/Kathará lab import, and the builder
// that turns a scenario into a running network (the composition root of the simulator).
export { cidrToString, formatIpv4, macForIpv4, parseCidrStrict, parseIpv4Strict } from './addr.ts';
export type { Cidr } from './addr.ts';
export { checkScenario, suggest } from './check.ts';
export { isKnownProgram, KNOWN_PROGRAMS, programOf } from './commands.ts';
export { scenarioToObject, scenarioToYaml } from './emit.ts';
export { excerpt, posToString, ScenarioError, ScenarioErrors } from './errors.ts';
export type { SourcePos } from './errors.ts';
export { importLab, labName } from './lab-import.ts';
export type { LabFolder } from './lab-import.ts';
export { loadScenario } from './loader.ts';
export { findHost } from './model.ts';
export type { BootLine, DomainModel, HostModel, InterfaceModel, RouteModel, Scenario, Step } from './model.ts';
export { durationToNs, scenarioJsonSchema, scenarioSchema, startToEpochSec } from './schema.ts';
export type { ScenarioInput } from './schema.ts';
export { ACCEPTED_STARTUP_FORMS, classifyStartupLine } from './startup.ts';
export type { BootAction } from './startup.ts';
export { splitShellWords } from './shell-words.ts';
export { buildLab, documentRoot, Lab, STEP_GAP_NS } from './builder.ts';
export type { BuildOptions, LabHost, StepOutcome } from './builder.ts';
