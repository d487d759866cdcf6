// A mirror LV as a block device (LVM2's `mirror` segment over dm-raid1 + dm-log): writes fan out to
// every live leg and are acknowledged only when all of them have the data; a region is marked out of
// sync in the log, durably, before any leg is written, and marked in sync again lazily, after the
// legs were flushed (flush/close). Reads come from the first live leg (the primary: the in-sync
// source of every copy). A leg that cannot be opened, is too short, or fails an I/O is marked failed
// and dropped; I/O goes on with the others.
//
// Legs added by an up-convert and not yet copied (state.ts loadNewLegs) hold valid data only for
// regions the log has in sync or that were never written (dm-raid1: a region out of sync is read
// from, and recovered from, the default leg only). When the original legs are all gone, such a
// region has no valid source: reads of it fail (EIO), the resync leaves it out of sync, and a write
// makes it valid again only once this process has written the whole region.
//
// Beside it: the marking of regions before writes and after flushes (write-intent.ts), the copy of
// a region to the other legs (region-copy.ts), the write-behind threads of writemostly legs
// (behind-legs.ts), the core log's file (core-log.ts), the per-block checksums (checksums.ts,
// src/checksum/guard.ts), raid1's bitmap in the rmetas (src/raid/rmeta-log.ts).
import { DeviceIoError, flushAsyncOf, type BlockDevice } from '../device/block-device.js';
import type { LogicalVolume, VolumeGroup } from '../model/types.js';
import { SECTOR, lvExtents } from '../model/types.js';
import { findLv, isMirror, isMirrorLike } from '../model/vg-query.js';
import { openRaid1Log } from '../raid/rmeta-log.js';
import { openTracker, RegionTracker, trackedImage } from '../raid/track.js';
import { LinearDevice, setLayerOpener, type MirrorIoEnv } from './lv-device.js';
import { RegionLog } from './region-log.js';
import { regionCount, writtenSectorFor } from './log-format.js';
import { openCoreLog } from './core-log.js';
import { loadFailedLegs, loadNewLegs, recordFailedLeg, withLvLock } from './state.js';
import { noteLegFailure } from './failures.js';
import { FailoverLogDevice, armed } from './log-failover.js';
import { hasPvLegs, mirrorLegLvs } from './pv-legs.js';
import { openChecksums } from './checksums.js';
import type { ChecksumGuard } from '../checksum/guard.js';
import { hashableBuffer } from '../checksum/block-hash.js';
import { alignedBuffer } from '../device/aligned-buffer.js';
import { BehindLegs } from './behind-legs.js';
import { RegionCopier } from './region-copy.js';
import { WriteIntent } from './write-intent.js';

export interface Leg {
  lv: LogicalVolume;
  dev: BlockDevice | null;
  /** Why the leg is out of service, or null when live. */
  failed: string | null;
}

export interface MirrorOpenOptions {
  writable: boolean;
  /** The mirror's own log is not used (the legs of a mirrored log). */
  noLog?: boolean;
  /** The top-level LV (failed legs are recorded against it). */
  top?: LogicalVolume;
  /** Shared with sub-mirrors: counts legs and logs found failed (what dmeventd would be told). */
  events?: FailureEvents;
}

export interface FailureEvents {
  count: number;
}

export type LogKind = 'core' | 'disk' | 'none';

/** Regions a writer may keep marked out of sync before it flushes the legs and marks them clean. */
const MAX_DIRTY = 256;

export class MirrorDevice implements BlockDevice {
  readonly legs: Leg[];
  readonly regionBytes: number;
  readonly nrRegions: number;
  readonly logKind: LogKind;
  log: RegionLog | null = null;
  /** The regions this writer marked out of sync, and what is to put right before they are in sync again. */
  private readonly intent: WriteIntent;
  private readonly top: LogicalVolume;
  readonly events: FailureEvents;
  /** Legs not yet copied (valid only for regions in sync or never written). */
  readonly newLegs: ReadonlySet<string>;
  /** raid1 with an image split off by --trackchanges: the regions this LV writes are tracked (src/raid/track.ts). */
  private tracker: RegionTracker | null = null;

  constructor(readonly env: MirrorIoEnv, readonly vg: VolumeGroup, readonly lv: LogicalVolume, readonly opts: MirrorOpenOptions) {
    const seg = lv.segments[0]!;
    if (!isMirrorLike(lv) || (lv.segments.length !== 1 && !hasPvLegs(lv))) throw new Error(`${vg.name}/${lv.name} is not a single-segment mirror`);
    this.top = opts.top ?? lv;
    this.events = opts.events ?? { count: 0 };
    this.regionBytes = seg.regionSize * SECTOR;
    this.nrRegions = regionCount(this.size(), this.regionBytes);
    const recorded = new Map(loadFailedLegs(env.systemDir, this.top.uuid).map((l) => [l.lvName, l.reason]));
    const legLvs = mirrorLegLvs(vg, lv);
    const names = new Set(legLvs.map((l) => l.name));
    this.newLegs = new Set(loadNewLegs(env.systemDir, lv.uuid).filter((n) => names.has(n)));
    const tracked = seg.type === 'raid1' ? trackedImage(vg, lv) : undefined;
    this.legs = legLvs.map((sub) => {
      // Out of the array until --mergemirrors, not a failure (LVM2: a visible raid image)
      if (sub === tracked) return { lv: sub, dev: null, failed: 'split off with --trackchanges' };
      const why = recorded.get(sub.name);
      if (why) {
        this.events.count++;
        return { lv: sub, dev: null, failed: why };
      }
      try {
        return { lv: sub, dev: openSubLv(env, vg, sub, opts.writable, this.top, this.events), failed: null };
      } catch (e) {
        if (!(e instanceof DeviceIoError)) throw e;
        const leg: Leg = { lv: sub, dev: null, failed: e.message };
        this.events.count++;
        noteLegFailure(env, vg, this.top, sub, e);
        return leg;
      }
    });
    this.logKind = opts.noLog ? 'none' : seg.mirrorLog || seg.type === 'raid1' ? 'disk' : 'core';
    const trackLog = !opts.noLog && tracked && opts.writable ? openTracker(env.systemDir, tracked.uuid, 'lv', this.nrRegions) : null;
    if (trackLog) this.tracker = new RegionTracker(trackLog, this.regionBytes);
    this.intent = new WriteIntent(this, this.tracker);
    if (opts.noLog) return;
    // raid1: the write-intent bitmap in the rmeta sub-LVs (src/raid/rmeta-log.ts)
    this.log = seg.type === 'raid1'
      ? openRaid1Log(env, vg, lv, this.nrRegions, opts.writable, this.top, this.events)
      : this.openLog(seg.mirrorLog);
  }

  /** Open (or, writable, create) the region log. A disk log that cannot be opened falls back to a core log. */
  private openLog(logName: string | null): RegionLog | null {
    const { env, vg, lv } = this;
    const regionSize = lv.segments[0]!.regionSize;
    if (logName) {
      const logLv = findLv(vg, logName);
      if (!logLv) throw new Error(`Internal error: log ${vg.name}/${logName} not found`);
      try {
        const dev = new FailoverLogDevice(isMirror(logLv)
          ? new MirrorDevice(env, vg, logLv, { writable: this.opts.writable, noLog: true, top: this.top, events: this.events })
          : new LinearDevice(env, vg, logLv, this.opts.writable, this.opts.writable), (e) => {
          this.events.count++;
          noteLegFailure(env, vg, this.top, logLv, e);
        });
        const log = RegionLog.open(dev, { nrRegions: this.nrRegions, owner: logLv.uuid });
        if (log) dev.arm(log.header);
        if (log || !this.opts.writable) return log;
        // Unknown content (a crash before the log was written): everything out of sync, everything written.
        return armed(dev, RegionLog.format(dev, {
          nrRegions: this.nrRegions, regionSize, owner: logLv.uuid,
          writtenSector: writtenSectorFor(this.nrRegions, lvExtents(logLv) * vg.extentSize * SECTOR),
        }, { sync: false, written: true }));
      } catch (e) {
        if (!(e instanceof DeviceIoError)) throw e;
        this.events.count++;
        noteLegFailure(env, vg, this.top, logLv, e);
      }
    }
    return openCoreLog(env.systemDir, lv, this.nrRegions, regionSize, this.opts.writable);
  }

  get path(): string {
    return `${this.vg.name}/${this.lv.name}`;
  }

  size(): number {
    return lvExtents(this.lv) * this.vg.extentSize * SECTOR;
  }

  liveLegs(): Leg[] {
    return this.legs.filter((l) => !l.failed);
  }

  /** The leg reads and copies come from: the first live one (raid1: not a writemostly one, if any other is live). */
  primary(): Leg | undefined {
    return this.legs.find((l) => !l.failed && !l.lv.flags.includes('WRITEMOSTLY')) ?? this.legs.find((l) => !l.failed);
  }

  failLeg(leg: Leg, e: unknown): void {
    if (leg.failed) return;
    leg.failed = (e as Error).message ?? String(e);
    leg.dev = null;
    this.events.count++;
    recordFailedLeg(this.env.systemDir, this.top.uuid, { lvName: leg.lv.name, reason: leg.failed });
    if (e instanceof DeviceIoError) noteLegFailure(this.env, this.vg, this.top, leg.lv, e);
  }

  /** Is every live leg one not yet copied (so out-of-sync written regions have no valid source)? */
  onlyNewLive(): boolean {
    if (!this.newLegs.size) return false;
    const live = this.liveLegs();
    return live.length > 0 && live.every((l) => this.newLegs.has(l.lv.name));
  }

  /** The first live leg whose content of region r is valid (see the header). */
  sourceFor(r: number, sync?: boolean, written?: boolean): Leg | undefined {
    const p = this.primary();
    if (!p || !this.newLegs.has(p.lv.name)) return p;
    if (sync === undefined) sync = this.log ? this.log.readRange('sync', r, r)[0]! : false;
    if (written === undefined) written = this.log ? this.log.readRange('written', r, r)[0]! : true;
    if (sync || !written) return p;
    return this.liveLegs().find((l) => !this.newLegs.has(l.lv.name));
  }

  readAt(buf: Uint8Array, offset: number): void {
    if (!buf.length) return;
    // From the first live leg; once that is a not-yet-copied one, region by region.
    for (;;) {
      const p = this.primary();
      if (!p) throw new DeviceIoError(this.path, 'read', offset, new Error('no live mirror leg'));
      if (this.newLegs.has(p.lv.name)) {
        this.readPerRegion(buf, offset);
        return;
      }
      // Only writemostly images left: what is still behind lands first (md waits for it too).
      if (this.behind.has(p)) this.drainBehind();
      try {
        p.dev!.readAt(buf, offset);
      } catch (e) {
        if (!(e instanceof DeviceIoError)) throw e;
        this.failLeg(p, e);
        continue;
      }
      this.checksums?.verifyRead(buf, offset);
      return;
    }
  }

  /** With checksums, a buffer the block hash reads in place (no copy to verify a read into it). */
  readBuffer(bytes: number): Uint8Array {
    return this.checksums ? hashableBuffer(bytes) : alignedBuffer(bytes);
  }

  /** Read region by region, each from a leg valid for it; EIO for a region no live leg holds. */
  private readPerRegion(buf: Uint8Array, offset: number): void {
    const rb = this.regionBytes;
    const r0 = Math.floor(offset / rb);
    const r1 = Math.floor((offset + buf.length - 1) / rb);
    const last = Math.min(r1, this.nrRegions - 1);
    const sync = this.log ? this.log.readRange('sync', r0, last) : [];
    const written = this.log ? this.log.readRange('written', r0, last) : [];
    for (let r = r0; r <= r1; r++) {
      const s = Math.max(offset, r * rb);
      const e = Math.min(offset + buf.length, (r + 1) * rb);
      const part = buf.subarray(s - offset, e - offset);
      for (;;) {
        const leg = this.sourceFor(r, sync[r - r0] ?? false, written[r - r0] ?? true);
        if (!leg) throw new DeviceIoError(this.path, 'read', s, new Error('region not in sync on any live mirror leg'));
        try {
          leg.dev!.readAt(part, s);
          break;
        } catch (e) {
          if (!(e instanceof DeviceIoError)) throw e;
          this.failLeg(leg, e);
        }
      }
    }
    this.checksums?.verifyRead(buf, offset);
  }

  writeAt(buf: Uint8Array, offset: number): void {
    if (!buf.length) return;
    withLvLock(this.env.systemDir, this.lv.uuid, () => {
      this.intent.markBeforeWrite(offset, buf.length);
      this.checksums?.noteWrite(buf, offset);
      let wrote = 0;
      let failed = false;
      for (const leg of this.legs) {
        if (leg.failed) continue;
        const behind = this.behind.for(leg);
        if (behind) {
          leg.dev!.willWrite?.(offset, buf.length);
          behind.write(buf, offset);
          this.behind.check(leg, behind);
          wrote++;
          continue;
        }
        try {
          leg.dev!.writeAt(buf, offset);
          wrote++;
        } catch (e) {
          if (!(e instanceof DeviceIoError)) throw e;
          this.failLeg(leg, e);
          failed = true;
        }
      }
      // The legs now differ in these regions (dm-raid1 marks them nosync on a write error): they stay
      // out of sync in the log, no longer this writer's to mark clean (live-dirty.ts). raid1 (md)
      // degrades the array instead: the live images all have the write and stay in sync (a failed
      // image comes back only as a replacement, rebuilt whole by lvconvert --repair).
      if (failed && this.lv.segments[0]!.type !== 'raid1') this.intent.leaveOutOfSync(offset, buf.length);
      if (!wrote) throw new DeviceIoError(this.path, 'write', offset, new Error('no live mirror leg'));
      // Bound what a crash can leave dirty: past MAX_DIRTY regions, flush and mark them clean
      // (regions still waiting for a write-behind stay dirty: past the bound, those are waited for).
      if (this.intent.myDirty.size >= MAX_DIRTY) this.flush();
      if (this.intent.myDirty.size >= MAX_DIRTY && this.behind.size) {
        this.drainBehind();
        this.flush();
      }
    });
  }

  /** Bytes of region r (the last one may be short). */
  regionLen(r: number): number {
    return Math.min(this.regionBytes, this.size() - r * this.regionBytes);
  }

  /** Flush every live leg, then mark the regions this process dirtied as in sync again. */
  flush(): void {
    withLvLock(this.env.systemDir, this.lv.uuid, () => {
      // Write-behind: what had landed on the writemostly images before their flush is durable.
      const landed = [...this.behind.values()].map((wb) => [wb, wb.landedSeq()] as const);
      this.flushLegs();
      // A region written for the first time but only in part: its other bytes were never written
      // and may differ between legs; give them the primary's content so the legs agree.
      // (Never written before: any leg's content of it is as good as another's.)
      const degraded = this.onlyNewLive();
      const { fresh, healed } = this.intent;
      // (No wait for writes behind: a region they are pending in stays dirty below, whatever lands when.)
      for (const r of fresh.keys()) {
        this.copyRegion(r, true, true, false);
        if (degraded) healed.add(r);
      }
      if (fresh.size) this.flushLegs();
      fresh.clear();
      // The CRCs of what the legs now hold, on every copy of the table, before the regions are clean.
      this.guard?.persist();
      // A region whose write-behind has not landed (and been flushed) stays out of sync, still this writer's.
      const behind = new Set<number>();
      for (const [wb, seq] of landed) {
        for (const r of wb.regions()) if (wb.regionSeq(r) > seq) behind.add(r);
        wb.forgetUpTo(seq);
      }
      this.intent.markInSync(behind);
    });
  }

  flushLegs(): void {
    for (const leg of this.legs) {
      if (leg.failed) continue;
      try {
        leg.dev!.flush();
      } catch (e) {
        if (!(e instanceof DeviceIoError)) throw e;
        this.failLeg(leg, e);
      }
    }
  }

  /** Regions r0..r1 are about to be copied to the live legs (BlockDevice.willWrite). */
  willCopy(r0: number, r1: number): void {
    const off = r0 * this.regionBytes;
    const len = Math.min(this.size(), (r1 + 1) * this.regionBytes) - off;
    for (const leg of this.liveLegs()) leg.dev!.willWrite?.(off, len);
  }

  /** flushLegs() on worker threads: a leg whose flush fails is dropped, as there. */
  async flushLegsAsync(): Promise<void> {
    await Promise.all(this.legs.filter((l) => !l.failed).map((leg) => flushAsyncOf(leg.dev!).catch((e: unknown) => {
      if (!(e instanceof DeviceIoError)) throw e;
      this.failLeg(leg, e);
    })));
  }

  /**
   * Copy region r from the primary to every other live leg (caller holds the LV lock). When
   * `skipZero`, a region that reads as zeros on both sides is not written. The source is a leg valid
   * for r (any live leg when `anySource`); returns -1, copying nothing, when there is none.
   * Otherwise returns bytes written. Writes behind (raid1 --writebehind) land first unless `drain` is false.
   */
  copyRegion(r: number, skipZero: boolean, anySource = false, drain = true): number {
    return this.copier.copy(r, skipZero, anySource, drain);
  }

  /** The copy of one region to the other legs (region-copy.ts). */
  private readonly copier = new RegionCopier(this);

  close(): void {
    try {
      this.behind.close();
      if (this.opts.writable && (this.intent.pending || this.guard?.dirty)) this.flush();
    } finally {
      for (const leg of this.legs) leg.dev?.close();
      this.log?.close();
      this.guard?.close();
      this.tracker?.close();
    }
  }

  /**
   * Stop using this view of the mirror because its layout was changed by another process (split,
   * down-convert, repair): what was written is flushed to the legs, but the log is left as the
   * command that changed the layout wrote it (regions this view dirtied stay out of sync there if
   * the log is kept, which only costs a recopy; a log that went away must not be written).
   */
  abandon(): void {
    try {
      this.drainBehind();
      this.flushLegs();
    } finally {
      // Left out of sync in the log: no longer this live writer's, a resync copies them again.
      for (const m of [this, ...this.subMirrors()]) {
        m.intent.forget();
        m.guard?.discard();
      }
      this.close();
    }
  }

  private guard?: ChecksumGuard | null;

  /** The per-block checksums of this LV (src/checksum/, mirror/checksums.ts), opened on first use; null when it keeps none. */
  get checksums(): ChecksumGuard | null {
    if (this.guard === undefined) this.guard = openChecksums(this);
    return this.guard;
  }

  get writable(): boolean {
    return this.opts.writable;
  }

  /** Region r is in sync in the log, read now: no write in flight, nothing to resync (checksums are the truth there). */
  regionClean(r: number): boolean {
    return this.log ? this.log.readRange('sync', r, r)[0]! : false;
  }

  withLock<T>(fn: () => T): T {
    return withLvLock(this.env.systemDir, this.lv.uuid, () => {
      this.drainBehind();
      return fn();
    });
  }

  /** raid1 --writebehind: the thread of each writemostly image written behind (behind-legs.ts). */
  private readonly behind = new BehindLegs(this);

  /**
   * Wait until every write-behind has landed: before anything reads or writes the writemostly images
   * directly (a copy, a self-heal) and before another process gets the LV (flushForOthers).
   */
  drainBehind(): void {
    this.behind.drain();
  }

  /** Sub-mirrors below this one (the _mimagetmp layer), deepest first. */
  subMirrors(): MirrorDevice[] {
    const out: MirrorDevice[] = [];
    for (const leg of this.legs) if (leg.dev instanceof MirrorDevice) out.push(...leg.dev.subMirrors(), leg.dev);
    return out;
  }
}

/** A sub-LV of a mirror as a device: linear, or itself a mirror (the _mimagetmp layer). */
export function openSubLv(env: MirrorIoEnv, vg: VolumeGroup, lv: LogicalVolume, writable: boolean, top: LogicalVolume, events?: FailureEvents): BlockDevice {
  if (isMirrorLike(lv)) return new MirrorDevice(env, vg, lv, { writable, top, events });
  return new LinearDevice(env, vg, lv, writable);
}

// A linear LV whose extents sit on a pvmove LV (lv-device.ts) reaches them through that mirror.
setLayerOpener((env, vg, lv, writable) => new MirrorDevice(env, vg, lv, { writable }));
