// A writer's side of the write-intent log of a mirror-engine LV (dm-raid1's dirty region log, md's
// write-intent bitmap for raid1): a region about to change is marked out of sync, durably, before
// the write reaches any leg, and marked in sync again lazily, once the legs were flushed
// (mirror-device.ts flush). Also what a crash would leave to put right: regions written for the
// first time in part (their other bytes may differ between legs) and, with only not-yet-copied legs
// live, out-of-sync regions made valid again by being wholly rewritten (mirror-device.ts header).
import { STREAM_WRITE_BYTES } from '../model/defaults.js';
import { addInterval, covers } from '../lv-io/intervals.js';
import type { RegionTracker } from '../raid/track.js';
import { publishLiveDirty } from './live-dirty.js';
import type { RegionLog } from './region-log.js';

/** Regions marked ahead of a write that needs a log update (see markBeforeWrite). */
const MARK_AHEAD = 15;

/** What the marking needs of the mirror device (MirrorDevice has all of it). */
export interface IntentHost {
  readonly env: { systemDir: string };
  readonly lv: { uuid: string };
  readonly log: RegionLog | null;
  readonly regionBytes: number;
  readonly nrRegions: number;
  /** Bytes of region r (the last one may be short). */
  regionLen(r: number): number;
  /** Is every live leg one not yet copied? */
  onlyNewLive(): boolean;
}

export class WriteIntent {
  /** Regions this process marked out of sync and will mark in sync after the next flush. */
  readonly myDirty = new Set<number>();
  /** Regions first written by this process: byte intervals covered so far (relative to the region). */
  readonly fresh = new Map<number, Array<[number, number]>>();
  /** Out-of-sync regions written while only not-yet-copied legs are live: bytes covered so far. */
  private readonly rewrite = new Map<number, Array<[number, number]>>();
  /** Regions made valid again on the live legs (to be marked in sync after the next flush). */
  readonly healed = new Set<number>();

  /** `tracker`: raid1 with an image split off by --trackchanges, the regions this LV writes (src/raid/track.ts). */
  constructor(private readonly m: IntentHost, private readonly tracker: RegionTracker | null) {}

  /** Anything to put right or mark in sync at the next flush? */
  get pending(): boolean {
    return this.myDirty.size > 0 || this.fresh.size > 0 || this.healed.size > 0;
  }

  /**
   * Durable intent: regions about to change are marked out of sync (and written) before the data
   * goes out. When marking is needed, the next MARK_AHEAD regions are marked in the same log write
   * (a sequential writer then pays one synchronous log update per MARK_AHEAD regions); regions
   * marked but not written are put right at flush like any partly written region.
   */
  markBeforeWrite(offset: number, length: number): void {
    this.tracker?.beforeWrite(offset, length);
    const log = this.m.log;
    if (!log) return;
    const rb = this.m.regionBytes;
    const r0 = Math.floor(offset / rb);
    const r1 = Math.floor((offset + length - 1) / rb);
    let sync = log.readRange('sync', r0, r1);
    let written = log.readRange('written', r0, r1);
    let need = false;
    for (let i = 0; i <= r1 - r0; i++) if (sync[i] || !written[i]) need = true;
    // Only a large write looks like a sequential stream worth marking ahead for.
    const ahead = need && length >= Math.min(rb / 4, STREAM_WRITE_BYTES);
    const rEnd = ahead ? Math.min(this.m.nrRegions - 1, r1 + MARK_AHEAD) : r1;
    if (rEnd > r1) {
      sync = log.readRange('sync', r0, rEnd);
      written = log.readRange('written', r0, rEnd);
    }
    const syncCh = new Map<number, boolean>();
    const wrCh = new Map<number, boolean>();
    if (this.m.onlyNewLive()) {
      // Out-of-sync regions with no valid source: valid again once wholly rewritten.
      for (let r = r0; r <= r1; r++) {
        if (sync[r - r0] || !written[r - r0]) continue;
        let cov = this.rewrite.get(r);
        if (!cov) this.rewrite.set(r, (cov = []));
        addInterval(cov, Math.max(offset, r * rb) - r * rb, Math.min(offset + length, (r + 1) * rb) - r * rb);
        if (covers(cov, this.m.regionLen(r))) {
          this.rewrite.delete(r);
          this.healed.add(r);
        }
      }
    }
    for (let r = r0; r <= rEnd; r++) {
      if (sync[r - r0]) {
        syncCh.set(r, false);
        this.myDirty.add(r);
      }
      if (!written[r - r0]) {
        wrCh.set(r, true);
        if (!this.fresh.has(r)) this.fresh.set(r, []);
      }
    }
    // Published before the log says "out of sync": a split looking meanwhile still sees it in sync.
    if (syncCh.size) this.publish();
    log.update('written', wrCh, false);
    log.update('sync', syncCh, false);
    if (syncCh.size || wrCh.size) log.flush();
    for (let r = r0; r <= r1; r++) {
      const cov = this.fresh.get(r);
      if (!cov) continue;
      const s = Math.max(offset, r * rb) - r * rb;
      const e = Math.min(offset + length, (r + 1) * rb) - r * rb;
      addInterval(cov, s, e);
      if (covers(cov, this.m.regionLen(r))) this.fresh.delete(r);
    }
  }

  /**
   * A write of [offset, offset + length) failed on some leg: the legs now differ there (dm-raid1
   * marks the regions nosync on a write error), so they stay out of sync in the log, no longer
   * this writer's to mark clean.
   */
  leaveOutOfSync(offset: number, length: number): void {
    const rb = this.m.regionBytes;
    for (let r = Math.floor(offset / rb); r <= Math.floor((offset + length - 1) / rb); r++) this.myDirty.delete(r);
    this.publish();
  }

  /**
   * After the legs were flushed (and the regions first written in part given the primary's bytes):
   * mark in sync the regions this writer dirtied or made valid, except `behind` (regions a
   * write-behind has not landed in yet: they stay out of sync, still this writer's).
   */
  markInSync(behind: ReadonlySet<number>): void {
    const clean = new Set([...this.myDirty, ...this.healed]);
    for (const r of behind) clean.delete(r);
    if (this.m.log && clean.size) this.m.log.update('sync', new Map([...clean].map((r) => [r, true])), true);
    const had = this.myDirty.size;
    this.myDirty.clear();
    for (const r of behind) this.myDirty.add(r);
    if (had) this.publish();
    this.healed.clear();
  }

  /**
   * The view is abandoned (another process changed the layout): what this writer marked is left
   * out of sync in the log, no longer its own; a resync copies those regions again.
   */
  forget(): void {
    if (this.myDirty.size) publishLiveDirty(this.m.env.systemDir, this.m.lv.uuid, new Set());
    this.myDirty.clear();
    this.fresh.clear();
    this.healed.clear();
    this.rewrite.clear();
  }

  private publish(): void {
    publishLiveDirty(this.m.env.systemDir, this.m.lv.uuid, this.myDirty);
  }
}
