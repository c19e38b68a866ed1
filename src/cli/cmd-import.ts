// `lbsim import LABDIR [-o FILE]` and `lbsim schema [-o FILE]`.
import { buildLab, importLab, scenarioJsonSchema, scenarioToYaml } from '../scenario/index.ts';
import { isLabFolder, readLabFolder, writeFileAtomic } from './files.ts';
import { CliError } from './io.ts';
import type { CommandModule } from './program.ts';

export const importCommands: CommandModule = (program, ctx, { examples }) => {
  program
    .command('import')
    .description('turn a Netkit or Kathará lab folder (lab.conf, *.startup, host folders) into a scenario file')
    .argument('<LABDIR>', 'the lab folder')
    .option('-o, --output <FILE>', 'write the scenario here instead of standard output')
    .addHelpText('after', examples([
      'lbsim import ~/netkit-lab_loadbalancer-ws                 # print the scenario',
      'lbsim import ~/netkit-lab_loadbalancer-ws -o lb.yaml      # write it, then: lbsim run lb.yaml',
      'lbsim run ~/netkit-lab_loadbalancer-ws                    # or run the folder directly',
    ]))
    .action((labDir: string, opts: { output?: string }) => {
      if (!isLabFolder(labDir)) throw new CliError(`${labDir}: not a folder (expected a Netkit/Kathará lab folder with lab.conf)`);
      const scenario = importLab(readLabFolder(labDir, (m) => ctx.io.err(`${m}\n`)));
      // Boot it once, without captures: an iptables line iptables would refuse is reported now,
      // with its startup file and line, rather than when the scenario is first run.
      buildLab(scenario).close();
      const yaml = scenarioToYaml(scenario, ` Imported by "lbsim import" from the lab folder ${labDir}.\n Format: docs/scenario.md. Add steps (HOST: command) to run experiments.`);
      if (opts.output !== undefined) writeFileAtomic(opts.output, yaml);
      else ctx.io.out(yaml);
    });

  program
    .command('schema')
    .description('print the JSON Schema of scenario files (for editors that check YAML)')
    .option('-o, --output <FILE>', 'write it here instead of standard output')
    .addHelpText('after', examples(['lbsim schema -o scenario.schema.json']))
    .action((opts: { output?: string }) => {
      const text = `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`;
      if (opts.output !== undefined) writeFileAtomic(opts.output, text);
      else ctx.io.out(text);
    });
};
