// vgcfgrestore (LVM2 tools/vgcfgrestore.c): restore a VG's metadata from its backup file, an
// archive file or -f FILE (written by tsvm or by LVM2), or list them (--list): the backup and
// archive files are src/format-text/backup.ts's, the restore itself restore.ts's.
import type { CommandSpec } from '../src/cli/command-spec.js';
import { existsSync } from 'node:fs';
import { CommandFailed, InvalidCommandLine } from '../src/cli/errors.js';

export const spec: CommandSpec = {
  name: 'vgcfgrestore',
  summary: 'Restore volume group configuration',
  usage: ['vgcfgrestore VG', 'vgcfgrestore -f|--file String VG', 'vgcfgrestore -l|--list VG', 'vgcfgrestore -l|--list -f|--file String'],
  options: ['file', 'list', 'force', 'metadatatype'],
  async run(ctx, args) {
    const { vgNameArg, takeGlobalLock } = await import('../src/cli/toollib.js');
    const backup = await import('../src/format-text/backup.js');
    const file = args.str('file');
    const vgName = args.positionals[0] ? vgNameArg(args.positionals[0]) : undefined;
    if (args.positionals.length > 1) throw new CommandFailed('Please specify a *single* volume group to restore.');
    if (!vgName && !(args.has('list') && file)) {
      throw new InvalidCommandLine("No command with matching syntax recognised.  Run 'vgcfgrestore --help' for more information.");
    }
    if (args.has('list')) {
      const files = file ? [file] : [...backup.archiveFiles(ctx, vgName!), ...[`${backup.backupDir(ctx)}/${vgName}`].filter((f) => existsSync(f))];
      for (const f of files) for (const line of backup.listEntry(f)) line ? ctx.out.print(line) : ctx.out.raw('\n');
      return 0;
    }
    const { readRestoreFile } = await import('../src/format-text/restore.js');
    const active = ctx.store.loadVg(vgName!)?.vg.lvs.filter((lv) => lv.visible && lv.active) ?? [];
    if (active.length) {
      for (const lv of active) ctx.out.print(`Volume group ${vgName} has active volume: ${lv.name}.`);
      ctx.out.warn(`WARNING: Found ${active.length} active volume(s) in volume group "${vgName}".`);
      ctx.out.print('Restoring VG with active LVs, may cause mismatch with its metadata.');
      if (!args.has('yes') && !ctx.yesNo(`Do you really want to proceed with restore of volume group "${vgName}", while ${active.length} volume(s) are active? [y/n]: `)) {
        throw new CommandFailed('Restore aborted.');
      }
    }
    takeGlobalLock(ctx);
    ctx.locks.lock(`V_${vgName}`);
    const vg = readRestoreFile(ctx, file ?? `${backup.backupDir(ctx)}/${vgName}`, vgName!);
    const loaded = ctx.store.loadVgForUpdate(vgName!);
    ctx.store.keyImportedLvs(vg);
    // the running state is tsvm's, not the file's: LVs stay as active as they are
    for (const lv of vg.lvs) lv.active = loaded?.vg.lvs.find((l) => l.uuid === lv.uuid)?.active ?? false;
    if (loaded && loaded.vg.uuid === vg.uuid) {
      const released = loaded.vg.pvs.filter((pv) => !vg.pvs.some((p) => p.uuid === pv.uuid));
      ctx.store.commitVg(loaded, vg, `vgcfgrestore ${vgName}`, released);
    }
    else {
      if (loaded) ctx.store.removeVg(loaded, `vgcfgrestore ${vgName}: replaced by a VG with another UUID`);
      ctx.store.commitVg(null, vg, `vgcfgrestore ${vgName}`);
    }
    ctx.out.print(`Restored volume group ${vgName}.`);
    return 0;
  },
};
