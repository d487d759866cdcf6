// What reading commands do before they report (LVM2 reads the disks in every command; tsvm reads
// its database): one mda header per area in use, its committed slot compared with the checksum of
// the text tsvm last wrote. Only when one differs (the real LVM2 changed the VG on these disks, a
// crash left old copies, an area is damaged) is the text read and the database brought up to date
// (consistency.ts), under the VG's lock, with LVM2's warnings.
import { FileDevice } from '../device/file-device.js';
import type { Context } from '../cli/context.js';
import { CommandFailed } from '../cli/errors.js';
import type { VolumeGroup } from '../model/types.js';
import { vgLockName } from '../store/locks.js';
import { decodeMdaHeader, RAW_LOCN_IGNORED } from './layout.js';
import { readMdaHeaderSector } from './mda-io.js';
import { mdaIsIgnored, pvMdas } from './pv-layout.js';
import { areaFoundDamaged, reconcileWithAreas } from './consistency.js';

/** Whether every area in use of the VG's present PVs holds the text the database recorded. */
export function areasMatchDatabase(vg: VolumeGroup): boolean {
  if (vg.mdaTextCrc === undefined || vg.mdaTextCrc === null) return true;
  for (const pv of vg.pvs) {
    if (pv.missing || pv.absent) continue;
    const areas = pvMdas(pv);
    if (!areas.length) continue;
    let dev: FileDevice;
    try {
      dev = new FileDevice(pv.path, false);
    } catch {
      continue;
    }
    try {
      for (let i = 0; i < areas.length; i++) {
        if (mdaIsIgnored(pv, i)) continue;
        const h = decodeMdaHeader(readMdaHeaderSector(dev, areas[i]!), areas[i]!.offset);
        const slot = typeof h === 'string' ? undefined : h.rlocns[0];
        if (!slot || slot.flags & RAW_LOCN_IGNORED || slot.checksum !== vg.mdaTextCrc) return false;
      }
    } catch {
      return false;
    } finally {
      dev.close();
    }
  }
  return true;
}

/**
 * The VG as the disks have it now: `vg` itself when its areas match the database, else the
 * database's version after reading them (null when LVM2 would find no VG: every area damaged).
 */
export function vgAsOnDisk(ctx: Context, vg: VolumeGroup): VolumeGroup | null {
  const found = readAsOnDisk(ctx, vg);
  if (found) markDamagedAreas(found);
  return found;
}

/** pv.mdaDamaged from what the check found (consistency.ts areaFoundDamaged). */
function markDamagedAreas(vg: VolumeGroup): void {
  for (const pv of vg.pvs) {
    let bits = 0;
    pvMdas(pv).forEach((_a, i) => {
      if (areaFoundDamaged(vg, pv.uuid, i)) bits |= 1 << i;
    });
    if (bits) pv.mdaDamaged = bits;
  }
}

function readAsOnDisk(ctx: Context, vg: VolumeGroup): VolumeGroup | null {
  if (areasMatchDatabase(vg)) return vg;
  ctx.locks.lock(vgLockName(vg.name));
  const loaded = ctx.store.loadVg(vg.name);
  if (!loaded) return null;
  try {
    // (the object read keeps what the check found: the damaged areas its report leaves out)
    return reconcileWithAreas(ctx, loaded.vg) ?? loaded.vg;
  } catch (e) {
    if (!(e instanceof CommandFailed)) throw e;
    return null;
  }
}
