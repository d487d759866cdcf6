// Where a mirror-engine LV keeps its checksum table (src/checksum/) and when it has one: a raid1
// LV in the checksum area of every rmeta sub-LV (after the write-intent bitmap, RMETA_CSUM_OFFSET),
// a mirror with a disk log in the free space of its _mlog LV after the log's bitmaps (no new
// sub-LV: `lvs -a` stays LVM2's). A core-log mirror gets none: checksums are trusted only in regions
// a durable write-intent bitmap says were not being written (else a mismatch may be a torn write,
// not rot), and a core log keeps that bitmap in memory only, so after a crash no checksum of the
// LV could be trusted until a full resync from the primary, the blind copy they exist to avoid.
// A table is made when the LV is first opened for writing without one, if the setting says so
// (tsvm's own: activation/raid_checksums, default 1; activation/mirror_checksums, default 0); a
// raid1 LV made while raid_checksums = 0 gets a disabled header, so it stays without.
import { DeviceIoError, type BlockDevice } from '../device/block-device.js';
import { WindowDevice } from '../device/window-device.js';
import { ChecksumGuard, type HealEvent } from '../checksum/guard.js';
import { ChecksumTable, readCsumHeader } from '../checksum/table.js';
import { CSUM_VERSION, chooseBlockShift, encodeHeader, type CsumHeader } from '../checksum/format.js';
import { SECTOR, lvExtents, type LogicalVolume, type VolumeGroup } from '../model/types.js';
import { findLv, isMirror, isRaid1 } from '../model/vg-query.js';
import { RMETA_CSUM_OFFSET } from '../raid/rmeta-format.js';
import { Config } from '../model/config.js';
import { bitmapSectors, LOG_OFFSET_SECTORS } from './log-format.js';
import { LinearDevice, type MirrorIoEnv } from './lv-device.js';
import { systemConfig } from '../model/system-config.js';
import { noteHeal } from './heal-log.js';
import type { MirrorDevice } from './mirror-device.js';

const AREA_ALIGN = 64 * 1024;

/** The checksum area's copies of `lv`: one window per rmeta (raid1) or on the disk log (mirror); [] when it has no place. */
export function checksumAreas(env: MirrorIoEnv, vg: VolumeGroup, lv: LogicalVolume, writable: boolean): BlockDevice[] {
  const seg = lv.segments[0]!;
  const out: BlockDevice[] = [];
  if (isRaid1(lv)) {
    for (const name of seg.metaAreas ?? []) {
      const m = findLv(vg, name);
      if (!m) continue;
      const bytes = lvExtents(m) * vg.extentSize * SECTOR;
      if (bytes <= RMETA_CSUM_OFFSET) continue;
      try {
        out.push(new WindowDevice(new LinearDevice(env, vg, m, writable, writable), RMETA_CSUM_OFFSET, bytes - RMETA_CSUM_OFFSET));
      } catch (e) {
        // An rmeta on a missing or failing PV: the other images carry the table.
        if (!(e instanceof DeviceIoError)) throw e;
      }
    }
    return out;
  }
  if (!isMirror(lv) || !seg.mirrorLog) return out;
  const log = findLv(vg, seg.mirrorLog);
  if (!log || isMirror(log)) return out; // (a mirrored log: left without, see the README)
  const bytes = lvExtents(log) * vg.extentSize * SECTOR;
  const nrRegions = Math.ceil((lvExtents(lv) * vg.extentSize) / seg.regionSize);
  // The log's sync and written bitmaps come first (log-format.ts).
  const logEnd = (LOG_OFFSET_SECTORS + 2 * bitmapSectors(nrRegions)) * SECTOR;
  const start = Math.ceil(logEnd / AREA_ALIGN) * AREA_ALIGN;
  if (start >= bytes) return out;
  try {
    out.push(new WindowDevice(new LinearDevice(env, vg, log, writable, writable), start, bytes - start));
  } catch (e) {
    if (!(e instanceof DeviceIoError)) throw e;
  }
  return out;
}

/** Does a new table get made for `lv` (settings from $TSVM_SYSTEM_DIR/lvm.conf or the command's config)? */
export function checksumsWanted(lv: LogicalVolume, config: Config): boolean {
  return isRaid1(lv)
    ? config.bool('activation/raid_checksums', true)
    : config.bool('activation/mirror_checksums', false);
}

function headerFor(lv: LogicalVolume, nrRegions: number, copies: BlockDevice[], enabled: boolean): CsumHeader | null {
  const regionSize = lv.segments[0]!.regionSize;
  const area = Math.min(...copies.map((c) => c.size()));
  const blockShift = chooseBlockShift(regionSize, nrRegions, area);
  if (blockShift === null) return null;
  return { version: CSUM_VERSION, enabled, blockShift, regionSize, nrRegions, owner: lv.uuid };
}

/**
 * Write the table of a raid1 LV being made (its rmetas are prepared before the commit): enabled
 * or not as `config` says. Quietly nothing when the LV is too large for one (see the README).
 */
export function formatChecksums(env: MirrorIoEnv, vg: VolumeGroup, lv: LogicalVolume, nrRegions: number, config: Config): void {
  const copies = checksumAreas(env, vg, lv, true);
  try {
    const h = copies.length ? headerFor(lv, nrRegions, copies, checksumsWanted(lv, config)) : null;
    if (!h) return;
    if (h.enabled) ChecksumTable.format(copies, h);
    else for (const c of copies) c.writeAt(encodeHeader(h), 0), c.flush();
  } finally {
    for (const c of copies) c.close();
  }
}

/**
 * Empty raid1 `lv`'s checksum table (every block unrecorded; kept enabled or not as it was) when
 * its write-intent bitmap was found not to be tsvm's (rmeta-log.ts openRaid1Log): the resync that
 * follows records the checksums of what it copies. Done before the new bitmap is written, so a
 * crash in between leaves the bitmap unknown and this is done again.
 */
export function forgetChecksums(env: MirrorIoEnv, vg: VolumeGroup, lv: LogicalVolume): void {
  const copies = checksumAreas(env, vg, lv, true);
  try {
    const h = copies.map((c) => readCsumHeader(c)).find((x) => x && x.owner === lv.uuid);
    if (h?.enabled) ChecksumTable.format(copies, h);
  } finally {
    for (const c of copies) c.close();
  }
}

/** The guard of mirror device `m` (null: no table, or a disabled one). */
export function openChecksums(m: MirrorDevice): ChecksumGuard | null {
  const { env, vg, lv } = m;
  if (m.opts.noLog || !m.log) return null;
  const copies = checksumAreas(env, vg, lv, m.opts.writable);
  if (!copies.length) return null;
  const expect = { owner: lv.uuid, regionSize: lv.segments[0]!.regionSize, nrRegions: m.nrRegions };
  let table = ChecksumTable.open(copies, expect, m.opts.writable);
  if (!table && m.opts.writable) {
    const h = headerFor(lv, m.nrRegions, copies, checksumsWanted(lv, systemConfig(env.systemDir)));
    // A mirror left without (the default) is not written to: its log stays as LVM2 would leave it.
    if (h && (h.enabled || isRaid1(lv))) {
      table = h.enabled ? ChecksumTable.format(copies, h) : (copies.forEach((c) => (c.writeAt(encodeHeader(h), 0), c.flush())), null);
    }
  }
  if (!table || !table.header.enabled) {
    for (const c of copies) c.close();
    return null;
  }
  return new ChecksumGuard(m, table, (ev: HealEvent) => noteHeal(env.systemDir, vg, lv, ev, table!.geometry.blockBytes));
}
