// After the source host lost power (or crashed), not a process: writes that were never made durable
// (no flush since) are gone from the LV and from the journal, but the shipper may have sent them
// already (DRBD's protocol A ships before the local disk has the bytes; a journal record, or the
// LV's bytes a by-reference record names, are read from the page cache). The replica can then hold
// writes the source does not: it is no longer a prefix of what the source's history becomes. The
// journal cannot say which (its own tail may be lost, or hold a hole), so every replica that was in
// the journal is dropped to its bitmap with the regions of the activity log's extents marked
// (activity-log.ts: every extent written since the source and the replicas were last all caught up;
// a member whose log is not in force, all its regions): a resync of those from the source,
// `inconsistent` meanwhile, as DRBD resyncs what its activity log names after a primary crash.
// A kill -9 of processes loses nothing (the page cache stays), so the
// check is of the host's boot: the boot id last seen by a writer of the group, kept beside its maps.
// Replicas in bitmap or split mode need nothing: their region maps are made durable before each write.
// A clean stop is told apart: the shipper stopping cleanly (SIGTERM, `tsvm replica stop`, a shutdown)
// makes everything written so far durable and leaves a mark with the boot and the journal's head; a
// boot that finds the mark, with the head where the mark says, lost nothing, and the replicas stay
// in the journal. The first write after the mark removes it (durably, before the write), so a mark
// is only ever found when nothing was written since it.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { regionMapPath, replDir, type Group } from './config.js';
import { Mode } from './journal-format.js';
import type { Journal } from './journal.js';
import { markAll, markList } from './region-map.js';
import { AL_EXTENT, activeExtents } from './activity-log.js';
import { replaceFileDurably, syncDir } from '../store/durable-file.js';

export const HOST_RESTARTED = 'source host restarted: unflushed writes may be lost';

/** This boot of the host (TSVM_BOOT_ID stands for another boot in tests); null when unknown. */
export function bootId(): string | null {
  if (process.env.TSVM_BOOT_ID) return process.env.TSVM_BOOT_ID;
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return null;
  }
}

/**
 * Call with the group lock held, before the first write of a process. Returns the slots dropped
 * to a full resync (none when the group was last written in this boot, or never before).
 */
export function checkHostRestart(systemDir: string, journal: Journal, group: Group): number[] {
  const now = bootId();
  if (!now) return [];
  const file = join(replDir(systemDir), group.uuid, 'boot');
  let last: string | null = null;
  try {
    last = readFileSync(file, 'utf8').trim();
  } catch {
    /* first use (or a group from before this check): nothing to compare with */
  }
  const clean = readCleanMark(systemDir, group);
  if (last === now) {
    if (clean) dropCleanMark(systemDir, group);
    return [];
  }
  const dropped: number[] = [];
  const head = last !== null && clean ? journal.currentHead() : null;
  const stoppedClean = !!clean && !!head && clean.boot === last && clean.seq === head.nextSeq && clean.pos === head.nextPos;
  if (last !== null && !stoppedClean) {
    // What may differ: the extents of the activity log (every write since the source and the
    // replicas were last all caught up); a member whose log is not in force, all of it.
    const active = group.members.map((_, i) => activeExtents(systemDir, group, i));
    for (const r of group.replicas) {
      const m = journal.mode(r.slot);
      if (m.mode !== Mode.Journal) continue;
      for (const [i, mem] of group.members.entries()) {
        const extents = active[i];
        if (!extents) markAll(systemDir, group, r.slot, i, mem.size);
        // The regions of every marked extent, in one durable write of the map.
        const regions = new Set<number>();
        for (const e of extents ?? []) {
          const end = Math.min((e + 1) * AL_EXTENT, mem.size);
          for (let x = Math.floor((e * AL_EXTENT) / group.regionSize); x * group.regionSize < end; x++) regions.add(x);
        }
        if (regions.size) markList(regionMapPath(systemDir, group, r.slot, i), [...regions].sort((a, b) => a - b));
      }
      journal.writeMode(r.slot, { ...m, mode: Mode.Bitmap, reason: HOST_RESTARTED });
      dropped.push(r.slot);
    }
    journal.flush();
  }
  replaceFileDurably(file, `${now}\n`);
  if (clean) dropCleanMark(systemDir, group);
  return dropped;
}

function cleanPath(systemDir: string, group: Group): string {
  return join(replDir(systemDir), group.uuid, 'clean');
}

/** The mark of a clean stop: the boot it was made in and the journal's head then. */
interface CleanMark {
  boot: string;
  seq: number;
  pos: number;
}

function readCleanMark(systemDir: string, group: Group): CleanMark | null {
  try {
    // "BOOT SEQ POS" (the boot id last: TSVM_BOOT_ID may hold spaces)
    const m = /^(\S+) (\S+) (.+)$/.exec(readFileSync(cleanPath(systemDir, group), 'utf8').trim());
    const [seq, pos] = [Number(m?.[1]), Number(m?.[2])];
    return m && Number.isSafeInteger(seq) && Number.isSafeInteger(pos) ? { boot: m[3]!, seq, pos } : null;
  } catch {
    return null;
  }
}

/** A write is about to follow the mark: gone for good first (a power loss must not bring it back). */
function dropCleanMark(systemDir: string, group: Group): void {
  rmSync(cleanPath(systemDir, group), { force: true });
  syncDir(join(replDir(systemDir), group.uuid));
}

/**
 * The shipper's clean stop, with the group lock held, once every PV image under the journal and
 * the members is flushed (the caller's part): nothing written so far can be lost, so a boot that
 * finds the head still here has no reason to resync.
 */
export function markCleanStop(systemDir: string, journal: Journal, group: Group): void {
  const now = bootId();
  if (!now) return;
  const head = journal.currentHead();
  replaceFileDurably(cleanPath(systemDir, group), `${head.nextSeq} ${head.nextPos} ${now}\n`);
}
