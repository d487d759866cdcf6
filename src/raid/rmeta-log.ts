// The rmeta sub-LVs of a raid1 LV as the mirror engine's region log: the write-intent bitmap is
// the region log at RMETA_LOG_OFFSET of every rmeta, written to all of them and read from the first
// live one (a leg-less MirrorDevice over the rmetas, so failures are handled as for mirror legs),
// and each rmeta's superblock (rmeta-format.ts). Mirrors LVM2/dm-raid: every raid member carries
// the superblock and the bitmap.
import { WindowDevice } from '../device/window-device.js';
import type { BlockDevice } from '../device/block-device.js';
import type { LogicalVolume, LvSegment, VolumeGroup } from '../model/types.js';
import { SECTOR, lvExtents } from '../model/types.js';
import { findLv } from '../model/vg-query.js';
import { LinearDevice, type MirrorIoEnv } from '../mirror/lv-device.js';
import { MirrorDevice, type FailureEvents } from '../mirror/mirror-device.js';
import { RegionLog, type LogInit } from '../mirror/region-log.js';
import { getBit, SECTOR_BYTES, setBit, writtenSectorFor, type LogHeader } from '../mirror/log-format.js';
import { forgetChecksums } from '../mirror/checksums.js';
import { encodeSuperblock, RMETA_LOG_OFFSET, rmetaLogBytes, SB_FLAG_WRITEMOSTLY, type RaidSuperblock } from './rmeta-format.js';

/** The rmeta sub-LVs of a raid1 LV, in image order. */
export function rmetaLvs(vg: VolumeGroup, lv: LogicalVolume): LogicalVolume[] {
  return (lv.segments[0]!.metaAreas ?? []).map((n) => {
    const m = findLv(vg, n);
    if (!m) throw new Error(`Internal error: ${vg.name}/${n} not found`);
    return m;
  });
}

/** Bytes of one rmeta (all rmetas of an LV have the same length). */
export function rmetaBytes(vg: VolumeGroup, rmeta: LogicalVolume): number {
  return lvExtents(rmeta) * vg.extentSize * SECTOR;
}

/** The rmetas seen as the legs of a mirror (never stored: built for I/O only). */
function rmetaSet(vg: VolumeGroup, lv: LogicalVolume): LogicalVolume {
  const metas = rmetaLvs(vg, lv);
  const seg: LvSegment = {
    startLe: 0, extentCount: lvExtents(metas[0]!), type: 'mirror', stripeSize: 0, regionSize: lv.segments[0]!.regionSize,
    mirrorLog: null, areas: metas.map((m) => ({ kind: 'lv' as const, lvName: m.name, le: 0 })),
  };
  return { ...lv, uuid: `${lv.uuid}:rmeta`, name: `${lv.name}_rmeta`, visible: false, flags: [], segments: [seg] };
}

/** The write-intent bitmap window on all rmetas, as one BlockDevice. */
function openLogDevice(env: MirrorIoEnv, vg: VolumeGroup, lv: LogicalVolume, writable: boolean, top: LogicalVolume, events?: FailureEvents): BlockDevice {
  const set = rmetaSet(vg, lv);
  const dev = new MirrorDevice(env, vg, set, { writable, noLog: true, top, events });
  return new WindowDevice(dev, RMETA_LOG_OFFSET, rmetaLogBytes(dev.size()));
}

function logHeader(vg: VolumeGroup, lv: LogicalVolume, nrRegions: number) {
  const bytes = rmetaLogBytes(rmetaBytes(vg, rmetaLvs(vg, lv)[0]!));
  return { nrRegions, regionSize: lv.segments[0]!.regionSize, owner: lv.uuid, writtenSector: writtenSectorFor(nrRegions, bytes) };
}

/**
 * Open (or, writable, create) the region log of raid1 `lv`. Unknown content (no log there yet, a
 * crash before it was written, stale extents) means everything out of sync and written.
 */
export function openRaid1Log(env: MirrorIoEnv, vg: VolumeGroup, lv: LogicalVolume, nrRegions: number, writable: boolean, top: LogicalVolume, events?: FailureEvents): RegionLog | null {
  const dev = openLogDevice(env, vg, lv, writable, top, events);
  const log = RegionLog.open(dev, { nrRegions, owner: lv.uuid });
  if (log) return log;
  if (!writable) {
    dev.close();
    return null;
  }
  // tsvm's own bitmap for another size: the LV was resized by a metadata change alone (the real
  // LVM2's lvextend or lvreduce of the inactive LV, a vgcfgrestore), with no other writer (dm-raid
  // would have put md's bitmap here). The regions kept keep their state and their checksums.
  const found = RegionLog.readHeader(dev);
  if (found && found.owner === lv.uuid && found.regionSize === lv.segments[0]!.regionSize) {
    return resizedLog(dev, found, logHeader(vg, lv, nrRegions));
  }
  // Not tsvm's bitmap: none yet (a crash as the LV was made), stale extents, or another writer's
  // (the real LVM2's dm-raid puts md's bitmap here when it activates the LV and writes to it). The
  // checksums may then be of data written over since: no hints for the full resync that follows
  // (it would prefer an image still holding the old data). Forgotten first, then the bitmap.
  forgetChecksums(env, vg, lv);
  return RegionLog.format(dev, logHeader(vg, lv, nrRegions), { sync: false, written: true });
}

/**
 * The bitmap `old` re-laid for `to.nrRegions` regions: kept regions keep their bits; new regions
 * (never written through tsvm, their legs may differ) and the old last one (it may have ended
 * inside the region) are out of sync, for the resync to copy. The old header is wiped first, so a
 * crash half-way leaves a bitmap of no one's: everything resynced, checksums forgotten (as above).
 */
function resizedLog(dev: BlockDevice, old: LogHeader, to: LogHeader): RegionLog {
  const prev = RegionLog.open(dev, old)!;
  const sync = prev.readAll('sync');
  const written = prev.readAll('written');
  const n = to.nrRegions;
  const bits = (from: Uint8Array, fresh: boolean) => {
    const b = new Uint8Array(Math.ceil(n / 8));
    for (let r = 0; r < n; r++) setBit(b, r, r < old.nrRegions - (n > old.nrRegions ? 1 : 0) ? getBit(from, r) : fresh);
    return b;
  };
  const init = { sync: bits(sync, false), written: bits(written, true) };
  dev.writeAt(Buffer.alloc(SECTOR_BYTES), 0);
  dev.flush();
  return RegionLog.format(dev, to, init);
}

/** Superblock of image k as the metadata says it is now. */
export function superblockOf(vg: VolumeGroup, lv: LogicalVolume, k: number, nrRegions: number, failed: ReadonlySet<number> = new Set()): RaidSuperblock {
  const seg = lv.segments[0]!;
  const img = findLv(vg, (seg.areas[k] as { lvName: string }).lvName);
  let failedDevices = 0;
  for (const f of failed) failedDevices |= 2 ** f;
  return {
    numDevices: seg.areas.length, arrayPosition: k, events: vg.seqno, failedDevices, regionSize: seg.regionSize, nrRegions,
    flags: img?.flags.includes('WRITEMOSTLY') ? SB_FLAG_WRITEMOSTLY : 0, owner: lv.uuid,
  };
}

/**
 * Write every rmeta of raid1 `lv` as planned in `vg` before the metadata that uses it is committed
 * (the rmetas' extents are free or this LV's until then): superblocks, then the bitmap.
 */
export function prepareRaid1Meta(env: MirrorIoEnv, vg: VolumeGroup, lv: LogicalVolume, nrRegions: number, init: LogInit): void {
  writeSuperblocks(env, vg, lv, nrRegions);
  const dev = openLogDevice(env, vg, lv, true, lv);
  try {
    RegionLog.format(dev, logHeader(vg, lv, nrRegions), init);
  } finally {
    dev.close();
  }
}

/** Rewrite the superblock of each rmeta (after a layout change: positions, device count, flags). */
export function writeSuperblocks(env: MirrorIoEnv, vg: VolumeGroup, lv: LogicalVolume, nrRegions: number, failed?: ReadonlySet<number>): void {
  rmetaLvs(vg, lv).forEach((m, k) => {
    if (failed?.has(k)) return;
    const dev = new LinearDevice(env, vg, m, true, true);
    try {
      dev.writeAt(encodeSuperblock(superblockOf(vg, lv, k, nrRegions, failed)), 0);
      dev.flush();
    } finally {
      dev.close();
    }
  });
}

/** One rmeta as a BlockDevice (the whole sub-LV: superblock, bitmap and the checksum area). */
export function openRmeta(env: MirrorIoEnv, vg: VolumeGroup, rmeta: LogicalVolume, writable: boolean): BlockDevice {
  return new LinearDevice(env, vg, rmeta, writable, writable);
}
