// Finding the PV on a device argument the way LVM2 does: by the label on the device (its PV UUID),
// not by the name recorded in metadata, so an image that was replaced or re-initialised is seen
// for what it is. Also the scan that marks a VG's PVs missing (lib/metadata: MISSING_PV).
import { existsSync, statSync } from 'node:fs';
import { vgAsOnDisk } from '../format-text/area-check.js';
import { deviceOrder, onDuplicatedPv, unusedDuplicate } from '../format-text/label-scan.js';
import type { Context } from './context.js';
import type { DeviceName } from '../device/resolve.js';
import { FileDevice } from '../device/file-device.js';
import { pathSize } from '../device/device-size.js';
import { PV_EXT_USED, readPvLabel, type PvHeader } from '../device/pv-label.js';
import { scanDevice } from '../format-text/scan.js';
import { layoutOf } from '../format-text/vg-scan.js';
import type { PhysicalVolume, VolumeGroup } from '../model/types.js';
import { forEachPvArea } from '../model/unread-lv.js';
import { pvMdaUsedCount } from '../format-text/pv-layout.js';

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

export function readLabel(path: string): PvHeader | null {
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

/**
 * The device carries a PV that the label scan found on another device too and does not use from
 * this one (lvmcache_dev_is_unused_duplicate): commands pass it over or refuse it.
 */
export function isUnusedDuplicate(ctx: Context, dev: DeviceName): boolean {
  return !!unusedDuplicate(ctx.labelScan, dev.path);
}

/** pvcreate_each_device: the device's PV is also on another device, used or not ("with duplicates"). */
export function hasDuplicates(ctx: Context, dev: DeviceName): boolean {
  return onDuplicatedPv(ctx.labelScan, dev.path);
}

/**
 * The devices the label scan does not use, as pvs -a and pvdisplay show them (_process_duplicate_pvs):
 * no size, no metadata areas, under the name of the VG of the PV they copy.
 */
export function unusedDuplicatePvs(ctx: Context): PhysicalVolume[] {
  return ctx.labelScan.duplicates.unused.map((d) => ({
    uuid: d.uuid, name: d.name, path: d.path, devSize: d.size, peStart: 0, peCount: 0, allocatable: false, missing: false,
    tags: [], vgName: ctx.store.pvByUuid(d.uuid)?.vgName ?? null, mdaCount: 0, duplicate: true,
  }));
}

/**
 * The orphan PVs as the label scan finds them: on the device chosen for their UUID, and only
 * while a device carries their label (one overwritten by a copy of another PV is gone).
 */
export function scannedOrphans(ctx: Context, orphans: PhysicalVolume[]): PhysicalVolume[] {
  const scan = ctx.labelScan;
  const carrying = new Map<string, { name: string; path: string }>();
  for (const d of scan.labels.values()) if (!carrying.has(d.uuid)) carrying.set(d.uuid, d);
  const out: PhysicalVolume[] = [];
  for (const pv of orphans) {
    const dev = scan.duplicates.chosen.get(pv.uuid) ?? carrying.get(pv.uuid);
    if (dev) out.push(dev.path === pv.path ? pv : { ...pv, name: dev.name, path: dev.path });
    else if (!scan.scanned.has(pv.path) && readLabel(pv.path)?.uuid === pv.uuid) out.push(pv);
  }
  return out;
}

/** The PV whose label is on this device, if tsvm knows it. */
export function pvOnDevice(ctx: Context, dev: DeviceName): PhysicalVolume | null {
  const label = readLabel(dev.path);
  if (!label) return null;
  const pv = ctx.store.pvByUuid(label.uuid);
  if (!pv) return null;
  if (pv.vgName && !(label.extFlags & PV_EXT_USED) && vgMetadataMissing(ctx, pv.vgName)) return detachedOrphan(pv, dev.name, dev.path);
  return { ...pv, name: dev.name, path: dev.path };
}

/**
 * A member of a VG whose metadata no present device holds, whose label no longer says it is used
 * (pvchange -ff wrote it as an orphan): for LVM2, which knows only the disks, a plain orphan, with
 * the metadata areas its headers have. tsvm's database keeps it in the VG until a command writes it.
 */
export function detachedOrphan(pv: PhysicalVolume, name: string, path: string): PhysicalVolume {
  const out: PhysicalVolume = { ...pv, name, path, vgName: null, peCount: 0, allocatable: false, missing: false, tags: [] };
  delete out.mdaIgnored;
  delete out.usedUnknown;
  const s = scanDevice(name, path);
  if (s) Object.assign(out, layoutOf(s));
  return out;
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
  /** (Only a flagged PV's is looked at, and only for one is it found: the LVs' areas are not walked for nothing.) */
  used: boolean;
}
const scans = new WeakMap<PhysicalVolume, PvScan>();

/** A PV no scan has looked at (a caller that marked it missing itself): treated as absent. */
function scanOf(pv: PhysicalVolume): PvScan & { absent: boolean } {
  const st = scans.get(pv);
  return st ? { ...st, absent: !!pv.absent } : { absent: pv.missing, flagged: false, used: true };
}

/**
 * The uuids of the PVs some LV of the VG has extents on (one pass over the areas, which stops
 * once every PV of the VG is found used: at 1,000 LVs on a few PVs, after the first few LVs).
 */
function usedPvUuids(vg: VolumeGroup): Set<string> {
  const used = new Set<string>();
  const add = (pvUuid: string) => used.add(pvUuid);
  for (const lv of vg.lvs) {
    const before = used.size;
    forEachPvArea(lv, add);
    if (used.size !== before && used.size >= vg.pvs.length && vg.pvs.every((pv) => used.has(pv.uuid))) break;
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
      const st = { flagged: pv.missing, used: pv.missing && (used ??= usedPvUuids(vg)).has(pv.uuid) };
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
 * Whether a metadata area of the VG is on a device present (marked by markMissingPvs): LVM2 reads
 * a VG from its PVs' metadata areas only, so a VG whose PVs with areas are all gone is not found,
 * even when PVs without an area are there.
 */
export function vgMetadataFound(vg: VolumeGroup): boolean {
  return vg.pvs.some((p) => !p.absent && pvMdaUsedCount(p) > 0);
}

/**
 * vg_read_orphans run before any VG is read (vgcreate and vgextend taking an existing orphan PV):
 * the label scan still has as orphans the PVs without a metadata area in use, its VG not read
 * yet, and LVM2 warns about each whose label says it is used, in device order.
 */
export function warnOrphansMarkedUsed(ctx: Context): void {
  const inUse = (pv: PhysicalVolume) => {
    const label = readLabel(pv.path);
    return label?.uuid === pv.uuid && !!(label.extFlags & PV_EXT_USED);
  };
  const pvs = ctx.store.allPvs().filter((pv) => pv.vgName && pvMdaUsedCount(pv) === 0 && inUse(pv));
  for (const pv of pvs.sort(deviceOrder)) warnMarkedInUse(ctx, pv);
}

/** LVM2's two warnings about a PV whose label says it is used while no VG's metadata names it. */
function warnMarkedInUse(ctx: Context, pv: PhysicalVolume): void {
  ctx.out.warn(`WARNING: PV ${pv.name} is marked in use but no VG was found using it.`);
  ctx.out.warn(`WARNING: PV ${pv.name} might need repairing.`);
}

/**
 * vg_read_orphans for process_each_pv (pvchange): LVM2's two warnings for every PV whose label says
 * it is used while no metadata names its VG (a VG none of whose present PVs has an area in use), in
 * device order; from the PV rows alone, without loading any VG's LVs.
 */
export function warnPvsInUseOfMissingVgs(ctx: Context): void {
  const byVg = new Map<string, { pv: PhysicalVolume; label: PvHeader | null }[]>();
  for (const pv of ctx.store.allPvs()) {
    if (!pv.vgName) continue;
    const label = readLabel(pv.path);
    const list = byVg.get(pv.vgName) ?? [];
    list.push({ pv, label: label?.uuid === pv.uuid ? label : null });
    byVg.set(pv.vgName, list);
  }
  const pvs: PhysicalVolume[] = [];
  for (const list of byVg.values()) {
    if (list.some((m) => m.label && pvMdaUsedCount(m.pv) > 0)) continue;
    for (const m of list) if (m.label && m.label.extFlags & PV_EXT_USED) pvs.push(m.pv);
  }
  for (const pv of pvs.sort(deviceOrder)) warnMarkedInUse(ctx, pv);
}

/**
 * The PVs of VGs whose metadata no present device holds: orphans "used" by an unknown VG
 * (PV_EXT_USED), or plain orphans where the label no longer says so (detachedOrphan).
 */
const inUseOrphans = new WeakMap<Context, PhysicalVolume[]>();

/** Whether the VG of that name exists for tsvm but no present device holds its metadata. */
export function vgMetadataMissing(ctx: Context, vgName: string): boolean {
  const loaded = ctx.store.loadVg(vgName);
  if (!loaded) return false;
  markMissingPvs(loaded.vg, (pv) => ctx.pvImagePresent(pv));
  return !vgMetadataFound(loaded.vg);
}

/**
 * vg_read_orphans: the present PVs of VGs that were not found (scanVgs over every VG first), as
 * orphans whose label says they are used, with LVM2's two warnings for each (once per command).
 */
export function orphansInUse(ctx: Context): PhysicalVolume[] {
  const pvs = inUseOrphans.get(ctx) ?? [];
  if (!warnedInUse.has(ctx)) {
    warnedInUse.add(ctx);
    for (const pv of pvs.filter((p) => p.usedUnknown)) warnMarkedInUse(ctx, pv);
  }
  return pvs;
}
const warnedInUse = new WeakSet<Context>();

/**
 * VGs as a command reads them: PVs whose image is gone are flagged, with LVM2's warnings. A VG
 * whose metadata no present PV holds is not seen at all, as in LVM2 where the metadata lives on
 * the PVs themselves (its present PVs are then orphans in use: orphansInUse).
 */
export function scanVgs(ctx: Context, vgs: VolumeGroup[]): VolumeGroup[] {
  const seen: VolumeGroup[] = [];
  const chosen = ctx.labelScan.duplicates.chosen;
  for (const read of vgs) {
    // a PV found on several devices is read from the one the label scan chose
    for (const pv of read.pvs) {
      const dev = chosen.get(pv.uuid);
      if (dev && dev.path !== pv.path) Object.assign(pv, { name: dev.name, path: dev.path });
    }
    markMissingPvs(read, (pv) => ctx.pvImagePresent(pv));
    // the disks first, as LVM2 reads them: a version the database has not seen is taken in
    const vg = vgAsOnDisk(ctx, read);
    if (!vg) continue;
    if (vg !== read) markMissingPvs(vg, (pv) => ctx.pvImagePresent(pv));
    if (!vgMetadataFound(vg)) {
      const list = inUseOrphans.get(ctx) ?? [];
      for (const pv of vg.pvs) {
        if (pv.absent || list.some((p) => p.uuid === pv.uuid)) continue;
        const inUse = !!((readLabel(pv.path)?.extFlags ?? PV_EXT_USED) & PV_EXT_USED);
        list.push(inUse ? { ...pv, vgName: null, peCount: 0, allocatable: false, missing: false, tags: [], usedUnknown: true }
          : detachedOrphan(pv, pv.name, pv.path));
      }
      inUseOrphans.set(ctx, list);
      continue;
    }
    warnMissing(ctx, vg);
    seen.push(vg);
  }
  return seen;
}
