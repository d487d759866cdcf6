// vgcfgbackup (LVM2 tools/vgcfgbackup.c): each VG's metadata as a text file, LVM2's own format,
// to $TSVM_SYSTEM_DIR/backup/<vg> or -f FILE (a "%s" in FILE becomes the VG name).
import type { CommandSpec } from '../src/cli/command-spec.js';
import { CommandFailed, ECMD_FAILED } from '../src/cli/errors.js';

export const spec: CommandSpec = {
  name: 'vgcfgbackup',
  summary: 'Backup volume group configuration(s)',
  usage: ['vgcfgbackup'],
  options: ['file', 'foreign', 'ignorelockingfailure', 'readonly', 'reportformat'],
  shortOverrides: { f: 'file' },
  async run(ctx, args) {
    const { vgNameArg, readVg } = await import('../src/cli/toollib.js');
    const { writeBackup, writeVgFile } = await import('../src/format-text/backup.js');
    const { scanVgs } = await import('../src/cli/pv-tools.js');
    const names = args.positionals.length ? args.positionals.map(vgNameArg) : ctx.store.vgNames();
    const file = args.str('file');
    let rc = 0;
    for (const name of names) {
      try {
        const [vg] = scanVgs(ctx, [readVg(ctx, name)]);
        if (!vg) throw new CommandFailed(`Volume group "${name}" not found`, `Cannot process volume group ${name}`);
        if (file) {
          // LVM2: with several VGs and no %s, each VG overwrites the same file
          writeVgFile(file.replace('%s', vg.name), vg, ctx.cmdLine, ctx.now());
        } else writeBackup(ctx, vg);
        ctx.out.print(`Volume group "${vg.name}" successfully backed up.`);
      } catch (e) {
        if (!(e instanceof CommandFailed)) throw e;
        for (const l of e.lines) ctx.out.error(l);
        rc = ECMD_FAILED;
      }
    }
    return rc;
  },
};
