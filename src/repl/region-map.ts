// A replica's region bitmap while it is out of the journal (journal full, RPO policy, initial copy):
// one byte per region of a member LV in a file under $TSVM_SYSTEM_DIR/repl/GROUP/ (DRBD's
// quick-sync bitmap, md's write-intent bitmap). Set (and made durable) before the local write; the
// resync renames the file aside (.resync) and copies what it names, so a kill -9 during the copy
// loses nothing. After a failover the same map holds what each side wrote since the split.
import { closeSync, existsSync, fdatasyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { regionMapPath, type Group } from './config.js';

/** Mark the regions of [offset, offset+length) of a member. `seen` skips regions already marked. */
export function markRegions(systemDir: string, group: Group, slot: number, member: number, offset: number, length: number, seen?: Set<number>): void {
  const first = Math.floor(offset / group.regionSize);
  const last = Math.floor((offset + Math.max(length, 1) - 1) / group.regionSize);
  let todo = [];
  for (let r = first; r <= last; r++) if (!seen?.has(r)) todo.push(r);
  if (!todo.length) return;
  const file = regionMapPath(systemDir, group, slot, member);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const fd = openSync(file, existsSync(file) ? 'r+' : 'w+', 0o600);
  try {
    // Durable before the write it stands for (md's write-intent bitmap): a crash loses no mark.
    writeMarks(fd, todo);
  } finally {
    closeSync(fd);
  }
  for (const r of todo) seen?.add(r);
  todo = [];
}

/**
 * Set byte `base + i` of an open map file for each i of `sorted` (ascending), runs of consecutive
 * ones in one write each, then fdatasync (the activity log's file uses it too).
 */
export function writeMarks(fd: number, sorted: number[], base = 0): void {
  const ones = Buffer.alloc(sorted.length, 1);
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    writeSync(fd, ones, 0, j - i + 1, base + sorted[i]!);
    i = j + 1;
  }
  fdatasyncSync(fd);
}

/** Indexes of the non-zero bytes of `b` from `base` on (counted from there). */
export function setBytes(b: Buffer, base = 0): number[] {
  const out: number[] = [];
  for (let i = base; i < b.length; i++) if (b[i]) out.push(i - base);
  return out;
}

/** Mark every region of a member (initial copy, full resync). */
export function markAll(systemDir: string, group: Group, slot: number, member: number, size: number): void {
  markRegions(systemDir, group, slot, member, 0, size);
}

/** Regions marked in a map file (live or the one being resynced). */
export function markedRegions(file: string): number[] {
  if (!existsSync(file)) return [];
  return setBytes(readFileSync(file));
}

/** Merge the live map into the resync map (renamed aside when none is there yet). */
export function takeForResync(systemDir: string, group: Group, slot: number, member: number): void {
  const live = regionMapPath(systemDir, group, slot, member);
  const aside = regionMapPath(systemDir, group, slot, member, true);
  if (!existsSync(live)) return;
  if (!existsSync(aside)) return renameSync(live, aside);
  const regions = markedRegions(live);
  const fd = openSync(aside, 'r+');
  try {
    for (const r of regions) writeSync(fd, Buffer.of(1), 0, 1, r);
  } finally {
    closeSync(fd);
  }
  rmSync(live, { force: true });
}

export function dropResyncMap(systemDir: string, group: Group, slot: number, member: number): void {
  rmSync(regionMapPath(systemDir, group, slot, member, true), { force: true });
}

/** Put a resync map that was being copied back into the live map (the copy stops: a split). */
export function returnResyncMap(systemDir: string, group: Group, slot: number, member: number): void {
  const aside = regionMapPath(systemDir, group, slot, member, true);
  if (!existsSync(aside)) return;
  const regions = markedRegions(aside);
  if (regions.length) markList(regionMapPath(systemDir, group, slot, member), regions);
  rmSync(aside, { force: true });
}

/** Mark a list of regions (ascending) in a map file (made durable). */
export function markList(file: string, regions: number[]): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const fd = openSync(file, existsSync(file) ? 'r+' : 'w+', 0o600);
  try {
    writeMarks(fd, regions);
  } finally {
    closeSync(fd);
  }
}
