// lvextend / lvreduce of a mirror (lib/metadata/lv_manip.c _lv_extend_layered_lv, lv_reduce): every
// image grows or shrinks by the same extents ("Extending 2 mirror images."), the mirror segment
// follows, the log is rewritten for the new region count (regions kept keep their state; new
// regions were never written, so their sync copies nothing). The log LV itself is never extended,
// as in LVM2 (see logTooSmall); nor is a raid1 LV's rmeta (src/raid/resize.ts: the region size may double,
// the checksum table is re-laid). The caller (src/lv/resize.ts) prints LVM2's messages; `resized` says
// the new size where LVM2 does, before the commit.
import { AllocError, allocate, type PvRangeLimit } from '../alloc/index.js';
import type { Args } from '../cli/args.js';
import type { Context } from '../cli/context.js';
import { CommandFailed } from '../cli/errors.js';
import { commitVg } from '../cli/toollib.js';
import { DevicePool } from '../device/device-pool.js';
import type { LogicalVolume, LvSegment, VolumeGroup } from '../model/types.js';
import { displaySize } from '../model/units.js';
import { SECTOR, lvExtents } from '../model/types.js';
import type { LoadedVg } from '../store/metadata-store.js';
import { ensureSyncing } from './daemon.js';
import { linearSegments, logLvOf, mirrorImages, tmpLayer } from './layout.js';
import { getBit, LOG_OFFSET_SECTORS, mirrorLogExtents, regionCount, setBit } from './log-format.js';
import { prepareLog, readBitmaps } from './log-init.js';
import { withLvLock } from './state.js';
import { isRaid1 } from '../model/vg-query.js';
import type { RelayoutResult } from '../checksum/relayout.js';
import { checkBitmapFits, raidMinRegionSize, relayoutRaidChecksums } from '../raid/resize.js';
import { progressLines } from '../cli/progress.js';

function trim(segs: LvSegment[], extents: number): LvSegment[] {
  const out: LvSegment[] = [];
  for (const s of segs) {
    if (s.startLe >= extents) break;
    out.push(s.startLe + s.extentCount > extents ? { ...s, extentCount: extents - s.startLe } : s);
  }
  return out;
}

export async function resizeMirrorLv(
  ctx: Context, loaded: LoadedVg, lv: LogicalVolume, newExtents: number, allowedPvs: PvRangeLimit[] | undefined, args: Args,
  resized: () => void,
): Promise<number> {
  const vg = loaded.vg;
  const full = `${vg.name}/${lv.name}`;
  if (tmpLayer(vg, lv)) throw new CommandFailed(`Unable to resize ${full} while it is being converted.`);
  const old = lvExtents(lv);
  const images = mirrorImages(vg, lv);
  const seg = lv.segments[0]!;
  const pool = new DevicePool(ctx.systemDir);
  const env = { devices: pool, systemDir: ctx.systemDir };
  const bits = readBitmaps(env, vg, lv);
  void args;
  try {
    if (newExtents > old) {
      let res;
      try {
        res = allocate({
          vg, policy: lv.alloc, areaCount: images.length, extents: newExtents - old, logCount: 0, logLen: 0, allowedPvs,
          lvName: lv.name, previousPerArea: images.map((i) => i.segments),
        });
      } catch (e) {
        if (e instanceof AllocError) throw new CommandFailed(...e.lines);
        throw e;
      }
      images.forEach((img, i) => {
        const more = linearSegments(res.areas[i]!).map((s) => ({ ...s, startLe: s.startLe + old }));
        img.segments = mergeLinear([...img.segments, ...more]);
      });
      const log = logLvOf(vg, lv);
      if (log && mirrorLogExtents(seg.regionSize, vg.extentSize, newExtents) > lvExtents(log)) throw logTooSmall(vg, lv, log, newExtents);
    } else {
      for (const img of images) img.segments = trim(img.segments, newExtents);
    }
    const raid = isRaid1(lv);
    const oldRegion = seg.regionSize;
    // raid1: LVM2 doubles the region size to keep at most 2^21 regions (src/raid/resize.ts)
    const region = raid && newExtents > old ? raidMinRegionSize(newExtents * vg.extentSize, oldRegion) : oldRegion;
    const oldBytes = old * vg.extentSize * SECTOR;
    const nrNew = regionCount(newExtents * vg.extentSize * SECTOR, region * SECTOR);
    if (raid) checkBitmapFits(vg, lv, nrNew);
    resized();
    const { sync, written } = resizedBitmaps(bits, oldBytes, oldRegion * SECTOR, region * SECTOR, nrNew);
    let sums: RelayoutResult | undefined;
    // A table rebuilt (regrouped, or recomputed from the images' data) shows its progress as
    // lvconvert shows a conversion's: "vg/lv: Checksummed: NN.NN%" (src/cli/progress.ts).
    const shown = progressLines(ctx, full, 'Checksummed', ctx.config.num('activation/polling_interval', 15));
    try {
      withLvLock(ctx.systemDir, lv.uuid, () => {
        seg.extentCount = newExtents;
        seg.regionSize = region;
        prepareLog(env, vg, lv, { sync, written });
        // the checksum table follows the new size in the rmetas' fixed space
        if (raid) {
          sums = relayoutRaidChecksums(env, vg, lv, { regionSize: oldRegion, bytes: Math.min(oldBytes, newExtents * vg.extentSize * SECTOR), sync: bits?.sync ?? null },
            nrNew, shown.report);
        }
        commitVg(ctx, loaded, `lvresize ${full}`);
      });
    } finally {
      shown.end();
    }
    if (sums?.outcome === 'dropped') {
      ctx.out.warn(`WARNING: ${full}: the checksum table for its ${nrNew} regions does not fit its rmeta sub-LVs: it has no checksums from now on.`);
    }
    if (sums?.unrepairable) {
      ctx.out.warn(`WARNING: ${full}: ${sums.unrepairable} checksum blocks had no right copy on any image: their reads keep failing.`);
    }
  } finally {
    pool.closeAll();
  }
  if (lv.active) ensureSyncing(ctx.systemDir, vg, lv);
  return 0;
}

/**
 * The sync and written bitmaps for the resized LV: new region q (of `newRegionBytes`) covers the old
 * regions inside it; it is written if any of them was, in sync if all of them were and it lies
 * wholly inside the old size (a region reaching into new, never-written extents is copied again).
 * Regions past the old end were never written: their sync copies nothing.
 */
function resizedBitmaps(
  bits: { sync: Uint8Array; written: Uint8Array } | null, oldBytes: number, oldRegionBytes: number, newRegionBytes: number, nrNew: number,
): { sync: Uint8Array; written: Uint8Array } {
  const sync = new Uint8Array(Math.ceil(nrNew / 8) + 8);
  const written = new Uint8Array(Math.ceil(nrNew / 8) + 8);
  const nrOld = regionCount(oldBytes, oldRegionBytes);
  const f = newRegionBytes / oldRegionBytes;
  for (let q = 0; q < nrNew; q++) {
    const first = q * f;
    if (first >= nrOld) continue;
    const last = Math.min(nrOld - 1, first + f - 1);
    let inSync = !!bits && (q + 1) * newRegionBytes <= oldBytes;
    let wr = !bits;
    for (let r = first; r <= last; r++) {
      if (bits && !getBit(bits.sync, r)) inSync = false;
      if (bits && getBit(bits.written, r)) wr = true;
    }
    setBit(sync, q, inSync);
    setBit(written, q, wr);
  }
  return { sync, written };
}

/**
 * LVM2 never extends the log of an existing mirror (lv_extend allocates with log_count 0: "FIXME
 * log_count should be 1 for mirrors"), and the kernel then refuses the mirror table (dm-log.c: "log
 * device %s too small: need %llu bytes", EINVAL), so LVM2 cannot resize an active mirror past what
 * its log can hold. tsvm refuses before committing anything, and says how to get a bigger log.
 */
function logTooSmall(vg: VolumeGroup, lv: LogicalVolume, log: LogicalVolume, newExtents: number): CommandFailed {
  const regions = regionCount(newExtents * vg.extentSize * SECTOR, lv.segments[0]!.regionSize * SECTOR);
  const need = Math.ceil((LOG_OFFSET_SECTORS * SECTOR + Math.ceil(regions / 32) * 4) / SECTOR);
  const full = `${vg.name}/${lv.name}`;
  return new CommandFailed(
    `Mirror log ${vg.name}/${log.name} of ${displaySize(lvExtents(log) * vg.extentSize)} is too small for the ${regions} regions of ${full} `
      + `(${displaySize(need)} needed); lvextend does not extend mirror logs.`,
    `Convert to a core log (lvconvert --mirrorlog core ${full}) before extending, and back (lvconvert --mirrorlog disk ${full}) after.`,
  );
}

function mergeLinear(segs: LvSegment[]): LvSegment[] {
  const out: LvSegment[] = [];
  for (const s of segs) {
    const last = out[out.length - 1];
    const a = s.areas[0];
    const la = last?.areas[0];
    if (last && a?.kind === 'pv' && la?.kind === 'pv' && a.pvUuid === la.pvUuid && la.pe + last.extentCount === a.pe) {
      last.extentCount += s.extentCount;
    } else out.push({ ...s, areas: [...s.areas] });
  }
  return out;
}
