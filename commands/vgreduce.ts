// vgreduce: remove unused PVs from a VG, or missing ones with --removemissing (tools/vgreduce.c).
import type { CommandSpec } from '../src/cli/command-spec.js';
import { CommandFailed, ECMD_FAILED, InvalidCommandLine } from '../src/cli/errors.js';
import { noMatchingSyntaxLines } from '../src/cli/help.js';
import { vgJson } from '../src/store/vg-json.js';
import { commitVg, readVgForUpdate, takeGlobalLock, vgNameArg } from '../src/cli/toollib.js';
import { deviceExists, isUnusedDuplicate, markMissingPvs, warnMissing } from '../src/cli/pv-tools.js';
import { pvAllocatedExtents } from '../src/model/pv-map.js';
import type { PhysicalVolume } from '../src/model/types.js';
import { hasMetadataAreaInUse } from '../src/format-text/pv-layout.js';

export const spec: CommandSpec = {
  name: 'vgreduce',
  summary: 'Remove physical volume(s) from a volume group',
  usage: ['vgreduce VG PV ...'],
  options: ['all', 'removemissing', 'mirrorsonly', 'force', 'autobackup', 'reportformat'],
  async run(ctx, args) {
    const pos = args.positionals;
    const removeMissing = args.has('removemissing');
    if (!pos.length || (pos.length < 2 && !args.has('all') && !removeMissing)) {
      throw new InvalidCommandLine(...noMatchingSyntaxLines('vgreduce'));
    }
    if (args.has('mirrorsonly') && !removeMissing) throw new InvalidCommandLine('--mirrorsonly requires --removemissing.');
    if (removeMissing && pos.length > 1) throw new InvalidCommandLine('Please only specify the volume group.');
    const name = vgNameArg(pos[0]!);
    takeGlobalLock(ctx);
    if (removeMissing) {
      const loaded = readVgForUpdate(ctx, name, { ownScan: true });
      markMissingPvs(loaded.vg);
      if (!loaded.vg.pvs.some((p) => p.missing)) {
        ctx.out.print(`Volume group "${name}" is already consistent.`);
        return 0;
      }
      warnMissing(ctx, loaded.vg);
      // The mirror engine knows how to mend LVs that lose a leg or log with the PV.
      const { removeMissing: remove } = (await import('../src/mirror/remove-missing.js')) as {
        removeMissing: (c: typeof ctx, l: typeof loaded, force: boolean, mirrorsOnly: boolean) => void;
      };
      remove(ctx, loaded, args.has('force'), args.has('mirrorsonly'));
      return 0;
    }
    let loaded;
    try {
      loaded = readVgForUpdate(ctx, name, { ownScan: true });
    } catch (e) {
      // LVM2 still reports each PV it was asked about.
      if (!(e instanceof CommandFailed)) throw e;
      const lines = [...e.lines];
      for (const d of pos.slice(1)) lines.push(`Failed to find physical volume "${ctx.device(d).name}".`);
      throw new CommandFailed(...lines);
    }
    const vg = loaded.vg;
    let rc = 0;
    let targets: PhysicalVolume[] = [];
    if (args.has('all')) {
      targets = [...vg.pvs];
    } else {
      for (const d of pos.slice(1)) {
        const dev = ctx.device(d);
        // (process_each_pv passes over a duplicate device the scan does not use)
        if (isUnusedDuplicate(ctx, dev)) continue;
        const pv = vg.pvs.find((p) => p.path === dev.path || p.name === dev.name);
        if (!pv) {
          ctx.out.error(deviceExists(dev) ? `Failed to find physical volume "${dev.name}".` : `Cannot use ${dev.name}: device not found`);
          rc = ECMD_FAILED;
          continue;
        }
        targets.push(pv);
      }
    }
    const released: PhysicalVolume[] = [];
    const removed: string[] = [];
    for (const pv of targets) {
      if (pvAllocatedExtents(vg, pv) > 0) {
        if (!args.has('all')) ctx.out.error(`Physical volume "${pv.name}" still in use`);
        else removed.push('\u0000' + pv.name);
        rc = ECMD_FAILED;
        continue;
      }
      if (vg.pvs.length - released.length === 1) {
        ctx.out.error(`Can't remove final physical volume "${pv.name}" from volume group "${vg.name}"`);
        rc = ECMD_FAILED;
        continue;
      }
      // vg_split_mdas with the orphan VG: what stays must keep a metadata area.
      if (!hasMetadataAreaInUse(vg.pvs.filter((p) => p !== pv && !released.includes(p)), true)) {
        ctx.out.error(`Cannot remove final metadata area on "${pv.name}" from "${vg.name}"`);
        rc = ECMD_FAILED;
        continue;
      }
      released.push(pv);
      removed.push(pv.name);
    }
    // LVM2 writes the VG once per PV it removes.
    for (const pv of released) {
      const before = vg.pvs;
      vg.pvs = vg.pvs.filter((p) => p !== pv);
      try {
        commitVg(ctx, loaded, `vgreduce ${name} ${pv.name}`, [pv]);
      } catch (e) {
        if (!(e instanceof CommandFailed)) throw e;
        for (const l of e.lines) ctx.out.error(l);
        ctx.out.error(`Removal of physical volume "${pv.name}" from "${name}" failed`);
        removed.splice(removed.indexOf(pv.name), 1);
        vg.pvs = before;
        rc = ECMD_FAILED;
        continue;
      }
      loaded.readSeqno = vg.seqno;
      loaded.snapshot = vgJson(vg);
      loaded.readName = vg.name;
    }
    for (const r of removed) {
      if (r.startsWith('\u0000')) continue;
      ctx.out.print(`Removed "${r}" from volume group "${name}"`);
    }
    for (const r of removed) if (r.startsWith('\u0000')) ctx.out.error(`Physical volume "${r.slice(1)}" still in use`);
    return rc;
  },
};
