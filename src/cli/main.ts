import { Command } from 'commander';

const program = new Command();
program.name('lbsim').description('Deterministic simulator of the Netkit load balancer lab');
program.parse(process.argv);
