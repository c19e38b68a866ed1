// The command modules of the CLI, in the order --help lists them.
import { captureCommands } from './cmd-capture.ts';
import { importCommands } from './cmd-import.ts';
import { runCommands } from './cmd-run.ts';
import type { CommandModule } from './program.ts';

export const allCommands: CommandModule[] = [runCommands, captureCommands, importCommands];
