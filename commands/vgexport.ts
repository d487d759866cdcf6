// vgexport (LVM2 tools/vgexport.c): mark VGs exported (the EXPORTED flag in the metadata, the `x` of vg_attr
// and pv_attr); an exported VG is refused by the commands that change or use it, and its LVs are
// left out of lvs and lvdisplay, as in LVM2.
import type { CommandSpec } from '../src/cli/command-spec.js';
import { CommandFailed, ECMD_FAILED, InvalidCommandLine } from '../src/cli/errors.js';

export const spec: CommandSpec = {
  name: 'vgexport',
  summary: 'Unregister volume group(s) from the system',
  usage: ['vgexport VG|Tag|Select ...', 'vgexport -a|--all'],
  options: ['all', 'reportformat'],
  async run(ctx, args) {
    const { commitVg, readVgForUpdate, vgNameArg } = await import('../src/cli/toollib.js');
    if (!args.positionals.length && !args.has('all')) {
      throw new InvalidCommandLine("No command with matching syntax recognised.  Run 'vgexport --help' for more information.");
    }
    const names = args.has('all') ? ctx.store.vgNames() : args.positionals.map(vgNameArg);
    let rc = 0;
    for (const name of names) {
      try {
        const loaded = readVgForUpdate(ctx, name, { allowExported: true });
        const vg = loaded.vg;
        if (args.has('all') && vg.exported === true) continue;
        if (vg.exported) throw new CommandFailed(`Volume group ${name} is exported`);
        if (vg.lvs.some((lv) => lv.active)) throw new CommandFailed(`Volume group "${name}" has active logical volumes`);
        vg.exported = true;
        commitVg(ctx, loaded, `vgexport ${name}`);
        ctx.out.print(`Volume group "${name}" successfully exported`);
      } catch (e) {
        if (!(e instanceof CommandFailed)) throw e;
        for (const l of e.lines) ctx.out.error(l);
        rc = ECMD_FAILED;
      }
    }
    return rc;
  },
};
