// Finding the PV on a device argument the way LVM2 does: by the label on the device (its PV UUID),
// not by the name recorded in metadata, so an image that was replaced or re-initialised is seen
// for what it is. Also the scan that marks a VG's PVs missing (lib/metadata: MISSING_PV).
import { existsSync, statSync } from 'node:fs';
import type { Context } from './context.js';
import type { DeviceName } from '../device/resolve.js';
import { FileDevice } from '../device/file-device.js';
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
  return statSync(dev.path).size;
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

/** Flag the PVs of a VG whose image is gone or carries another label (returns those missing). */
export function markMissingPvs(vg: VolumeGroup, present: (pv: PhysicalVolume) => boolean = pvImagePresent): PhysicalVolume[] {
  const missing: PhysicalVolume[] = [];
  for (const pv of vg.pvs) {
    const gone = !present(pv);
    if (gone) missing.push(pv);
    pv.missing = gone || pv.missing;
  }
  return missing;
}

/** LVM2's warnings for a VG with missing PVs (lib/metadata/metadata.c, lib/cache). */
export function warnMissing(ctx: Context, vg: VolumeGroup): void {
  for (const pv of vg.pvs.filter((p) => p.missing)) {
    ctx.out.warn(`WARNING: Couldn't find device with uuid ${pv.uuid}.`);
  }
  for (const pv of vg.pvs.filter((p) => p.missing)) {
    ctx.out.warn(`WARNING: VG ${vg.name} is missing PV ${pv.uuid} (last written to ${pv.name}).`);
  }
}

/**
 * VGs as a command reads them: PVs whose image is gone are flagged, with LVM2's warnings. A VG
 * none of whose PVs can be found is not seen at all, as in LVM2 where the metadata lives on the
 * PVs themselves.
 */
export function scanVgs(ctx: Context, vgs: VolumeGroup[]): VolumeGroup[] {
  const seen: VolumeGroup[] = [];
  for (const vg of vgs) {
    markMissingPvs(vg, (pv) => ctx.pvImagePresent(pv));
    if (vg.pvs.length && vg.pvs.every((p) => p.missing)) continue;
    warnMissing(ctx, vg);
    seen.push(vg);
  }
  return seen;
}
