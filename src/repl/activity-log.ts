// The activity log of a replication group (DRBD's activity log, md's write-intent bitmap): per member
// LV, the extents that may have been written since everything written before was durable on the
// source and applied to every replica in the journal. After a power loss of the source host those
// extents are all that can differ between the source and a replica in the journal (host-restart.ts:
// writes the source lost may have been shipped already, and writes it kept may be missing from its
// journal), so they, not the whole LV, are resynced.
//  - A writer marks an extent durably before its first write there (journal-writer.ts), and remembers
//    it for the log's generation: one fdatasync of this small file per new extent, not per write.
//  - The shipper, idle with every replica in the journal caught up, flushes the members' PV images
//    and starts a new generation with no extent marked (clearActivityLog), under the group lock;
//    a writer taking the lock again reads the generation and forgets what it marked before.
//  - No file: the log is not in force for that member (a group from before it, or not yet cleared
//    once): a power loss resyncs that member in full, as before. Only the shipper's clear, which
//    comes after everything before it is durable and shipped, makes the file.
// The file: a 32-byte text header "tsvm-al GEN" (space-padded), then one byte per extent (1: marked).
import { closeSync, openSync, readSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { replDir, type Group } from './config.js';
import { setBytes, writeMarks } from './region-map.js';
import { replaceFileDurably } from '../store/durable-file.js';

/** Bytes of an extent: DRBD's activity-log extents are 4 MiB too. */
export const AL_EXTENT = 4 * 1024 * 1024;
/**
 * Extents marked ahead of a write that continues the one before it (a stream): one fdatasync per
 * 64 MiB of a sequential writer instead of per 4 MiB (256 MiB bs=1M conv=fsync with a replica, paired
 * with the build before the log, was ~1.15x with one mark per extent). A random writer marks only
 * what it writes, so that a power loss resyncs little more than it wrote.
 */
const AHEAD = 15;
const HEADER = 32;

export function activityLogPath(systemDir: string, group: Group, member: number): string {
  return join(replDir(systemDir), group.uuid, `active-${member}`);
}

function parseGeneration(b: Buffer): number | null {
  const m = /^tsvm-al (\d+) *$/.exec(b.toString('latin1', 0, HEADER));
  return m ? Number(m[1]) : null;
}

/** The generation of a member's log, or null when it is not in force (no file, or not one of ours). */
export function alGeneration(systemDir: string, group: Group, member: number): number | null {
  let fd: number;
  try {
    fd = openSync(activityLogPath(systemDir, group, member), 'r');
  } catch {
    return null;
  }
  try {
    const b = Buffer.alloc(HEADER);
    return readSync(fd, b, 0, HEADER, 0) === HEADER ? parseGeneration(b) : null;
  } finally {
    closeSync(fd);
  }
}

/** The extents marked in a member's log; null when the log is not in force. */
export function activeExtents(systemDir: string, group: Group, member: number): number[] | null {
  let b: Buffer;
  try {
    b = readFileSync(activityLogPath(systemDir, group, member));
  } catch {
    return null;
  }
  if (b.length < HEADER || parseGeneration(b) === null) return null;
  return setBytes(b, HEADER);
}

/**
 * A new generation with nothing marked, for every member (the shipper, under the group lock, once
 * every PV image under the members is flushed and every replica in the journal has applied it all).
 */
export function clearActivityLog(systemDir: string, group: Group): void {
  for (let i = 0; i < group.members.length; i++) {
    const gen = (alGeneration(systemDir, group, i) ?? 0) + 1;
    replaceFileDurably(activityLogPath(systemDir, group, i), `tsvm-al ${gen}`.padEnd(HEADER, ' '));
  }
}

/** A writer's view of the log: which extents it has marked, per member, in which generation. */
export class ActivityLog {
  private readonly members = new Map<number, { gen: number | null; marked: Set<number>; end: number }>();
  private fresh = false;

  constructor(private readonly systemDir: string, private readonly group: Group) {}

  /** The group lock was taken again: the shipper may have started a new generation meanwhile. */
  stale(): void {
    this.fresh = false;
  }

  /** Mark the extents of [offset, offset+length) of `member` (durably) that this generation lacks. Under the group lock. */
  mark(member: number, offset: number, length: number): void {
    if (!this.fresh) {
      for (const [i, m] of this.members) {
        const gen = alGeneration(this.systemDir, this.group, i);
        if (gen !== m.gen) this.members.set(i, { gen, marked: new Set(), end: m.end });
      }
      this.fresh = true;
    }
    let m = this.members.get(member);
    if (!m) this.members.set(member, (m = { gen: alGeneration(this.systemDir, this.group, member), marked: new Set(), end: -1 }));
    if (m.gen === null) return; // not in force (no file): a power loss resyncs this member in full
    const stream = offset === m.end;
    m.end = offset + length;
    const first = Math.floor(offset / AL_EXTENT);
    const last = Math.floor((offset + Math.max(length, 1) - 1) / AL_EXTENT);
    if (first === last && m.marked.has(first)) return;
    const todo: number[] = [];
    for (let e = first; e <= last; e++) if (!m.marked.has(e)) todo.push(e);
    if (!todo.length) return;
    if (stream) for (let e = last + 1; e <= last + AHEAD; e++) if (!m.marked.has(e)) todo.push(e);
    let fd: number;
    try {
      fd = openSync(activityLogPath(this.systemDir, this.group, member), 'r+');
    } catch {
      m.gen = null; // gone with its group (replica remove)
      return;
    }
    try {
      // Durable before the write it stands for: a power loss right after that write finds it here.
      writeMarks(fd, todo, HEADER);
    } finally {
      closeSync(fd);
    }
    for (const e of todo) m.marked.add(e);
  }
}
