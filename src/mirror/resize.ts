// lvextend / lvreduce of a mirror (lib/metadata/lv_manip.c _lv_extend_layered_lv, lv_reduce): every
// image grows or shrinks by the same extents ("Extending 2 mirror images."), the mirror segment
// follows, the log is rewritten for the new region count (regions kept keep their state; new
// regions were never written, so their sync copies nothing). The log LV itself is never extended,
// as in LVM2 (see logTooSmall). The caller (src/lv/resize.ts) prints LVM2's messages.
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
    const nrNew = regionCount(newExtents * vg.extentSize * SECTOR, seg.regionSize * SECTOR);
    const nrOld = regionCount(old * vg.extentSize * SECTOR, seg.regionSize * SECTOR);
    const sync = new Uint8Array(Math.ceil(nrNew / 8) + 8);
    const written = new Uint8Array(Math.ceil(nrNew / 8) + 8);
    for (let r = 0; r < nrNew; r++) {
      const existed = r < nrOld;
      // The old last region may now reach into new, never-written extents: copy it again.
      const grownTail = newExtents > old && r === nrOld - 1;
      setBit(sync, r, existed && !grownTail && !!bits && getBit(bits.sync, r));
      setBit(written, r, existed && (!bits || getBit(bits.written, r)));
    }
    withLvLock(ctx.systemDir, lv.uuid, () => {
      seg.extentCount = newExtents;
      prepareLog(env, vg, lv, { sync, written });
      commitVg(ctx, loaded, `lvresize ${full}`);
    });
  } finally {
    pool.closeAll();
  }
  if (lv.active) ensureSyncing(ctx.systemDir, vg, lv);
  return 0;
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
