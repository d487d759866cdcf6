// pvck (LVM2 tools/pvck.c, its basic form): what each device carries where LVM2 looks: the label
// (its sector and type) and each text metadata area (offset and size), or what is wrong there.
import type { CommandSpec } from '../src/cli/command-spec.js';
import { InvalidCommandLine } from '../src/cli/errors.js';
import { ECMD_FAILED } from '../src/cli/errors.js';

export const spec: CommandSpec = {
  name: 'pvck',
  summary: 'Check metadata on physical volumes',
  usage: ['pvck PV ...'],
  options: ['labelsector'],
  async run(ctx, args) {
    if (!args.positionals.length) {
      throw new InvalidCommandLine("No command with matching syntax recognised.  Run 'pvck --help' for more information.");
    }
    const { scanDevice } = await import('../src/format-text/scan.js');
    const { deviceExists } = await import('../src/cli/pv-tools.js');
    let rc = 0;
    for (const arg of args.positionals) {
      const dev = ctx.device(arg);
      if (!deviceExists(dev)) {
        ctx.out.error(`Cannot use ${dev.name}: device not found`);
        rc = ECMD_FAILED;
        continue;
      }
      const s = scanDevice(dev.name, dev.path);
      if (!s) {
        ctx.out.error(`No LVM label found on ${dev.name}`);
        rc = ECMD_FAILED;
        continue;
      }
      ctx.out.print(`Found label on ${dev.name}, sector ${s.header.sector}, type=LVM2 001`);
      for (const m of s.mdas) {
        if (typeof m.header === 'string') {
          ctx.out.warn(`WARNING: bad metadata header on ${dev.name} at ${m.area.offset}.`);
          rc = ECMD_FAILED;
          continue;
        }
        ctx.out.print(`Found text metadata area: offset=${m.area.offset}, size=${m.area.size}`);
      }
    }
    return rc;
  },
};
