// The command modules of the CLI, in the order --help lists them.
import { importCommands } from './cmd-import.ts';
import type { CommandModule } from './program.ts';

export const allCommands: CommandModule[] = [importCommands];
