// The extents a VG's LVs use on each PV in one committed version, kept beside the read cache's
// copy of that version (read-cache.ts: vg-<uuid>.<seqno>.used). LVM2 builds its PV maps
// (lib/metadata/pv_map.c) from the whole parsed metadata at every command; here, at 10,000 LVs,
// that walk over every LV's segments was the largest part of an lvcreate that reads no LV.
//   A commit that read one derives the next version's from the LVs whose JSON changed
// (metadata-store.ts): an LV's JSON holds its segments, so an LV with the same text uses the same
// extents, and only the others' areas are taken out and put in. Anything unexpected (an area to
// take out that is not there) drops the index; the next reader then walks the LVs as before.
import { endianness } from 'node:os';
import { forEachPvArea, unreadLv } from '../model/unread-lv.js';
import type { VolumeGroup } from '../model/types.js';
import type { PvExtentRun } from '../model/pv-map.js';
import type { LoadedVg } from './metadata-store.js';

/**
 * Every PV area of a version's LVs: per PV uuid, (pe, len) pairs sorted by pe, then len. A
 * multiset, as pv-map.ts vgUsedRuns counts them: areas that overlap (bad metadata) count twice.
 */
export interface UsedSpace {
  /** LVs of the version (a check that it is the version meant). */
  lvCount: number;
  byPv: Map<string, Uint32Array>;
}

/** The free space of the VG's PVs as pv-map.ts gives it: pvFreeRuns per PV, vgFreeExtents. */
export interface FreeSpace {
  runs: Map<string, PvExtentRun[]>;
  extents: number;
}

/** The index of a VG by walking its LVs' areas (what vgUsedRuns walks). */
export function usedSpaceOf(vg: VolumeGroup): UsedSpace {
  const lists = new Map<string, number[]>();
  for (const lv of vg.lvs) {
    forEachPvArea(lv, (pvUuid, pe, len) => {
      let pairs = lists.get(pvUuid);
      if (!pairs) lists.set(pvUuid, (pairs = []));
      pairs.push(pe, len);
    });
  }
  const byPv = new Map<string, Uint32Array>();
  for (const [pv, pairs] of lists) byPv.set(pv, sortPairs(pairs));
  return { lvCount: vg.lvs.length, byPv };
}

function sortPairs(pairs: number[]): Uint32Array {
  const order = Array.from({ length: pairs.length / 2 }, (_, i) => i);
  order.sort((a, b) => pairs[2 * a]! - pairs[2 * b]! || pairs[2 * a + 1]! - pairs[2 * b + 1]!);
  const out = new Uint32Array(pairs.length);
  order.forEach((from, i) => {
    out[2 * i] = pairs[2 * from]!;
    out[2 * i + 1] = pairs[2 * from + 1]!;
  });
  return out;
}

/**
 * The free space of the VG as read, for a command that has not changed the VG yet (lvcreate):
 * from the read cache's index of this version when there is one, else by walking the LVs (kept on
 * `loaded`: the commit derives the next version's index from it).
 */
export function freeSpaceAsRead(loaded: LoadedVg): FreeSpace {
  let space = loaded.usedSpace;
  if (!space || space.lvCount !== loaded.vg.lvs.length) {
    space = usedSpaceOf(loaded.vg);
    loaded.usedSpace = space;
  }
  return freeSpaceOf(space, loaded.vg);
}

/** pvFreeRuns of each PV of the VG and vgFreeExtents, from the index. */
export function freeSpaceOf(space: UsedSpace, vg: VolumeGroup): FreeSpace {
  const runs = new Map<string, PvExtentRun[]>();
  let extents = 0;
  for (const pv of vg.pvs) {
    const pairs = space.byPv.get(pv.uuid) ?? new Uint32Array(0);
    const free: PvExtentRun[] = [];
    let pos = 0;
    extents += pv.peCount;
    for (let i = 0; i < pairs.length; i += 2) {
      const start = pairs[i]!;
      const len = pairs[i + 1]!;
      if (start > pos) free.push({ start: pos, len: start - pos, lvName: null, le: 0 });
      pos = Math.max(pos, start + len);
      extents -= len;
    }
    if (pos < pv.peCount) free.push({ start: pos, len: pv.peCount - pos, lvName: null, le: 0 });
    runs.set(pv.uuid, free);
  }
  return { runs, extents };
}

/**
 * The LV texts of `before` that are not in `after` (removed or changed), and those of `after`
 * not in `before`: the common head and tail first (string identity for the lines a commit
 * reuses), then the rest as multisets.
 */
export function changedTexts(before: readonly string[], after: readonly string[]): { removed: string[]; added: string[] } {
  let head = 0;
  const max = Math.min(before.length, after.length);
  while (head < max && before[head] === after[head]) head++;
  let tail = 0;
  while (tail < max - head && before[before.length - 1 - tail] === after[after.length - 1 - tail]) tail++;
  const left = new Map<string, number>();
  for (let i = head; i < before.length - tail; i++) left.set(before[i]!, (left.get(before[i]!) ?? 0) + 1);
  const added: string[] = [];
  for (let i = head; i < after.length - tail; i++) {
    const n = left.get(after[i]!);
    if (n) left.set(after[i]!, n - 1);
    else added.push(after[i]!);
  }
  const removed: string[] = [];
  for (const [text, n] of left) for (let k = 0; k < n; k++) removed.push(text);
  return { removed, added };
}

/** The index of the first pair at or after (pe, len). */
function lowerBound(pairs: Uint32Array, pe: number, len: number): number {
  let lo = 0;
  let hi = pairs.length / 2;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const p = pairs[2 * mid]!;
    if (p < pe || (p === pe && pairs[2 * mid + 1]! < len)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The index of the version whose LV texts are `after`, from `space` (that of `before`); null when
 * an area to take out is not in it (it was not the index of `before`).
 */
export function usedSpaceAfter(space: UsedSpace, before: readonly string[], after: readonly string[]): UsedSpace | null {
  if (space.lvCount !== before.length) return null;
  const { removed, added } = changedTexts(before, after);
  const byPv = new Map(space.byPv);
  let lost = false;
  for (const text of removed) {
    forEachPvArea(unreadLv(text), (pv, pe, len) => {
      const pairs = byPv.get(pv) ?? new Uint32Array(0);
      const at = lowerBound(pairs, pe, len);
      if (pairs[2 * at] !== pe || pairs[2 * at + 1] !== len) {
        lost = true;
        return;
      }
      const out = new Uint32Array(pairs.length - 2);
      out.set(pairs.subarray(0, 2 * at));
      out.set(pairs.subarray(2 * at + 2), 2 * at);
      byPv.set(pv, out);
    });
    if (lost) return null;
  }
  for (const text of added) {
    forEachPvArea(unreadLv(text), (pv, pe, len) => {
      const pairs = byPv.get(pv) ?? new Uint32Array(0);
      const at = 2 * lowerBound(pairs, pe, len);
      const out = new Uint32Array(pairs.length + 2);
      out.set(pairs.subarray(0, at));
      out[at] = pe;
      out[at + 1] = len;
      out.set(pairs.subarray(at), at + 2);
      byPv.set(pv, out);
    });
  }
  for (const [pv, pairs] of byPv) if (!pairs.length) byPv.delete(pv);
  return { lvCount: after.length, byPv };
}

// The file: a first line "tsvm-used 1 LVCOUNT" and a line per PV "UUID PAIRS", then each PV's
// pairs in that order as little-endian 32-bit numbers (~80 KB at 10,000 LVs, read without parsing
// 20,000 numbers).
const MAGIC = 'tsvm-used 1';
const LITTLE_ENDIAN = endianness() === 'LE';

/** The index as its file holds it. */
export function encodeUsedSpace(space: UsedSpace): Buffer {
  const lines = [`${MAGIC} ${space.lvCount}`];
  let numbers = 0;
  for (const [pv, pairs] of space.byPv) {
    lines.push(`${pv} ${pairs.length / 2}`);
    numbers += pairs.length;
  }
  const head = Buffer.from(lines.join('\n') + '\n\n', 'latin1');
  const out = Buffer.alloc(head.length + 4 * numbers);
  head.copy(out);
  let at = head.length;
  for (const pairs of space.byPv.values()) {
    // (a copy of the array's bytes where the machine is little-endian: a call a number is slow in a short-lived process)
    if (LITTLE_ENDIAN) out.set(new Uint8Array(pairs.buffer, pairs.byteOffset, pairs.byteLength), at);
    else for (let i = 0; i < pairs.length; i++) out.writeUInt32LE(pairs[i]!, at + 4 * i);
    at += pairs.byteLength;
  }
  return out;
}

/** The index from its file's bytes; null if they are not one. */
export function decodeUsedSpace(bytes: Buffer): UsedSpace | null {
  const end = bytes.indexOf('\n\n');
  if (end < 0) return null;
  const [first, ...pvLines] = bytes.toString('latin1', 0, end).split('\n');
  const m = /^tsvm-used 1 (\d+)$/.exec(first!);
  if (!m) return null;
  const byPv = new Map<string, Uint32Array>();
  let at = end + 2;
  for (const line of pvLines) {
    const sp = line.lastIndexOf(' ');
    const count = Number(line.slice(sp + 1));
    if (sp <= 0 || !Number.isInteger(count) || at + 8 * count > bytes.length) return null;
    const pairs = new Uint32Array(2 * count);
    if (LITTLE_ENDIAN) new Uint8Array(pairs.buffer).set(bytes.subarray(at, at + pairs.byteLength));
    else for (let i = 0; i < pairs.length; i++) pairs[i] = bytes.readUInt32LE(at + 4 * i);
    at += pairs.byteLength;
    byPv.set(line.slice(0, sp), pairs);
  }
  return at === bytes.length ? { lvCount: Number(m[1]), byPv } : null;
}
