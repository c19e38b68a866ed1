// The lbsim command line (commander 14). Every command has --help with examples; usage errors
// exit 2 (commander's own default is 1, which lbsim reserves for "a check failed").
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { describeFailure, EXIT_BAD_INPUT, EXIT_OK, type CliIo } from './io.ts';

export interface CommandContext {
  io: CliIo;
  /** Set by a command to report its exit status. */
  exitCode: number;
}

export function parseSeed(value: string): number {
  if (!/^(0|[1-9][0-9]*)$/.test(value) || Number(value) > 0xffffffff) {
    throw new InvalidArgumentError('expected an integer from 0 to 4294967295');
  }
  return Number(value);
}

function examples(lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  ${l}`).join('\n')}\n`;
}

export type CommandModule = (program: Command, ctx: CommandContext, helpers: { examples: typeof examples }) => void;

export async function runCli(argv: string[], io: CliIo, modules: CommandModule[]): Promise<number> {
  const ctx: CommandContext = { io, exitCode: EXIT_OK };
  const program = new Command();
  program
    .name('lbsim')
    .description('Deterministic, packet-level simulator of the Netkit lab "load balancer – web switch".\n'
      + 'Runs the lab (or any scenario) in virtual time and writes Wireshark-exact captures.')
    .version('0.1.0', '-V, --version')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', `${examples([
      'lbsim run                                  # the lab: boot, run Q1–Q3, write captures/netkit-loadbalancer/',
      'lbsim exec "client2: ./count_server_replies.sh 10.0.0.1" "ws_round-robin: iptables -t nat -vnL"',
      'lbsim shell                                # an interactive console on the lab',
      'lbsim inspect captures/netkit-loadbalancer/ws_ip-eth1.pcap --verify',
      'lbsim import path/to/netkit-lab -o lab.yaml',
    ])}
Exit status: 0 ok; 1 a check failed (inspect --verify, diff, run --strict); 2 bad input, usage
errors included; 70 an internal error (a bug: please report it, with LBSIM_DEBUG=1 for the stack).
Scenario format: docs/scenario.md.
`);
  for (const m of modules) m(program, ctx, { examples });
  for (const c of program.commands) c.exitOverride().configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) }).showHelpAfterError('(add --help for usage)');
  try {
    await program.parseAsync(argv, { from: 'user' });
    return ctx.exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version end in a CommanderError with exit code 0; everything else is a usage error.
      return e.exitCode === 0 && e.code !== 'commander.help' ? EXIT_OK
        : e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? EXIT_OK : EXIT_BAD_INPUT;
    }
    const f = describeFailure(e, io.env.LBSIM_DEBUG === '1');
    io.err(f.text);
    return f.code;
  }
}

export { Option };
