// pvremove: wipe PV labels (tools/pvremove.c, lib/metadata/pv_manip.c pvremove_single).
import type { CommandSpec } from '../src/cli/command-spec.js';
import { CommandFailed, ECMD_FAILED, InvalidCommandLine } from '../src/cli/errors.js';
import { noMatchingSyntaxLines } from '../src/cli/help.js';
import { deviceExists, isUnusedDuplicate, pvOnDevice, vgMetadataMissing } from '../src/cli/pv-tools.js';
import { takeGlobalLock } from '../src/cli/toollib.js';
import { FileDevice } from '../src/device/file-device.js';
import { wipePvLabel } from '../src/device/pv-label.js';

export const spec: CommandSpec = {
  name: 'pvremove',
  summary: 'Remove LVM label(s) from physical volume(s)',
  usage: ['pvremove PV ...'],
  options: ['force', 'reportformat'],
  run(ctx, args) {
    if (!args.positionals.length) {
      ctx.out.print('pvremove PV ...');
      ctx.out.raw('\n');
      throw new InvalidCommandLine(...noMatchingSyntaxLines('pvremove'), 'Correct command syntax is:');
    }
    takeGlobalLock(ctx);
    const force = args.count('force');
    let rc = 0;
    for (const arg of args.positionals) {
      const dev = ctx.device(arg);
      try {
        if (!deviceExists(dev)) throw new CommandFailed(`No device found for ${dev.name}.`);
        const pv = isUnusedDuplicate(ctx, dev) ? null : pvOnDevice(ctx, dev);
        if (!pv) throw new CommandFailed(`No PV found on device ${dev.name}.`);
        if (pv.vgName) {
          const unknownVg = vgMetadataMissing(ctx, pv.vgName);
          if (force < 2) {
            throw new CommandFailed(
              unknownVg ? `PV ${dev.name} is used by a VG but its metadata is missing.` : `PV ${dev.name} is used by VG ${pv.vgName} so please use vgreduce first.`,
              '(If you are certain you need pvremove, then confirm by using --force twice.)',
              `${dev.name}: physical volume label not removed.`,
            );
          }
          if (!args.has('yes') && !ctx.yesNo(`Really WIPE LABELS from physical volume "${dev.name}" of volume group "${pv.vgName}" [y/n]? `)) {
            throw new CommandFailed(`${dev.name}: physical volume label not removed.`);
          }
          ctx.out.warn(`WARNING: PV ${dev.name} is used by VG ${pv.vgName}.`);
          ctx.out.warn(`WARNING: Wiping physical volume label from ${dev.name} of volume group "${pv.vgName}".`);
        }
        const d = new FileDevice(dev.path);
        try {
          wipePvLabel(d);
        } finally {
          d.close();
        }
        // An orphan PV disappears; a VG member stays in its VG's metadata, now missing.
        if (!pv.vgName) ctx.store.deletePv(pv.uuid);
        ctx.out.print(`Labels on physical volume "${dev.name}" successfully wiped.`);
      } catch (e) {
        if (!(e instanceof CommandFailed)) throw e;
        for (const l of e.lines) ctx.out.error(l);
        rc = ECMD_FAILED;
      }
    }
    return rc;
  },
};
