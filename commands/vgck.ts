// vgck (LVM2 tools/vgck.c): read each VG from its PVs' metadata areas against the database, with
// LVM2's warnings for old copies and damaged ones; --updatemetadata rewrites every area from the
// newest version (src/format-text/consistency.ts finds them, the commit writer rewrites them).
import type { CommandSpec } from '../src/cli/command-spec.js';
import { CommandFailed, ECMD_FAILED } from '../src/cli/errors.js';

export const spec: CommandSpec = {
  name: 'vgck',
  summary: 'Check the consistency of volume group(s)',
  usage: ['vgck'],
  options: ['updatemetadata', 'reportformat'],
  async run(ctx, args) {
    const { vgNameArg, readVgForUpdate, commitVg } = await import('../src/cli/toollib.js');
    const { stalePvUuids } = await import('../src/format-text/consistency.js');
    const { damagedAreas } = await import('../src/format-text/scan.js');
    const { pvFlaggedMissing } = await import('../src/cli/pv-tools.js');
    const names = args.positionals.length ? args.positionals.map(vgNameArg) : ctx.store.vgNames();
    let rc = 0;
    for (const name of names) {
      try {
        const loaded = readVgForUpdate(ctx, name, { handlesMissingPvs: true });
        const damaged = damagedAreas(loaded.vg.pvs.filter((pv) => !pv.absent));
        for (const d of damaged) for (const l of d.lines) ctx.out.warn(l);
        if (args.has('updatemetadata')) {
          if (damaged.length || stalePvUuids(loaded.vg)?.size) commitVg(ctx, loaded, `vgck --updatemetadata ${name}`);
          continue;
        }
        // vgck_single: vg_missing_pv_count
        const missing = loaded.vg.pvs.filter((pv) => pv.absent || pvFlaggedMissing(pv)).length;
        if (missing) throw new CommandFailed(`The volume group is missing ${missing} physical volumes.`);
      } catch (e) {
        if (!(e instanceof CommandFailed)) throw e;
        for (const l of e.lines) ctx.out.error(l);
        rc = ECMD_FAILED;
      }
    }
    return rc;
  },
};
