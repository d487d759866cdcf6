// A replica split from its source (failover, DRBD's split brain handled by hand): from then on each
// side only marks the regions it writes in its region map (Mode.Split) and nothing is shipped. On the
// side that was the source, whatever the far side had not applied yet counts as written here too:
// the journal records past the replica's applied position and a resync map that was being copied.
// The maps of both sides, united, are what a failback recopies (failback.ts).
import { closeSync, existsSync, fdatasyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { IoEnv } from '../lv-io/index.js';
import type { Db } from '../store/db.js';
import { sharedLocks } from '../store/locks.js';
import { groupLockName, loadGroups, regionMapPath, updateGroups, type Group } from './config.js';
import { Journal } from './journal.js';
import { Mode, isWrite } from './journal-format.js';
import { recoverPending, openMemberWriter } from './recovery.js';
import { markRegions, markedRegions, returnResyncMap } from './region-map.js';

/**
 * Put replica `slot` of `group` in Mode.Split (call with the group lock held): unshipped records and
 * an unfinished resync are marked in its region maps first. Returns false when it already was.
 */
export function splitReplica(systemDir: string, journal: Journal, group: Group, slot: number, reason: string): boolean {
  const m = journal.mode(slot);
  if (m.mode === Mode.Split) return false;
  if (m.mode === Mode.Journal) {
    const h = journal.currentHead();
    const applied = journal.applied(slot);
    for (let pos = applied.nextPos, seq = applied.nextSeq; seq < h.nextSeq;) {
      const rec = journal.recordAt(pos, seq);
      if (!rec) break;
      if (isWrite(rec.kind)) markRegions(systemDir, group, slot, rec.member, rec.offset, rec.length);
      pos += rec.span;
      seq++;
    }
  }
  for (let i = 0; i < group.members.length; i++) returnResyncMap(systemDir, group, slot, i);
  journal.writeMode(slot, { mode: Mode.Split, epoch: m.epoch, consistentAt: 0, resyncing: false, reason });
  journal.flush();
  return true;
}

/**
 * Split replica `slot` of `group` (journal first), then say so in the group's config, both under the
 * group lock; `fence`: the far side was found promoted, this side's writers are fenced (fence.ts).
 * The config changes under the lock because the fence must be ordered with the writes: a writer
 * takes the lock again (its lease was given up to this queued process) and reads the config afresh,
 * so every write ordered after the split is refused; set after the unlock, a writer could take the
 * lock in between and have a write acknowledged on a side whose replica is already promoted.
 * (Lock order: a group lock, then R_groups, as `replica add` does.)
 */
export function splitGroupReplica(env: IoEnv, db: Db, group: Group, slot: number, reason: string, fence = false): void {
  const locks = sharedLocks(env.systemDir);
  const journal = Journal.open(env, db, group);
  locks.lock(groupLockName(group));
  try {
    // A writer killed between its record and its local write is mended first (a split side is
    // not written by the shipper's idle recovery any more).
    recoverPending(journal, (i) => openMemberWriter(env, db, group, i));
    splitReplica(env.systemDir, journal, group, slot, reason);
    updateGroups(env.systemDir, (gs) => {
      const g = gs.find((x) => x.uuid === group.uuid);
      const r = g?.replicas.find((x) => x.slot === slot);
      if (r && !r.split) r.split = { at: Date.now(), reason };
      if (g && r && fence && !g.fenced && g.role !== 'replica') g.fenced = { at: Date.now(), by: r.targets };
    });
  } finally {
    locks.unlock(groupLockName(group));
    journal.close();
  }
}

/**
 * The replica whose region maps are the split maps (what a failback reads and recopies): a demoted
 * group's one replica (demote keeps only the promoted one), else the source's split replica.
 */
export function splitSlot(group: Group): number | undefined {
  if (group.role === 'replica') return group.replicas[0]?.slot;
  return group.replicas.find((r) => r.split)?.slot;
}

/** Regions marked in the split map of member `member`. */
export function splitRegions(systemDir: string, group: Group, member: number, slot = splitSlot(group) ?? 0): number[] {
  return markedRegions(regionMapPath(systemDir, group, slot, member));
}

/** Bytes the given regions cover in an LV of `size` bytes (the last region may be short). */
export function regionBytes(regions: number[], regionSize: number, size: number): number {
  let n = 0;
  for (const r of regions) n += Math.max(0, Math.min(regionSize, size - r * regionSize));
  return n;
}

/**
 * The split map of an LV, as its NBD server serves it to a failback (`VG/LV:split-map`): only for a
 * member of a demoted group, or of a group whose replica is split. One byte per region of the LV.
 */
export function readSplitMap(systemDir: string, lvUuid: string): { regionSize: number; map: Buffer } | null {
  const group = loadGroups(systemDir).find((g) => g.members.some((m) => m.lvUuid === lvUuid));
  const slot = group ? splitSlot(group) : undefined;
  if (!group || slot === undefined) return null;
  const index = group.members.findIndex((m) => m.lvUuid === lvUuid);
  const regions = Math.ceil(group.members[index]!.size / group.regionSize);
  const map = Buffer.alloc(regions);
  const file = regionMapPath(systemDir, group, slot, index);
  if (existsSync(file)) readFileSync(file).subarray(0, regions).copy(map);
  const clear = (first: number, count: number) => clearRegions(file, first, count);
  return { regionSize: group.regionSize, map, ...(group.role === 'replica' ? { clear } : {}) };
}

/** Zero regions [first, first+count) of a map file (made durable). */
function clearRegions(file: string, first: number, count: number): void {
  if (!existsSync(file) || count <= 0) return;
  const fd = openSync(file, 'r+');
  try {
    writeSync(fd, Buffer.alloc(count), 0, count, first);
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
