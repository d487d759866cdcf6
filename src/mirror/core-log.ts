// The core log of a mirror (LVM2 `--mirrorlog core`, dm-log's "core" log, kept in kernel memory):
// the region bitmaps in a runtime file (state.ts coreLogPath), not on any PV. Deactivation removes
// it (dropCoreLog), and a mirror opened without one is resynced in full from its primary, as
// LVM2 does after every activation. pvmove's temporary mirror starts from one too (src/pvmove/move.ts).
import { closeSync, existsSync, openSync, renameSync, rmSync } from 'node:fs';
import { FileDevice } from '../device/file-device.js';
import type { LogicalVolume } from '../model/types.js';
import { writtenSectorFor } from './log-format.js';
import { RegionLog, type LogInit } from './region-log.js';
import { coreLogPath } from './state.js';

/** The core log of a mirror: a runtime file. Missing (after deactivation) means a full resync. */
export function openCoreLog(systemDir: string, lv: LogicalVolume, nrRegions: number, regionSize: number, writable: boolean): RegionLog | null {
  const path = coreLogPath(systemDir, lv.uuid);
  if (!existsSync(path)) {
    if (!writable) return null;
    return formatCoreLog(systemDir, lv, nrRegions, regionSize, { sync: false, written: true });
  }
  const dev = new FileDevice(path, writable);
  const log = RegionLog.open(dev, { nrRegions, owner: lv.uuid });
  if (log) return log;
  dev.close();
  if (!writable) return null;
  return formatCoreLog(systemDir, lv, nrRegions, regionSize, { sync: false, written: true });
}

export function formatCoreLog(systemDir: string, lv: LogicalVolume, nrRegions: number, regionSize: number, init: LogInit): RegionLog {
  const path = coreLogPath(systemDir, lv.uuid);
  const tmp = `${path}.${process.pid}.new`;
  // Create the file, fill it, then rename it into place: readers never see a half-written log.
  const dev0 = new FileDeviceCreate(tmp);
  const bytes = (2 + 2 * Math.max(1, Math.ceil(Math.ceil(nrRegions / 32) * 4 / 512))) * 512;
  RegionLog.format(dev0, { nrRegions, regionSize, owner: lv.uuid, writtenSector: writtenSectorFor(nrRegions, bytes) }, init);
  dev0.close();
  renameSync(tmp, path);
  const log = RegionLog.open(new FileDevice(path, true), { nrRegions, owner: lv.uuid });
  if (!log) throw new Error(`Internal error: core log ${path} unreadable after formatting`);
  return log;
}

class FileDeviceCreate extends FileDevice {
  constructor(path: string) {
    closeSync(openSync(path, 'w', 0o600));
    super(path, true);
  }
}

export function dropCoreLog(systemDir: string, lv: LogicalVolume): void {
  rmSync(coreLogPath(systemDir, lv.uuid), { force: true });
}
