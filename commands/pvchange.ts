// pvchange: PV attributes (tools/pvchange.c): allocatability, tags, ignored metadata areas.
import type { Args } from '../src/cli/args.js';
import type { CommandSpec } from '../src/cli/command-spec.js';
import type { Context } from '../src/cli/context.js';
import { CommandFailed, ECMD_FAILED, InvalidCommandLine } from '../src/cli/errors.js';
import { noMatchingSyntaxLines } from '../src/cli/help.js';
import { deviceExists, isUnusedDuplicate, pvOnDevice, vgMetadataMissing, warnPvsInUseOfMissingVgs } from '../src/cli/pv-tools.js';
import { commitVg, readPvVgForUpdate, takeGlobalLock } from '../src/cli/toollib.js';
import { changePvMetadataIgnore, MdaIgnoreRefused } from '../src/format-text/mda-copies.js';
import { writeOrphanMdas } from '../src/format-text/on-disk.js';
import { vgHasDuplicatePvs } from '../src/format-text/label-scan.js';
import type { PhysicalVolume, VolumeGroup } from '../src/model/types.js';
import type { LoadedVg } from '../src/store/metadata-store.js';

export const spec: CommandSpec = {
  name: 'pvchange',
  summary: 'Change attributes of physical volume(s)',
  usage: ['pvchange -a|--all', 'pvchange PV|Select ...'],
  options: ['all', 'allocatable', 'addtag', 'deltag', 'metadataignore', 'autobackup', 'force', 'select', 'reportformat', 'ignoreskippedcluster'],
  run(ctx, args) {
    const changes = ['allocatable', 'addtag', 'deltag', 'metadataignore'].filter((o) => args.has(o));
    if (!changes.length || (!args.positionals.length && !args.has('all'))) {
      throw new InvalidCommandLine(...noMatchingSyntaxLines('pvchange'));
    }
    takeGlobalLock(ctx);
    let changed = 0;
    let total = 0;
    let rc = 0;
    const targets: Array<{ name: string; pv: PhysicalVolume }> = [];
    if (args.has('all')) {
      for (const pv of ctx.store.allPvs()) {
        const found = pv.vgName ? pvOnDevice(ctx, { name: pv.name, path: pv.path }) : pv;
        if (!found) continue;
        if (found.vgName && vgMetadataMissing(ctx, found.vgName)) targets.push({ name: pv.name, pv: { ...found, vgName: null, usedUnknown: true } });
        else targets.push({ name: pv.name, pv: found });
      }
    } else {
      for (const arg of args.positionals) {
        const dev = ctx.device(arg);
        // (process_each_pv passes over a duplicate device the scan does not use)
        if (isUnusedDuplicate(ctx, dev)) continue;
        const pv = deviceExists(dev) ? pvOnDevice(ctx, dev) : null;
        // a PV of a VG whose metadata no device holds is an orphan used by an unknown VG (pvOnDevice
        // has already made it a plain orphan if its label no longer says it is used)
        if (pv?.vgName && vgMetadataMissing(ctx, pv.vgName)) targets.push({ name: dev.name, pv: { ...pv, vgName: null, usedUnknown: true } });
        else if (pv) targets.push({ name: dev.name, pv });
        else {
          ctx.out.error(deviceExists(dev) ? `Failed to find physical volume "${dev.name}".` : `Cannot use ${dev.name}: device not found`);
          rc = ECMD_FAILED;
        }
      }
    }
    // vg_read_orphans' warnings, then process_each_pv: the PVs of VGs first, the orphans after them
    warnPvsInUseOfMissingVgs(ctx);
    const ordered = [...targets.filter((t) => t.pv.vgName), ...targets.filter((t) => !t.pv.vgName)];
    for (const t of ordered) {
      let loaded: LoadedVg | null = null;
      if (t.pv.vgName) {
        try {
          loaded = readPvVgForUpdate(ctx, t.pv.vgName, t.name);
        } catch (e) {
          // a VG that cannot be read: its PVs are not found, hence not counted
          if (!(e instanceof CommandFailed)) throw e;
          for (const l of e.lines) ctx.out.error(l);
          rc = ECMD_FAILED;
          continue;
        }
      }
      total++;
      let r: 'changed' | 'unchanged';
      try {
        r = changeOne(ctx, args, t.name, t.pv, loaded);
      } catch (e) {
        if (!(e instanceof CommandFailed)) throw e;
        for (const l of e.lines) ctx.out.error(l);
        ctx.out.error(`Physical volume ${t.name} not changed`);
        rc = ECMD_FAILED;
        continue;
      }
      if (r === 'changed') changed++;
    }
    const s = (n: number) => (n === 1 ? 'physical volume' : 'physical volumes');
    ctx.out.print(`${changed} ${s(changed)} changed / ${total - changed} ${s(total - changed)} not changed`);
    return rc;
  },
};

/** _pvchange_single: one PV's changes, written with its VG (or its own label for an orphan). */
function changeOne(ctx: Context, args: Args, name: string, found: PhysicalVolume, loaded: LoadedVg | null): 'changed' | 'unchanged' {
  const tagArgs = args.has('addtag') || args.has('deltag');
  const vg: VolumeGroup | null = loaded?.vg ?? null;
  const pv = vg?.pvs.find((p) => p.uuid === found.uuid) ?? found;
  // (pvchange checks before its pv_write what vg_write would refuse)
  if (vg && vgHasDuplicatePvs(ctx.labelScan, vg)) throw new CommandFailed(`Cannot update volume group ${vg.name} with duplicate PV devices.`);
  if (!vg && tagArgs) {
    throw new CommandFailed(`Can't change tag on Physical Volume ${name} not in volume group`);
  }
  // with -ff, changed as the orphan it is for LVM2 (its write as an orphan clears "in use")
  if (found.usedUnknown && args.count('force') < 2) {
    throw new CommandFailed(`PV ${name} is used by a VG but its metadata is missing.`, `Can't change PV '${name}' without -ff.`);
  }
  let done = false;
  const alloc = args.str('allocatable');
  if (alloc !== undefined) {
    if (!vg) throw new CommandFailed(`Allocatability not supported by orphan lvm2 format PV ${name}`);
    const want = alloc === 'y';
    if (pv.allocatable === want) ctx.out.warn(`Physical volume "${name}" is already ${want ? 'allocatable' : 'unallocatable'}.`);
    else {
      pv.allocatable = want;
      done = true;
    }
  }
  if (tagArgs) {
    for (const tag of args.all('addtag')) if (!pv.tags.includes(tag)) pv.tags.push(tag);
    for (const tag of args.all('deltag')) pv.tags = pv.tags.filter((x) => x !== tag);
    done = true;
  }
  const ignore = args.str('metadataignore');
  if (ignore !== undefined) {
    if (vg?.mdaCopies && !args.count('force') && !ctx.yesNo(`Override preferred number of copies of VG ${vg.name} metadata? [y/n]: `)) {
      throw new CommandFailed();
    }
    try {
      const warning = changePvMetadataIgnore(vg, pv, ignore === 'y', name);
      if (warning) ctx.out.warn(warning);
    } catch (e) {
      if (!(e instanceof MdaIgnoreRefused)) throw e;
      throw new CommandFailed(e.message);
    }
    done = true;
  }
  if (!done) {
    ctx.out.print(`Physical volume ${name} not changed`);
    return 'unchanged';
  }
  if (loaded) commitVg(ctx, loaded, `pvchange ${name}`);
  else {
    // (a PV of a VG whose metadata is missing stays in tsvm's database copy of that VG: its disk
    // says what it is now, which pvOnDevice and scanVgs read)
    if (!ctx.store.pvByUuid(pv.uuid)?.vgName) ctx.store.putOrphanPv(pv);
    writeOrphanMdas(pv);
  }
  ctx.out.print(`Physical volume "${name}" changed`);
  return 'changed';
}
