export { linksDump, decodeEntities } from './linksdump.ts';
export type { LinksDumpOptions } from './linksdump.ts';
export { md5, md5Hex, md5sumLine } from './md5.ts';
export {
  ShellContext,
  HostConsole,
  runCommand,
  formatTranscriptStep,
  parseServerCounts,
  BUILTIN_COUNT_SCRIPT,
  COUNT_SCRIPT_PATH,
  parseScript,
  ShellSyntaxError,
} from './shell/index.ts';
export type {
  CommandResult,
  ShellContextOptions,
  BrowserSession,
  ClientProgram,
  ClientResult,
  NetfilterCommands,
  NetworkClients,
} from './shell/index.ts';
