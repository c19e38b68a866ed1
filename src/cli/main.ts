// Entry point (bin/lbsim.js loads this through tsx): the only place that reads argv and sets the
// process's exit status.
import { allCommands } from './commands.ts';
import { processIo } from './io.ts';
import { runCli } from './program.ts';

// `lbsim inspect big.pcap | head` closes our stdout early: end quietly, as Unix tools do.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

process.exitCode = await runCli(process.argv.slice(2), processIo(), allCommands);
