// Where an LV's bytes live (LVM2 lib/metadata/lv_manip.c + dm-linear/dm-stripe target mapping):
// pure functions from (VG, LV, byte range) to (PV, byte offset) runs. Striped segments map LE space
// round-robin in chunks of stripe_size sectors across their areas; linear is striped with 1 area.
import { SECTOR, areaLen, type LogicalVolume, type LvSegment, type PhysicalVolume, type SegmentArea, type VolumeGroup } from '../model/types.js';
import { findLv, findPvByUuid } from '../model/vg-query.js';

export function extentBytes(vg: VolumeGroup): number {
  return vg.extentSize * SECTOR;
}

/** Byte offset on the PV's device where physical extent `pe` starts. */
export function pvByteOffset(vg: VolumeGroup, pv: PhysicalVolume, pe: number): number {
  return pv.peStart * SECTOR + pe * extentBytes(vg);
}

/** One area of one segment, with its place on disk when it is a PV area. */
export interface ExtentRun {
  /** LE range of the segment this area belongs to. */
  startLe: number;
  extentCount: number;
  seg: LvSegment;
  areaIndex: number;
  area: SegmentArea;
  /** Extents the area spans (extentCount / stripes for striped segments). */
  areaLen: number;
  /** For a PV area: the PV and the byte offset on it of the area's first extent. */
  pv?: PhysicalVolume;
  byteOffset?: number;
}

/** Every area of every segment of `lv`, in LE order then area order. */
export function lvExtentMap(vg: VolumeGroup, lv: LogicalVolume): ExtentRun[] {
  const runs: ExtentRun[] = [];
  for (const seg of lv.segments) {
    seg.areas.forEach((area, areaIndex) => {
      const run: ExtentRun = { startLe: seg.startLe, extentCount: seg.extentCount, seg, areaIndex, area, areaLen: areaLen(seg) };
      if (area.kind === 'pv') {
        const pv = findPvByUuid(vg, area.pvUuid);
        if (!pv) throw new Error(`Internal error: LV ${lv.name} refers to unknown PV ${area.pvUuid}`);
        run.pv = pv;
        run.byteOffset = pvByteOffset(vg, pv, area.pe);
      }
      runs.push(run);
    });
  }
  return runs;
}

/** A piece of an I/O inside one segment area: `length` bytes at `areaOffset` within area `areaIndex`. */
export interface AreaPiece {
  areaIndex: number;
  areaOffset: number;
  /** Offset of the piece in the caller's buffer. */
  bufOffset: number;
  length: number;
}

/**
 * Split `length` bytes at `segOffset` (bytes from the segment start) of a striped segment into
 * per-area pieces, dm-stripe style. A linear segment yields one piece.
 */
export function stripePieces(seg: LvSegment, segOffset: number, length: number, extentSize: number): AreaPiece[] {
  const stripes = seg.areas.length;
  if (stripes === 1) return [{ areaIndex: 0, areaOffset: segOffset, bufOffset: 0, length }];
  const chunk = seg.stripeSize * SECTOR;
  if (chunk <= 0) throw new Error(`Internal error: striped segment with ${stripes} areas has no stripe size`);
  if ((extentSize * SECTOR) % chunk !== 0) throw new Error('Internal error: extent size is not a multiple of the stripe size');
  const pieces: AreaPiece[] = [];
  let done = 0;
  while (done < length) {
    const off = segOffset + done;
    const chunkIdx = Math.floor(off / chunk);
    const inChunk = off - chunkIdx * chunk;
    const n = Math.min(chunk - inChunk, length - done);
    pieces.push({ areaIndex: chunkIdx % stripes, areaOffset: Math.floor(chunkIdx / stripes) * chunk + inChunk, bufOffset: done, length: n });
    done += n;
  }
  return pieces;
}

/** A segment-sized slice of an LV I/O. */
export interface SegmentSlice {
  segIndex: number;
  segOffset: number;
  bufOffset: number;
  length: number;
}

/** Split an LV byte range by segment (segments sorted by startLe, as LVM2 keeps them). */
export function segmentSlices(vg: VolumeGroup, lv: LogicalVolume, offset: number, length: number): SegmentSlice[] {
  const eb = extentBytes(vg);
  const segs = lv.segments;
  const slices: SegmentSlice[] = [];
  let i = findSegment(segs, Math.floor(offset / eb));
  let done = 0;
  while (done < length) {
    const seg = segs[i];
    if (!seg) throw new Error(`Internal error: offset ${offset + done} is beyond LV ${lv.name}`);
    const segStart = seg.startLe * eb;
    const segOffset = offset + done - segStart;
    const n = Math.min(seg.extentCount * eb - segOffset, length - done);
    slices.push({ segIndex: i, segOffset, bufOffset: done, length: n });
    done += n;
    i++;
  }
  return slices;
}

function findSegment(segs: readonly LvSegment[], le: number): number {
  let lo = 0;
  let hi = segs.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (segs[mid]!.startLe <= le) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Bytes of an LV on a PV: `length` bytes of the LV at `lvOffset` are at `byteOffset` on `pv`. */
export interface ByteRun {
  lvOffset: number;
  length: number;
  pv: PhysicalVolume;
  byteOffset: number;
}

/**
 * Where the LV bytes [offset, offset+length) live, following striped sub-LV areas down to PVs.
 * Mirror segments have several copies: map each image with this function instead.
 */
export function lvByteRuns(vg: VolumeGroup, lv: LogicalVolume, offset: number, length: number): ByteRun[] {
  const eb = extentBytes(vg);
  const runs: ByteRun[] = [];
  for (const s of segmentSlices(vg, lv, offset, length)) {
    const seg = lv.segments[s.segIndex]!;
    if (seg.type !== 'striped') throw new Error(`lvByteRuns: ${lv.name} has a ${seg.type} segment; map its images instead`);
    for (const p of stripePieces(seg, s.segOffset, s.length, vg.extentSize)) {
      const area = seg.areas[p.areaIndex]!;
      const lvOffset = offset + s.bufOffset + p.bufOffset;
      if (area.kind === 'pv') {
        const pv = findPvByUuid(vg, area.pvUuid);
        if (!pv) throw new Error(`Internal error: LV ${lv.name} refers to unknown PV ${area.pvUuid}`);
        runs.push({ lvOffset, length: p.length, pv, byteOffset: pvByteOffset(vg, pv, area.pe) + p.areaOffset });
      } else {
        const sub = findLv(vg, area.lvName);
        if (!sub) throw new Error(`Internal error: LV ${lv.name} refers to unknown LV ${area.lvName}`);
        for (const r of lvByteRuns(vg, sub, area.le * eb + p.areaOffset, p.length)) {
          runs.push({ ...r, lvOffset: lvOffset + (r.lvOffset - (area.le * eb + p.areaOffset)) });
        }
      }
    }
  }
  return runs;
}
