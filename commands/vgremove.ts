// vgremove: remove VGs, and with -f their LVs first (tools/vgremove.c, lib/metadata/vg.c).
import { checkNotInUse } from '../src/nbd/in-use.js';
import type { CommandSpec } from '../src/cli/command-spec.js';
import { CommandFailed, ECMD_FAILED, InvalidCommandLine } from '../src/cli/errors.js';
import { noMatchingSyntaxLines } from '../src/cli/help.js';
import { readVgForUpdate, takeGlobalLock, vgArgNames } from '../src/cli/toollib.js';
import { markMissingPvs } from '../src/cli/pv-tools.js';
import { vgHasDuplicatePvs } from '../src/format-text/label-scan.js';
import { visibleLvCount, isMirror } from '../src/model/vg-query.js';

export const spec: CommandSpec = {
  name: 'vgremove',
  summary: 'Remove volume group(s)',
  usage: ['vgremove VG|Tag|Select ...'],
  options: ['force', 'select', 'noudevsync', 'reportformat'],
  async run(ctx, args) {
    if (!args.positionals.length) {
      ctx.out.print('vgremove VG|Tag|Select ...');
      ctx.out.raw('\n');
      throw new InvalidCommandLine(...noMatchingSyntaxLines('vgremove'), 'Correct command syntax is:');
    }
    takeGlobalLock(ctx);
    // vgremove_single(): one -f, or -y, answers the prompts
    const prompt = !args.has('force') && !args.has('yes');
    let rc = 0;
    for (const name of vgArgNames(ctx, args.positionals)) {
      try {
        const loaded = readVgForUpdate(ctx, name, { ownScan: true });
        const vg = loaded.vg;
        const visible = visibleLvCount(vg);
        if (visible > 0 && prompt) {
          if (!ctx.yesNo(`Do you really want to remove volume group "${name}" containing ${visible} logical volumes? [y/n]: `)) {
            throw new CommandFailed(`Volume group "${name}" not removed`);
          }
        }
        // lv_remove_single() of each LV: one moved by pvmove stops the removal.
        const locked = vg.lvs.find((l) => l.visible && l.flags.includes('LOCKED'));
        if (locked) throw new CommandFailed(`Can't remove locked logical volume ${name}/${locked.name}.`);
        // removing its LVs writes the VG, which vg_write refuses with duplicate PVs
        if (visible > 0 && vgHasDuplicatePvs(ctx.labelScan, vg)) throw new CommandFailed(`Cannot update volume group ${name} with duplicate PV devices.`);
        for (const lv of vg.lvs.filter((l) => l.visible)) {
          if (lv.active) checkNotInUse(ctx.systemDir, lv.uuid, `${name}/${lv.name}`);
          if (lv.active && prompt && !ctx.yesNo(`Do you really want to remove active logical volume ${name}/${lv.name}? [y/n]: `)) {
            throw new CommandFailed(`Logical volume ${lv.name} not removed`, `Volume group "${name}" not removed`);
          }
        }
        for (const lv of vg.lvs.filter((l) => l.visible && isMirror(l))) {
          const mod = (await import('../src/mirror/forget.js')) as
            { forgetMirrorState: (c: typeof ctx, v: typeof vg, l: typeof lv) => void };
          mod.forgetMirrorState(ctx, vg, lv);
        }
        markMissingPvs(vg);
        ctx.store.removeVg(loaded, `vgremove ${name}`);
        // (the store's commit writer empties the PVs' metadata areas and clears their labels' "used" flag)
        for (const lv of vg.lvs.filter((l) => l.visible)) ctx.out.print(`Logical volume "${lv.name}" successfully removed.`);
        ctx.out.print(`Volume group "${name}" successfully removed`);
      } catch (e) {
        if (!(e instanceof CommandFailed)) throw e;
        for (const l of e.lines) ctx.out.error(l);
        rc = ECMD_FAILED;
      }
    }
    return rc;
  },
};
