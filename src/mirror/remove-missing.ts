// Dropping the failed parts of mirrors (LVM2 mirror_remove_missing) and vgreduce --removemissing
// [--force] (tools/vgreduce.c _make_vg_consistent / _consolidate_vg): failed images leave the
// mirror (one good image left: the LV becomes linear), a failed log becomes a core log, lost raid1
// images become error segments (src/raid/remove-missing.ts); with --force, other partial LVs are
// removed; finally the missing PVs leave the VG.
import type { Context } from '../cli/context.js';
import { CommandFailed } from '../cli/errors.js';
import { warnPvDevices } from '../cli/pv-tools.js';
import { commitVg } from '../cli/toollib.js';
import { DevicePool } from '../device/device-pool.js';
import type { LogicalVolume, PhysicalVolume, VolumeGroup } from '../model/types.js';
import { isMirror, isRaid1, lvPvs, lvTree, parentLv } from '../model/vg-query.js';
import { raidRemoveMissing } from '../raid/remove-missing.js';
import type { LoadedVg } from '../store/metadata-store.js';
import { mirrorImages, removeImages, setLog, tmpLayer } from './layout.js';
import { prepareLog } from './log-init.js';
import { mirrorFailures } from './repair-plan.js';
import { lostWarning, retireNewLegs } from './stale.js';
import { dropMirrorFiles, loadFailedLegs, saveFailedLegs, withLvLock } from './state.js';

export type RemoveResult = 'ok' | 'dead';

/** Remove the failed images and log of one mirror (metadata and log files; the caller commits). */
export function removeFailedParts(ctx: Pick<Context, 'systemDir'> & { out?: Context['out'] }, vg: VolumeGroup, lv: LogicalVolume): RemoveResult {
  const f = mirrorFailures(ctx.systemDir, vg, lv);
  // While -m +N copies, the original images sit under the _mimagetmp layer: count them one by one.
  const layer = tmpLayer(vg, lv);
  const leaves = mirrorImages(vg, lv).flatMap((i) => (i === layer ? mirrorImages(vg, i) : [i]));
  if (f.images.length >= leaves.length) return 'dead';
  // Every image under the layer failed: the layer leaves as a whole (its log with it).
  const layerTree = layer && mirrorImages(vg, layer).every((i) => f.images.includes(i)) ? lvTree(vg, layer) : [];
  const goners = layerTree.length ? [...f.images.filter((i) => !layerTree.includes(i)), ...layerTree] : f.images;
  const pool = new DevicePool(ctx.systemDir);
  try {
    withLvLock(ctx.systemDir, lv.uuid, () => {
      // Only images not yet copied survive: what the copy had not reached is lost (stale.ts).
      const lost = f.images.length ? retireNewLegs({ devices: pool, systemDir: ctx.systemDir }, vg, lv) : 0;
      if (lost) ctx.out?.warn(lostWarning(vg, lv, lost));
      if (layerTree.length) removeImages(vg, lv, goners.map((i) => i.name));
      else {
        // Failed images under the layer leave the layer (it may become linear), the others the LV.
        const inner = layer ? f.images.filter((i) => mirrorImages(vg, layer).includes(i)) : [];
        if (inner.length) removeImages(vg, layer!, inner.map((i) => i.name));
        const outer = f.images.filter((i) => !inner.includes(i));
        if (outer.length) removeImages(vg, lv, outer.map((i) => i.name));
      }
      for (const l of layerTree) dropMirrorFiles(ctx.systemDir, l.uuid);
      if (isMirror(lv) && f.logs.length) {
        setLog(vg, lv, [], 'inherit');
        // The log is gone with its device: nothing can be trusted to be in sync.
        prepareLog({ devices: pool, systemDir: ctx.systemDir }, vg, lv, { sync: false, written: true });
      }
      const gone = new Set([...f.images, ...f.logs].map((x) => x.name));
      saveFailedLegs(ctx.systemDir, lv.uuid, loadFailedLegs(ctx.systemDir, lv.uuid).filter((l) => !gone.has(l.lvName)));
      if (!isMirror(lv)) dropMirrorFiles(ctx.systemDir, lv.uuid);
    });
  } finally {
    pool.closeAll();
  }
  return 'ok';
}

function isPartial(vg: VolumeGroup, lv: LogicalVolume): boolean {
  return lvPvs(vg, lv).some((p) => p.missing);
}

/**
 * vgreduce --removemissing (tools/vgreduce.c _vgreduce_repair_single). Without --force
 * (_consolidate_vg) nothing is mended: every partial LV, hidden ones included, gets LVM2's warning,
 * no PV is removed while any LV is partial, the VG is written back as read (LVM2 writes it too)
 * and the command fails. With --force (_make_vg_consistent) mirrors lose their failed images and
 * logs, other partial visible LVs are removed (with --mirrorsonly they are reported and kept),
 * then the missing PVs go.
 */
export function removeMissing(ctx: Context, loaded: LoadedVg, force: boolean, mirrorsOnly = false): void {
  const vg = loaded.vg;
  const warnDevices = () => warnPvDevices(ctx, vg);

  warnDevices();
  if (force) {
    let removedPartial = false;
    const refused = new Set<string>();
    for (let again = true; again; ) {
      again = false;
      for (const lv of vg.lvs) {
        if (!isPartial(vg, lv) || refused.has(lv.name)) continue;
        if (isRaid1(lv)) {
          // lost images become error segments; the LV stays (lv_raid_remove_missing, whose
          // lv_update_and_reload writes the VG: its devices are looked up again)
          raidRemoveMissing(vg, lv);
          warnDevices();
          again = true;
          break;
        }
        if (isMirror(lv) && removeFailedParts(ctx, vg, lv) === 'ok') {
          if (isPartial(vg, lv)) continue;
          again = true;
          break;
        }
        if (mirrorsOnly && !isMirror(lv) && !parentLv(vg, lv)) {
          ctx.out.error(`Non-mirror-image LV ${lv.name} found: can't remove.`);
          refused.add(lv.name);
          continue;
        }
        if (!lv.visible) continue;
        if (isMirror(lv)) ctx.out.error(`No usable images left in ${vg.name}/${lv.name}.`);
        else ctx.out.warn(`WARNING: Removing partial LV ${vg.name}/${lv.name}.`);
        const tree = new Set(lvTree(vg, lv).map((l) => l.name));
        for (const l of lvTree(vg, lv)) dropMirrorFiles(ctx.systemDir, l.uuid);
        vg.lvs = vg.lvs.filter((l) => !tree.has(l.name));
        removedPartial = true;
        ctx.out.print(`Logical volume "${lv.name}" successfully removed.`);
        again = true;
        break;
      }
    }
    // Removing a partial LV writes the VG (still with its missing PVs): the devices are looked up again.
    if (removedPartial) warnDevices();
  }
  // _consolidate_vg: every partial LV, hidden ones too, in LVM2's metadata order (visible LVs
  // first: export.c writes them before the hidden ones).
  const ordered = [...vg.lvs.filter((l) => l.visible), ...vg.lvs.filter((l) => !l.visible)];
  const partial = ordered.filter((lv) => isPartial(vg, lv));
  const consistent = !partial.length;
  if (!consistent) {
    for (const lv of partial) ctx.out.warn(`WARNING: Partial LV ${lv.name} needs to be repaired or removed. `);
    ctx.out.error(`There are still partial LVs in VG ${vg.name}.`);
    ctx.out.error('To remove them unconditionally use: vgreduce --removemissing --force.');
    ctx.out.error('To remove them unconditionally from mirror LVs use: vgreduce --removemissing --mirrorsonly --force.');
    ctx.out.warn('WARNING: Proceeding to remove empty missing PVs.');
  } else {
    const released: PhysicalVolume[] = [];
    for (const pv of vg.pvs.filter((p) => p.missing)) {
      if (vg.pvs.length - released.length === 1) throw new CommandFailed('Volume Groups must always contain at least one PV.');
      if (lvsOn(vg, pv)) throw new CommandFailed(`LVs still present on PV with UUID ${pv.uuid}: Can't remove from VG ${vg.name}.`);
      released.push(pv);
    }
    vg.pvs = vg.pvs.filter((p) => !released.includes(p));
  }
  if (!consistent) warnDevices();
  commitVg(ctx, loaded, `vgreduce --removemissing ${vg.name}`, [], false);
  // With --force the VG counts as fixed even if partial LVs were kept (--mirrorsonly).
  if (force || consistent) ctx.out.print(`Wrote out consistent volume group ${vg.name}.`);
  else throw new CommandFailed();
}

function lvsOn(vg: VolumeGroup, pv: PhysicalVolume): boolean {
  return vg.lvs.some((lv) => lv.segments.some((s) => s.areas.some((a) => a.kind === 'pv' && a.pvUuid === pv.uuid)));
}
