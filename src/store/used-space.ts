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

/**
 * The index of the version whose LV texts are `after`, from `space` (that of `before`); null when
 * an area to take out is not in it (it was not the index of `before`).
 */
export function usedSpaceAfter(space: UsedSpace, before: readonly string[], after: readonly string[]): UsedSpace | null {
  if (space.lvCount !== before.length) return null;
  const { removed, added } = changedTexts(before, after);
  // The areas out and in, per PV, then one pass over each PV's pairs (lvremove of every LV of a
  // VG removes 10,000 areas: one array copy each would be quadratic).
  const out = new Map<string, number[]>();
  const into = new Map<string, number[]>();
  const collect = (to: Map<string, number[]>) => (pv: string, pe: number, len: number) => {
    let list = to.get(pv);
    if (!list) to.set(pv, (list = []));
    list.push(pe, len);
  };
  for (const text of removed) forEachPvArea(unreadLv(text), collect(out));
  for (const text of added) forEachPvArea(unreadLv(text), collect(into));
  const byPv = new Map(space.byPv);
  for (const pv of new Set([...out.keys(), ...into.keys()])) {
    const merged = mergePairs(byPv.get(pv) ?? new Uint32Array(0), sortPairs(out.get(pv) ?? []), sortPairs(into.get(pv) ?? []));
    if (!merged) return null;
    if (merged.length) byPv.set(pv, merged);
    else byPv.delete(pv);
  }
  return { lvCount: after.length, byPv };
}

/** (a, b) < (c, d) in the pairs' order: by PE, then by extents. */
function pairBefore(pe: number, len: number, pe2: number, len2: number): boolean {
  return pe < pe2 || (pe === pe2 && len < len2);
}

/**
 * The sorted pairs `have` less `out` plus `into` (both sorted), in one pass; null when a pair of
 * `out` is not in `have`.
 */
function mergePairs(have: Uint32Array, out: Uint32Array, into: Uint32Array): Uint32Array | null {
  const res = new Uint32Array(have.length - out.length + into.length);
  let h = 0;
  let o = 0;
  let i = 0;
  let r = 0;
  while (h < have.length || i < into.length) {
    const takeInto = i < into.length && (h >= have.length || pairBefore(into[i]!, into[i + 1]!, have[h]!, have[h + 1]!));
    if (takeInto) {
      res[r++] = into[i]!;
      res[r++] = into[i + 1]!;
      i += 2;
      continue;
    }
    if (o < out.length && have[h] === out[o] && have[h + 1] === out[o + 1]) {
      o += 2;
      h += 2;
      continue;
    }
    // a pair to take out that `have` has passed is not in it
    if (o < out.length && pairBefore(out[o]!, out[o + 1]!, have[h]!, have[h + 1]!)) return null;
    if (r >= res.length) return null;
    res[r++] = have[h]!;
    res[r++] = have[h + 1]!;
    h += 2;
  }
  return o === out.length && r === res.length ? res : null;
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
    if (sp <= 0 || !Number.isInteger(count) || count < 0 || at + 8 * count > bytes.length) return null;
    const pairs = new Uint32Array(2 * count);
    if (LITTLE_ENDIAN) new Uint8Array(pairs.buffer).set(bytes.subarray(at, at + pairs.byteLength));
    else for (let i = 0; i < pairs.length; i++) pairs[i] = bytes.readUInt32LE(at + 4 * i);
    at += pairs.byteLength;
    byPv.set(line.slice(0, sp), pairs);
  }
  return at === bytes.length ? { lvCount: Number(m[1]), byPv } : null;
}
