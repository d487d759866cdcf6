// vgck (LVM2 tools/vgck.c): read each VG from its PVs' metadata areas against the database, with
// LVM2's warnings for old copies and damaged ones; --updatemetadata rewrites every area from the
// newest version and repairs damaged areas whose header is where it should be
// (src/format-text/consistency.ts finds them, the commit writer rewrites them).
import type { CommandSpec } from '../src/cli/command-spec.js';
import { CommandFailed, ECMD_FAILED } from '../src/cli/errors.js';

export const spec: CommandSpec = {
  name: 'vgck',
  summary: 'Check the consistency of volume group(s)',
  usage: ['vgck'],
  options: ['updatemetadata', 'reportformat'],
  async run(ctx, args) {
    const { vgNameArg, readVgForUpdate, commitVg } = await import('../src/cli/toollib.js');
    const { repairDamagedAreas } = await import('../src/format-text/consistency.js');
    const { pvFlaggedMissing } = await import('../src/cli/pv-tools.js');
    const names = args.positionals.length ? args.positionals.map(vgNameArg) : ctx.store.vgNames();
    let rc = 0;
    for (const name of names) {
      try {
        const loaded = readVgForUpdate(ctx, name, { handlesMissingPvs: true });
        // (readVgForUpdate printed the label scan's lines about damaged areas.) --updatemetadata
        // writes the VG (old copies updated), then the damaged areas that can be repaired.
        if (args.has('updatemetadata')) {
          const lines = repairDamagedAreas(loaded.vg);
          commitVg(ctx, loaded, `vgck --updatemetadata ${name}`);
          for (const l of lines) ctx.out.warn(l);
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
