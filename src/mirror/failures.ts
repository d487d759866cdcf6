// What happens when a leg or log fails: an image that is gone (open fails with ENOENT, or the PV is
// already missing) flags its PV MISSING_PV in metadata, as LVM2 does for a device it cannot find, so
// lvs/pvs show the partial LV and `lvconvert --repair` / `vgreduce --removemissing` know what to
// mend; any other failure (EIO, a truncated image) is recorded against the mirror (state.ts) and
// the leg stays out of service until repaired.
import { DeviceIoError } from '../device/block-device.js';
import type { LogicalVolume, VolumeGroup } from '../model/types.js';
import { openDb } from '../store/db.js';
import { LockManager, vgLockName } from '../store/locks.js';
import { MetadataStore } from '../store/metadata-store.js';
import type { MirrorIoEnv } from './lv-device.js';
import { lockHeldByUs, recordFailedLeg } from './state.js';

function isGone(e: DeviceIoError): boolean {
  if (e.op !== 'open') return false;
  const cause = (e as { cause?: unknown }).cause as NodeJS.ErrnoException | undefined;
  const msg = e.message;
  return cause?.code === 'ENOENT' || /ENOENT|is missing/.test(msg);
}

export function noteLegFailure(env: MirrorIoEnv, vg: VolumeGroup, top: LogicalVolume, sub: LogicalVolume, e: DeviceIoError): void {
  const pv = vg.pvs.find((p) => p.path === e.path);
  if (pv && isGone(e)) {
    if (pv.missing || markPvMissing(env.systemDir, vg, pv.uuid)) return;
  }
  recordFailedLeg(env.systemDir, top.uuid, { lvName: sub.name, reason: e.message });
}

/**
 * Flag a PV missing: in the caller's VG object, and committed to the store unless this process
 * already holds the VG lock (then the command that holds it commits the flag with its own change).
 * Never waits for the VG lock: the caller may hold an LV's I/O lock, which a command holding the VG
 * lock may be waiting for (locks go VG, then LV). If the VG lock is busy, false: the caller records
 * the failed leg instead, and the command holding the lock finds the PV missing by its own scan.
 */
export function markPvMissing(systemDir: string, vg: VolumeGroup, pvUuid: string): boolean {
  const pv = vg.pvs.find((p) => p.uuid === pvUuid);
  if (pv) pv.missing = true;
  const lockName = vgLockName(vg.name);
  if (lockHeldByUs(systemDir, lockName)) return true;
  const locks = new LockManager(systemDir);
  if (!locks.tryLock(lockName)) return false;
  const db = openDb(systemDir);
  try {
    const store = new MetadataStore(db);
    const loaded = store.loadVg(vg.name);
    const target = loaded?.vg.pvs.find((p) => p.uuid === pvUuid);
    if (!loaded || !target || target.missing) return true;
    target.missing = true;
    store.commitVg(loaded, loaded.vg, `mirror: PV ${target.name} is missing`);
    vg.seqno = loaded.vg.seqno;
    return true;
  } finally {
    db.close();
    locks.releaseAll();
  }
}
