// vgimport (LVM2 tools/vgimport.c): mark VGs imported (the EXPORTED flag in the metadata, the `x` of vg_attr
// and pv_attr); an exported VG is refused by the commands that change or use it, and its LVs are
// left out of lvs and lvdisplay, as in LVM2.
import type { CommandSpec } from '../src/cli/command-spec.js';
import { CommandFailed, ECMD_FAILED, InvalidCommandLine } from '../src/cli/errors.js';

export const spec: CommandSpec = {
  name: 'vgimport',
  summary: 'Register exported volume group with system',
  usage: ['vgimport VG|Tag|Select ...', 'vgimport -a|--all'],
  options: ['all', 'force', 'reportformat'],
  async run(ctx, args) {
    const { commitVg, readVgForUpdate, vgNameArg } = await import('../src/cli/toollib.js');
    if (!args.positionals.length && !args.has('all')) {
      throw new InvalidCommandLine("No command with matching syntax recognised.  Run 'vgimport --help' for more information.");
    }
    const names = args.has('all') ? ctx.store.vgNames() : args.positionals.map(vgNameArg);
    let rc = 0;
    for (const name of names) {
      try {
        const loaded = readVgForUpdate(ctx, name, { allowExported: true });
        const vg = loaded.vg;
        if (args.has('all') && vg.exported === false) continue;
        if (!vg.exported) throw new CommandFailed(`Volume group "${name}" is not exported`);
        vg.exported = false;
        commitVg(ctx, loaded, `vgimport ${name}`);
        ctx.out.print(`Volume group "${name}" successfully imported`);
      } catch (e) {
        if (!(e instanceof CommandFailed)) throw e;
        for (const l of e.lines) ctx.out.error(l);
        rc = ECMD_FAILED;
      }
    }
    return rc;
  },
};
