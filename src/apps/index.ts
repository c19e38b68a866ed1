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
// HTTP server and clients (TCP engineer's part)
export { HttpServer, APACHE_BANNER, DEFAULT_MTIME_SEC } from './http-server.ts';
export type { HttpFile, HttpServerOptions } from './http-server.ts';
export { runWget, wgetRequest, dotProgress, WGET_USER_AGENT } from './wget.ts';
export type { WgetOptions, WgetResult } from './wget.ts';
export { runCurl, curlRequest, meterLine, CURL_USER_AGENT } from './curl.ts';
export type { CurlOptions, CurlResult } from './curl.ts';
export { LinksBrowser, linksRequest, LINKS_SYSTEM } from './links.ts';
export type { LinksOptions, LinksResult } from './links.ts';
export { HttpClientConnection } from './http-client.ts';
export type { HttpClientEvent, HttpResponseInfo } from './http-client.ts';
export { parseHttpUrl, imfDate, isoLocalDate } from './http-common.ts';
export type { AppEnv, ProgramResult, HttpUrl } from './http-common.ts';
export { appEnvOf, wgetProgram, curlProgram, linksSession, linksDumpProgram, networkClients, parseWgetArgs, parseCurlArgs } from './programs.ts';
