// Writing a mirror's log before the metadata that uses it is committed (durable intent first: the
// new log's extents are free until the commit, so writing them is harmless if the commit fails),
// and reading a mirror's current bitmaps to carry them over a log change.
import type { BlockDevice } from '../device/block-device.js';
import type { LogicalVolume, VolumeGroup } from '../model/types.js';
import { SECTOR, lvExtents } from '../model/types.js';
import { isMirror } from '../model/vg-query.js';
import { LinearDevice, type MirrorIoEnv } from './lv-device.js';
import { MirrorDevice } from './mirror-device.js';
import { formatCoreLog } from './core-log.js';
import { RegionLog, type LogInit } from './region-log.js';
import { regionCount, writtenSectorFor } from './log-format.js';
import { logLvOf } from './layout.js';
import { prepareRaid1Meta } from '../raid/rmeta-log.js';

export function mirrorRegions(vg: VolumeGroup, lv: LogicalVolume): number {
  return regionCount(lvExtents(lv) * vg.extentSize * SECTOR, lv.segments[0]!.regionSize * SECTOR);
}

/** Write the log of mirror `lv` as planned in `vg` (disk, mirrored, or core). */
export function prepareLog(env: MirrorIoEnv, vg: VolumeGroup, lv: LogicalVolume, init: LogInit): void {
  const nr = mirrorRegions(vg, lv);
  const regionSize = lv.segments[0]!.regionSize;
  if (lv.segments[0]!.type === 'raid1') {
    prepareRaid1Meta(env, vg, lv, nr, init);
    return;
  }
  const logLv = logLvOf(vg, lv);
  if (!logLv) {
    formatCoreLog(env.systemDir, lv, nr, regionSize, init).close();
    return;
  }
  const dev: BlockDevice = isMirror(logLv)
    ? new MirrorDevice(env, vg, logLv, { writable: true, noLog: true, top: lv })
    : new LinearDevice(env, vg, logLv, true, true);
  try {
    RegionLog.format(dev, {
      nrRegions: nr, regionSize, owner: logLv.uuid,
      writtenSector: writtenSectorFor(nr, lvExtents(logLv) * vg.extentSize * SECTOR),
    }, init);
  } finally {
    dev.close();
  }
}

/** The current sync and written bitmaps of a mirror (null when its log is unreadable or gone). */
export function readBitmaps(env: MirrorIoEnv, vg: VolumeGroup, lv: LogicalVolume): { sync: Uint8Array; written: Uint8Array } | null {
  let dev: MirrorDevice | undefined;
  try {
    dev = new MirrorDevice(env, vg, lv, { writable: false });
    if (!dev.log) return null;
    return { sync: dev.log.readAll('sync'), written: dev.log.readAll('written') };
  } catch {
    return null;
  } finally {
    dev?.close();
  }
}

