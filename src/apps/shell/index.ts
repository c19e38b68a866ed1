// The console of a simulated host: a shell (parser + interpreter), the programs a lab user types,
// and the transcript format.
export { parseScript, ShellSyntaxError } from './parse.ts';
export type { Script, Command, Pipeline, AndOr, SimpleCommand, Word, WordPart, Redirect } from './parse.ts';
export { MemoryFileSystem, ShellState, Trampoline, Collector, normalizePath, runScript, runScriptText, startProgram, COMMAND_NOT_FOUND, PROGRAM_START_NS, SHELL_BUILTIN_NAMES } from './interp.ts';
export type { Program, Proc, Sink, Clock, FileSystem } from './interp.ts';
export { COREUTILS } from './coreutils.ts';
export { formatRouteTable, formatIpAddr, formatIpLink, formatIpRoute, formatIpNeigh, formatIfconfigEntry, scaledBytes } from './netconfig.ts';
export { formatPingSummary, formatRttMicros } from './ping.ts';
export { CounterTaps } from './services.ts';
export type { BrowserSession, ClientProgram, ClientResult, ConsoleServices, IfaceCounters, NetfilterCommands, NetworkClients } from './services.ts';
export {
  BUILTIN_COUNT_SCRIPT,
  COUNT_SCRIPT_PATH,
  HostConsole,
  ShellContext,
  formatTranscriptStep,
  parseServerCounts,
  runCommand,
  splitShortOptions,
} from './console.ts';
export type { CommandResult, ShellContextOptions } from './console.ts';
