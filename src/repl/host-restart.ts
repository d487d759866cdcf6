// After the source host lost power (or crashed), not a process: writes that were never made durable
// (no flush since) are gone from the LV and from the journal, but the shipper may have sent them
// already (DRBD's protocol A ships before the local disk has the bytes; a journal record, or the
// LV's bytes a by-reference record names, are read from the page cache). The replica can then hold
// writes the source does not: it is no longer a prefix of what the source's history becomes. The
// journal cannot say which (its own tail may be lost, or hold a hole), so every replica that was in
// the journal is dropped to its bitmap with every region marked: a full resync from the source,
// `inconsistent` meanwhile (DRBD resyncs what its activity log names after a primary crash; without
// one, all of it, as here). A kill -9 of processes loses nothing (the page cache stays), so the
// check is of the host's boot: the boot id last seen by a writer of the group, kept beside its maps.
// Replicas in bitmap or split mode need nothing: their region maps are made durable before each write.
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { replDir, type Group } from './config.js';
import { Mode } from './journal-format.js';
import type { Journal } from './journal.js';
import { markAll } from './region-map.js';

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
  if (last === now) return [];
  const dropped: number[] = [];
  if (last !== null) {
    for (const r of group.replicas) {
      const m = journal.mode(r.slot);
      if (m.mode !== Mode.Journal) continue;
      for (const [i, mem] of group.members.entries()) markAll(systemDir, group, r.slot, i, mem.size);
      journal.writeMode(r.slot, { ...m, mode: Mode.Bitmap, reason: HOST_RESTARTED });
      dropped.push(r.slot);
    }
    journal.flush();
  }
  mkdirSync(join(replDir(systemDir), group.uuid), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, `${now}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  return dropped;
}
