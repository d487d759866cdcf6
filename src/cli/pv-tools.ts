// Finding the PV on a device argument the way LVM2 does: by the label on the device (its PV UUID),
// not by the name recorded in metadata, so an image that was replaced or re-initialised is seen
// for what it is. Also the scan that marks a VG's PVs missing (lib/metadata: MISSING_PV).
import { existsSync, statSync } from 'node:fs';
import { vgAsOnDisk } from '../format-text/area-check.js';
import type { Context } from './context.js';
import type { DeviceName } from '../device/resolve.js';
import { FileDevice } from '../device/file-device.js';
import { pathSize } from '../device/device-size.js';
import { readPvLabel, type PvLabel } from '../device/pv-label.js';
import type { PhysicalVolume, VolumeGroup } from '../model/types.js';

export function deviceExists(dev: DeviceName): boolean {
  try {
    const st = statSync(dev.path);
    return st.isFile() || st.isBlockDevice();
  } catch {
    return false;
  }
}

export function deviceSize(dev: DeviceName): number {
  return pathSize(dev.path);
}

export function readLabel(path: string): PvLabel | null {
  if (!existsSync(path)) return null;
  let d: FileDevice | undefined;
  try {
    d = new FileDevice(path, false);
    return readPvLabel(d);
  } catch {
    return null;
  } finally {
    d?.close();
  }
}

/** The PV whose label is on this device, if tsvm knows it. */
export function pvOnDevice(ctx: Context, dev: DeviceName): PhysicalVolume | null {
  const label = readLabel(dev.path);
  if (!label) return null;
  const pv = ctx.store.pvByUuid(label.uuid);
  if (!pv) return null;
  return { ...pv, name: dev.name, path: dev.path };
}

/** Whether the PV's image is there and still carries its label (not replaced, not re-initialised). */
export function pvImagePresent(pv: PhysicalVolume): boolean {
  const label = readLabel(pv.path);
  return !!label && label.uuid === pv.uuid;
}

/**
 * What the scan of a VG found for each PV besides pv.absent (no device carries its label now, LVM2's
 * pv->dev): `flagged`, the metadata says MISSING_PV (it was written while the PV was absent: LVM2
 * then records no device hint, hence "last written to [unknown]"); `used`, LVs have extents on it.
 */
interface PvScan {
  flagged: boolean;
  used: boolean;
}
const scans = new WeakMap<PhysicalVolume, PvScan>();

/** A PV no scan has looked at (a caller that marked it missing itself): treated as absent. */
function scanOf(pv: PhysicalVolume): PvScan & { absent: boolean } {
  const st = scans.get(pv);
  return st ? { ...st, absent: !!pv.absent } : { absent: pv.missing, flagged: false, used: true };
}

/** The uuids of the PVs some LV of the VG has extents on (one pass over the areas). */
function usedPvUuids(vg: VolumeGroup): Set<string> {
  const used = new Set<string>();
  for (const lv of vg.lvs) {
    for (const seg of lv.segments) for (const a of seg.areas) if (a.kind === 'pv') used.add(a.pvUuid);
  }
  return used;
}

/**
 * Flag the PVs of a VG whose image is gone or carries another label (returns those missing). As
 * LVM2's vg_read, a PV flagged missing in the metadata that reappeared stays missing while LVs use
 * it (until vgextend --restoremissing) and loses the flag when unused.
 */
export function markMissingPvs(vg: VolumeGroup, present: (pv: PhysicalVolume) => boolean = pvImagePresent): PhysicalVolume[] {
  const missing: PhysicalVolume[] = [];
  let used: Set<string> | undefined;
  for (const pv of vg.pvs) {
    if (!scans.has(pv)) {
      used ??= usedPvUuids(vg);
      const st = { flagged: pv.missing, used: used.has(pv.uuid) };
      scans.set(pv, st);
      pv.absent = !present(pv);
      pv.missing = pv.absent || (st.flagged && st.used);
    }
    if (pv.absent) missing.push(pv);
  }
  return missing;
}

/** Is the VG missing PVs in LVM2's sense (missing_pv_dev + missing_pv_flag)? */
export function vgMissingPvs(vg: VolumeGroup): boolean {
  return vg.pvs.some((p) => p.missing);
}

/** _set_pv_device's lines for every PV: an absent one is not found, a reappeared one was written without it. */
export function warnPvDevices(ctx: Context, vg: VolumeGroup): void {
  for (const pv of vg.pvs) {
    const st = scanOf(pv);
    if (st.absent) ctx.out.warn(`WARNING: Couldn't find device with uuid ${pv.uuid}.`);
    else if (st.flagged) ctx.out.warn(`WARNING: VG ${vg.name} was previously updated while PV ${pv.name} was missing.`);
  }
}

/** LVM2's warnings for a VG with missing PVs (lib/metadata/metadata.c _set_pv_device, vg_read). */
export function warnMissing(ctx: Context, vg: VolumeGroup): void {
  warnPvDevices(ctx, vg);
  for (const pv of vg.pvs) {
    const st = scanOf(pv);
    if (st.absent) {
      ctx.out.warn(`WARNING: VG ${vg.name} is missing PV ${pv.uuid} (last written to ${st.flagged ? '[unknown]' : pv.name}).`);
    } else if (st.flagged && st.used) {
      ctx.out.warn(`WARNING: VG ${vg.name} was missing PV ${pv.name} ${pv.uuid}.`);
    } else if (st.flagged) {
      ctx.out.warn(`WARNING: VG ${vg.name} has unused reappeared PV ${pv.name} ${pv.uuid}.`);
    }
  }
}

/** Was the PV flagged MISSING in the metadata as read (vgextend --restoremissing, LVM2 _restore_pv)? */
export function pvFlaggedMissing(pv: PhysicalVolume): boolean {
  return !!scans.get(pv)?.flagged;
}

/** After a commit: its re-reads print _set_pv_device's lines again (twice, as LVM2 2.03.16 does). */
export function warnAfterCommit(ctx: Context, vg: VolumeGroup): void {
  if (!vg.pvs.some((p) => p.absent)) return;
  warnPvDevices(ctx, vg);
  warnPvDevices(ctx, vg);
}

/**
 * VGs as a command reads them: PVs whose image is gone are flagged, with LVM2's warnings. A VG
 * none of whose PVs can be found is not seen at all, as in LVM2 where the metadata lives on the
 * PVs themselves.
 */
export function scanVgs(ctx: Context, vgs: VolumeGroup[]): VolumeGroup[] {
  const seen: VolumeGroup[] = [];
  for (const read of vgs) {
    markMissingPvs(read, (pv) => ctx.pvImagePresent(pv));
    // the disks first, as LVM2 reads them: a version the database has not seen is taken in
    const vg = vgAsOnDisk(ctx, read);
    if (!vg) continue;
    if (vg !== read) markMissingPvs(vg, (pv) => ctx.pvImagePresent(pv));
    if (vg.pvs.length && vg.pvs.every((p) => p.absent)) continue;
    warnMissing(ctx, vg);
    seen.push(vg);
  }
  return seen;
}
