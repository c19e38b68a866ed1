export { runIptablesCommand, programOf, rulesetFor } from './commands.ts';
export type { CommandResult } from './commands.ts';
export { parseIptablesArgs } from './parse.ts';
export type { ParsedCommand } from './parse.ts';
export { listTable, listRules, matchesListText, ruleListLine, ruleSpecText, saveTable } from './render.ts';
export type { ListFormat } from './render.ts';
export { splitRestoreLine } from './restore.ts';
export { IptablesError, formatError } from './xtables.ts';
