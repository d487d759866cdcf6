// Resynchronisation (dm-raid1's recovery + kcopyd): every region the log has out of sync is copied
// from the primary leg to the other live legs, in batches; after each batch the legs are flushed and
// the batch is marked in sync in the log, so an interrupted resync (Ctrl-C, kill -9) resumes where it
// stopped. Regions never written need no copy (see region-log.ts). The same loop recovers after a
// crash: regions left marked out of sync by a killed writer are recopied from the primary.
// A written region whose only live legs are legs not yet copied (mirror-device.ts) has no valid
// source: it is left out of sync ("stuck"), and the resync is then not complete. When a resync
// completes, the mirror's not-yet-copied legs are copied: their record is dropped.
import { getBit } from './log-format.js';
import type { MirrorDevice } from './mirror-device.js';
import { clearNewLegs, withLvLock, withLvLockAsync } from './state.js';

export interface SyncProgress {
  /** Regions in sync in the mirror being reported (the top level). */
  inSync: number;
  total: number;
}

export interface SyncStats {
  /** Bytes written to legs by the copy. */
  copiedBytes: number;
  /** Regions that were out of sync and are now in sync. */
  regionsSynced: number;
  /** Of those, regions whose data had to be read and compared or copied. */
  regionsCopied: number;
  /** Regions left out of sync because no live leg holds valid data for them. */
  stuck: number;
  complete: boolean;
}

export interface SyncOptions {
  /**
   * Bytes copied per lock hold / log update, i.e. the resume granularity after a kill. Default: a
   * quarter of the mirror, between 16 and 256 MiB (each batch ends with an fdatasync of the legs).
   */
  batchBytes?: number;
  onProgress?: (p: SyncProgress) => void;
  /** Checked between batches: stop early (the log keeps what was done). */
  shouldStop?: () => boolean;
  /**
   * Only regions r0..r1, in one sweep without wrapping round for regions dirtied behind the cursor
   * (pvmove copies its mirror segment by segment and decides itself when a segment is done).
   */
  range?: [number, number];
  /**
   * A recovery-rate limit (raid1 --maxrecoveryrate, src/raid/recovery-rate.ts): called with the
   * bytes copied per device after each batch, outside the LV lock; batches are then one region.
   */
  throttle?: (bytesPerDevice: number) => Promise<void>;
  /**
   * raid1, as md: called before each batch, outside the LV lock; waits while other I/O wants the
   * LV unless the resync is below its minimum rate (src/raid/recovery-rate.ts), and resolves true
   * when other I/O is still there (the batch is then one region, so it is not held up long).
   */
  yieldToIo?: () => Promise<boolean>;
  /** Told the bytes per device each batch copied (when there is no throttle to tell). */
  copied?: (bytesPerDevice: number) => void;
}

/** Sync the mirror and every mirror layer below it (deepest first). */
export async function resyncTree(top: MirrorDevice, opts: SyncOptions = {}): Promise<SyncStats> {
  const total: SyncStats = { copiedBytes: 0, regionsSynced: 0, regionsCopied: 0, stuck: 0, complete: true };
  for (const m of [...top.subMirrors(), top]) {
    const s = await resyncOne(m, m === top ? opts : { ...opts, onProgress: undefined });
    total.copiedBytes += s.copiedBytes;
    total.regionsSynced += s.regionsSynced;
    total.regionsCopied += s.regionsCopied;
    total.stuck += s.stuck;
    if (!s.complete) {
      total.complete = false;
      break;
    }
  }
  return total;
}

/**
 * Bytes copied before the legs are flushed and the regions marked in sync. Within one lock hold
 * (a batch), the copy of the next part overlaps the flush of the previous one (flushLegsAsync, on
 * libuv's threads): the disk writes back one part while the next is read and written.
 */
const PART_BYTES = 64 * 1024 * 1024;

export async function resyncOne(m: MirrorDevice, opts: SyncOptions = {}): Promise<SyncStats> {
  const stats: SyncStats = { copiedBytes: 0, regionsSynced: 0, regionsCopied: 0, stuck: 0, complete: false };
  const log = m.log;
  const stuck = new Set<number>();
  if (!log) {
    stats.complete = true;
    return stats;
  }
  const MiB = 1024 * 1024;
  const dflt = Math.min(256 * MiB, Math.max(16 * MiB, m.size() / 4));
  const fullBatch = opts.throttle ? 1 : Math.max(1, Math.floor((opts.batchBytes ?? dflt) / m.regionBytes));
  const perPart = Math.max(1, Math.floor(PART_BYTES / m.regionBytes));
  const lo = opts.range ? Math.max(0, opts.range[0]) : 0;
  const hi = opts.range ? Math.min(m.nrRegions, opts.range[1] + 1) : m.nrRegions;
  const passes = opts.range ? 1 : 2;
  let cursor = lo;
  for (;;) {
    if (opts.shouldStop?.()) return stats;
    const perBatch = (await opts.yieldToIo?.()) ? 1 : fullBatch;
    if (opts.shouldStop?.()) return stats;
    const copiedBefore = stats.regionsCopied;
    // The whole batch (copies, flushes, log updates) under the LV lock: no write interleaves between
    // a region's copy and its being marked in sync.
    const done = await withLvLockAsync(m.env.systemDir, m.lv.uuid, async () => {
      const sync = log.readAll('sync');
      const written = log.readAll('written');
      const batch: number[] = [];
      // Continue after the last batch, then wrap around for regions dirtied behind the cursor.
      for (let pass = 0; pass < passes && batch.length === 0; pass++) {
        for (let r = pass === 0 ? cursor : lo; r < hi && batch.length < perBatch; r++) {
          if (!getBit(sync, r) && !stuck.has(r)) batch.push(r);
        }
      }
      if (!batch.length) return true;
      // Record the coming copies in the written maps once per run of regions, not region by region.
      for (let i = 0; i < batch.length; i++) {
        if (!getBit(written, batch[i]!)) continue;
        let j = i;
        while (j + 1 < batch.length && batch[j + 1] === batch[j]! + 1 && getBit(written, batch[j + 1]!)) j++;
        m.willCopy(batch[i]!, batch[j]!);
        i = j;
      }
      let pending: { flushed: Promise<void>; synced: number[] } | null = null;
      const markSynced = async (p: { flushed: Promise<void>; synced: number[] }) => {
        await p.flushed;
        // The CRCs of what was copied (checksums.ts) reach the table before the regions are in sync.
        m.checksums?.persist();
        log.update('sync', new Map(p.synced.map((r) => [r, true])), true);
        stats.regionsSynced += p.synced.length;
      };
      for (let i = 0; i < batch.length; i += perPart) {
        let touched = false;
        const synced: number[] = [];
        for (const r of batch.slice(i, i + perPart)) {
          if (getBit(written, r)) {
            const n = m.copyRegion(r, true);
            if (n < 0) {
              stuck.add(r);
              continue;
            }
            stats.copiedBytes += n;
            stats.regionsCopied++;
            touched = true;
          }
          synced.push(r);
        }
        const part = { flushed: touched ? m.flushLegsAsync() : Promise.resolve(), synced };
        if (pending) await markSynced(pending);
        pending = part;
      }
      if (pending) await markSynced(pending);
      cursor = batch[batch.length - 1]! + 1;
      return false;
    });
    const moved = (stats.regionsCopied - copiedBefore) * m.regionBytes;
    if (opts.throttle && moved) await opts.throttle(moved);
    else if (moved) opts.copied?.(moved);
    if (opts.onProgress) opts.onProgress({ inSync: log.syncCount(), total: m.nrRegions });
    if (done) {
      stats.stuck = stuck.size;
      stats.complete = stuck.size === 0;
      if (stats.complete && m.newLegs.size) withLvLock(m.env.systemDir, m.lv.uuid, () => {
        if (log.syncCount() === m.nrRegions) clearNewLegs(m.env.systemDir, m.lv.uuid);
      });
      return stats;
    }
  }
}
