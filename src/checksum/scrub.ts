// `lvchange --syncaction check|repair` with checksums (issue 11): which legs are wrong in a region,
// block by block, and the repair that rewrites only the bad copies from a copy whose checksum is right.
// dm-raid (md's check/repair) can only see that legs differ and copies the primary over the others;
// here a leg is bad in a block when its checksum differs from the recorded one, and only for a block with
// no checksum recorded does the primary decide (dm-raid's rule). A block no leg holds correctly is left
// as it is: nothing "repairs" it with a wrong copy.
import type { ChecksumGuard, GuardLeg } from './guard.js';

export interface BlockFinding {
  /** Block index inside the region. */
  index: number;
  /** Indexes (into the legs given) of the copies judged wrong. */
  bad: number[];
  /** The copy to repair from: one whose checksum matches, or the primary (0) for an unrecorded block; null: none is right. */
  source: number | null;
  /** No checksum was recorded for this block (judged by comparing the legs). */
  unrecorded: boolean;
}

export interface RegionFinding {
  region: number;
  /** Every leg wrong in some block of the region. */
  badLegs: number[];
  blocks: BlockFinding[];
  /** Blocks no leg holds correctly. */
  lost: number;
}

/**
 * Judge region r from `copies[k]`, the region's bytes on legs[k] (LV lock held). Blocks with no checksum
 * whose copies all agree get one recorded (`learn`, for check and repair alike).
 */
export function judgeRegion(guard: ChecksumGuard, r: number, copies: Buffer[], learn = true): RegionFinding {
  const B = guard.blockBytes;
  const rec = guard.table.reload(r);
  const blocks: BlockFinding[] = [];
  const badLegs = new Set<number>();
  let lost = 0;
  const len = copies[0]?.length ?? 0;
  let learned: Uint32Array | null = null;
  const sums = copies.map((c) => guard.sumsOf(c).slice());
  for (let i = 0; i * B < len; i++) {
    const at = (c: Buffer) => c.subarray(i * B, Math.min(len, (i + 1) * B));
    const e = rec[i]!;
    let f: BlockFinding;
    if (e) {
      const crcs = sums.map((x) => x[i]!);
      const bad = crcs.flatMap((c, k) => (c === e ? [] : [k]));
      if (!bad.length) continue;
      const src = crcs.findIndex((c) => c === e);
      f = { index: i, bad, source: src < 0 ? null : src, unrecorded: false };
      if (src < 0) lost++;
    } else {
      const first = at(copies[0]!);
      const bad = copies.flatMap((c, k) => (k > 0 && !at(c).equals(first) ? [k] : []));
      if (!bad.length) {
        if (learn) (learned ??= guard.table.forUpdate(r))[i] = sums[0]![i]!;
        continue;
      }
      f = { index: i, bad, source: 0, unrecorded: true };
    }
    for (const k of f.bad) badLegs.add(k);
    blocks.push(f);
  }
  return { region: r, badLegs: [...badLegs].sort((a, b) => a - b), blocks, lost };
}

/**
 * Rewrite the bad copies of region r found by judgeRegion, each block from its source (LV lock
 * held; the caller marks the region dirty first and clean after persist). An unrecorded block
 * repaired from the primary gets the primary's checksum. Returns the bytes written.
 */
export function repairRegion(guard: ChecksumGuard, finding: RegionFinding, copies: Buffer[], legs: GuardLeg[]): number {
  const B = guard.blockBytes;
  const base = finding.region * guard.table.geometry.regionBytes;
  let bytes = 0;
  let rec: Uint32Array | null = null;
  for (const f of finding.blocks) {
    if (f.source === null) continue;
    const src = copies[f.source]!;
    const data = src.subarray(f.index * B, Math.min(src.length, (f.index + 1) * B));
    guard.rewrite(f.bad.map((k) => legs[k]!), data, base + f.index * B);
    bytes += data.length * f.bad.length;
    if (f.unrecorded) (rec ??= guard.table.forUpdate(finding.region))[f.index] = guard.sumOf(data);
  }
  return bytes;
}
