// Checksums around a multi-leg device (the mirror engine's MirrorDevice, for raid1 and disk-logged
// mirrors): writes record the checksum of every block they change, reads verify every block and, on a
// mismatch in a clean region, read the other legs, return the copy whose checksum matches and rewrite
// the legs that did not match (self-healing, as ZFS does); when no leg matches, that block's read
// fails with EIO and nothing is rewritten. In a region the write-intent bitmap marks dirty the checksums
// are only hints (a crash may sit between data and checksum): no repair there, and the resync
// (fixSource) prefers the leg whose data matches them. What LVM2 lacks; dm-integrity is the nearest.
import { DeviceIoError, type BlockDevice } from '../device/block-device.js';
import type { HashVersion } from './block-hash.js';
import { blockSum, blockSums } from './format.js';
import type { ChecksumTable } from './table.js';

export interface GuardLeg {
  lv: { name: string };
  dev: BlockDevice | null;
  failed: string | null;
}

/** What the guard needs of the device it wraps (MirrorDevice has all of it). */
export interface GuardedMirror {
  readonly path: string;
  readonly regionBytes: number;
  /** Bad copies are rewritten only through a writable device. */
  readonly writable: boolean;
  size(): number;
  liveLegs(): GuardLeg[];
  primary(): GuardLeg | undefined;
  /** Region r is clean (in sync, no write in flight) in the write-intent bitmap, read now. */
  regionClean(r: number): boolean;
  /** fn holding the LV's I/O lock (re-entrant). */
  withLock<T>(fn: () => T): T;
  failLeg(leg: GuardLeg, e: unknown): void;
}

/** A block read back from some leg whose checksum did not match; `healed` lists the legs rewritten. */
export interface HealEvent {
  block: number;
  region: number;
  bad: string[];
  /** The leg whose copy matched (and was written over the bad ones); none: the read failed. */
  source?: string;
  healed: boolean;
}

/** The read of a block no leg holds correctly: EIO, for that block only. */
export class ChecksumError extends Error {
  readonly code = 'EIO';
  constructor(readonly path: string, readonly offset: number) {
    super(`checksum mismatch on every leg of ${path} at offset ${offset}`);
  }
}

export class ChecksumGuard {
  readonly blockBytes: number;
  readonly blocksPerRegion: number;
  /** Which block hash the table's entries are (format.ts). */
  private readonly version: HashVersion;
  /** Blocks found bad by reads since this guard was opened (for tests and reports). */
  readonly heals: HealEvent[] = [];

  constructor(private readonly m: GuardedMirror, readonly table: ChecksumTable, private readonly onHeal?: (ev: HealEvent) => void) {
    const g = table.geometry;
    if (g.regionBytes !== m.regionBytes) throw new Error(`Internal error: checksum table of ${m.path} has region ${g.regionBytes}, not ${m.regionBytes}`);
    this.blockBytes = g.blockBytes;
    this.blocksPerRegion = g.blocksPerRegion;
    this.version = table.header.version;
  }

  /** The checksum of one block, as the table keeps it. */
  sumOf(data: Uint8Array): number {
    return blockSum(data, this.version);
  }

  /** The checksums of the blockBytes blocks of `data`, as the table keeps them (blockSums' scratch array). */
  sumsOf(data: Uint8Array): Uint32Array {
    return blockSums(data, this.blockBytes, this.version);
  }

  /** Byte range of block b. */
  private span(b: number): [number, number] {
    return [b * this.blockBytes, Math.min((b + 1) * this.blockBytes, this.m.size())];
  }

  /**
   * The checksums of the blocks wholly inside buf (at LV offset `offset`; the LV's last block counts
   * whole however short), summed in one pass, and the number of the first of them. The array is
   * blockSums' scratch: valid until its next call.
   */
  private wholeBlockSums(buf: Uint8Array, offset: number): { w0: number; sums: Uint32Array | null } {
    const B = this.blockBytes;
    const end = offset + buf.length;
    const w0 = Math.ceil(offset / B);
    const wEnd = end === this.m.size() ? end : Math.floor(end / B) * B;
    return { w0, sums: wEnd > w0 * B ? this.sumsOf(buf.subarray(w0 * B - offset, wEnd - offset)) : null };
  }

  private where(b: number): [number, number] {
    const r = Math.floor(b / this.blocksPerRegion);
    return [r, b - r * this.blocksPerRegion];
  }

  /**
   * Verify what was read from the primary into buf (at LV offset `offset`); blocks that do not
   * match are replaced in buf by a matching copy (and their bad legs rewritten), or EIO.
   */
  verifyRead(buf: Uint8Array, offset: number): void {
    if (!buf.length) return;
    const B = this.blockBytes;
    const bpr = this.blocksPerRegion;
    const end = offset + buf.length;
    // Blocks cut by buf's ends are read whole.
    const size = this.m.size();
    const { w0, sums } = this.wholeBlockSums(buf, offset);
    if (sums && this.allMatch(w0, sums, offset, end)) return;
    for (let b = Math.floor(offset / B); b * B < end; ) {
      const r = Math.floor(b / bpr);
      const rec = this.table.record(r);
      const stop = Math.min((r + 1) * bpr, Math.ceil(end / B));
      for (; b < stop; b++) {
        const e = rec[b - r * bpr]!;
        if (!e) continue;
        const s = b * B;
        const t = Math.min(s + B, size);
        const whole = s >= offset && t <= end;
        if (whole && sums![b - w0] === e) continue;
        const data = whole ? buf.subarray(s - offset, t - offset) : this.readPrimary(s, t);
        if (!whole && this.sumOf(data) === e) continue;
        const good = this.resolve(b, data);
        if (!good) continue;
        const from = Math.max(s, offset);
        buf.set(good.subarray(from - s, Math.min(t, end) - s), from - offset);
      }
    }
  }

  /**
   * The common case of a read, settled without a loop over its blocks: buf is made of whole blocks
   * (w0 onwards, summed in `sums`), each recorded and matching, so each region's slice of the record
   * equals the sums. Any block unrecorded (0) or different
   * makes it false, and verifyRead looks block by block.
   */
  private allMatch(w0: number, sums: Uint32Array, offset: number, end: number): boolean {
    const B = this.blockBytes;
    const bpr = this.blocksPerRegion;
    const wEnd = w0 + sums.length;
    if (w0 * B !== offset || Math.min(wEnd * B, this.m.size()) !== end) return false;
    for (let b = w0; b < wEnd; ) {
      const r = Math.floor(b / bpr);
      const i = b - r * bpr;
      const n = Math.min(bpr - i, wEnd - b);
      // (a loop, not Buffer.equals: the native call cost more than comparing 256 entries here)
      const rec = this.table.record(r);
      for (let k = 0, q = b - w0; k < n; k++, q++) if (rec[i + k] !== sums[q]) return false;
      b += n;
    }
    return true;
  }

  private readPrimary(s: number, t: number): Buffer {
    const p = this.m.primary();
    if (!p) throw new DeviceIoError(this.m.path, 'read', s, new Error('no live leg'));
    const tmp = Buffer.alloc(t - s);
    p.dev!.readAt(tmp, s);
    return tmp;
  }

  /**
   * Block b read as `seen` does not match its checksum. Another process may have written it (reload), or
   * its region may be dirty (checksums are hints there: keep what was read). Otherwise, under the LV
   * lock, look at every leg: a matching copy is returned and written over the others.
   */
  private resolve(b: number, seen: Uint8Array): Buffer | null {
    const [r, i] = this.where(b);
    const e = this.table.reload(r)[i]!;
    if (!e || this.sumOf(seen) === e || !this.m.regionClean(r)) return null;
    return this.m.withLock(() => {
      const e2 = this.table.reload(r)[i]!;
      if (!e2 || !this.m.regionClean(r)) return null;
      const [s, t] = this.span(b);
      const copies = this.readLegs(s, t);
      const good = copies.find((c) => this.sumOf(c.data) === e2);
      const bad = copies.filter((c) => c !== good && this.sumOf(c.data) !== e2);
      const ev: HealEvent = { block: b, region: r, bad: bad.map((c) => c.leg.lv.name), healed: false };
      if (good) {
        ev.source = good.leg.lv.name;
        this.rewrite(bad.map((c) => c.leg), good.data, s);
        ev.healed = bad.length > 0;
      }
      this.heals.push(ev);
      this.onHeal?.(ev);
      if (!good) throw new DeviceIoError(this.m.path, 'read', s, new ChecksumError(this.m.path, s));
      return good.data;
    });
  }

  /** Bytes [s, t) of every live leg (a leg that fails the read is dropped, as the mirror engine does). */
  readLegs(s: number, t: number): Array<{ leg: GuardLeg; data: Buffer }> {
    const out: Array<{ leg: GuardLeg; data: Buffer }> = [];
    for (const leg of this.m.liveLegs()) {
      const data = Buffer.alloc(t - s);
      try {
        leg.dev!.readAt(data, s);
        out.push({ leg, data });
      } catch (e) {
        if (!(e instanceof DeviceIoError)) throw e;
        this.m.failLeg(leg, e);
      }
    }
    return out;
  }

  /** Write `data` at `offset` over each of `legs`, flushed. */
  rewrite(legs: GuardLeg[], data: Uint8Array, offset: number): void {
    if (!this.m.writable) return;
    for (const leg of legs) {
      if (leg.failed) continue;
      try {
        leg.dev!.writeAt(data, offset);
        leg.dev!.flush();
      } catch (e) {
        if (!(e instanceof DeviceIoError)) throw e;
        this.m.failLeg(leg, e);
      }
    }
  }

  /**
   * A write of buf at `offset` is about to go to the legs (LV lock held, regions marked dirty):
   * record the checksum of every block it changes. A block written in part is read first (from a leg
   * whose copy matches its checksum when the primary's does not) and its checksum taken over the merge.
   */
  noteWrite(buf: Uint8Array, offset: number): void {
    if (!buf.length) return;
    const B = this.blockBytes;
    const bpr = this.blocksPerRegion;
    const end = offset + buf.length;
    const size = this.m.size();
    const { w0, sums: scratch } = this.wholeBlockSums(buf, offset);
    const sums = scratch?.slice() ?? null;
    for (let b = Math.floor(offset / B); b * B < end; ) {
      const r = Math.floor(b / bpr);
      const rec = this.table.forUpdate(r);
      const stop = Math.min((r + 1) * bpr, Math.ceil(end / B));
      for (; b < stop; b++) {
        const s = b * B;
        const t = Math.min(s + B, size);
        if (s >= offset && t <= end) {
          rec[b - r * bpr] = sums![b - w0]!;
          continue;
        }
        const old = this.oldBlock(s, t, rec[b - r * bpr]!);
        const from = Math.max(s, offset);
        old.set(buf.subarray(from - offset, Math.min(t, end) - offset), from - s);
        rec[b - r * bpr] = this.sumOf(old);
      }
    }
  }

  /** The current content of block [s, t): a leg's copy matching `e` when there is one, else the primary's. */
  private oldBlock(s: number, t: number, e: number): Buffer {
    const p = this.readPrimary(s, t);
    if (!e || this.sumOf(p) === e) return p;
    return this.readLegs(s, t).find((c) => this.sumOf(c.data) === e)?.data ?? p;
  }

  /**
   * Copy of region r about to be written from `src` (resync, LV lock held), its bytes in `buf`:
   * blocks of buf whose checksum does not match are taken from a leg whose copy matches, when one does
   * (they are returned: `src` itself needs them too); then the region's checksums become those of buf.
   */
  fixSource(r: number, buf: Buffer, src: GuardLeg): number[] {
    const B = this.blockBytes;
    const base = r * this.m.regionBytes;
    const rec = this.table.forUpdate(r);
    const sums = this.sumsOf(buf).slice();
    const patched: number[] = [];
    for (let i = 0; i < sums.length; i++) {
      const e = rec[i]!;
      if (e && sums[i] !== e) {
        const part = buf.subarray(i * B, Math.min(buf.length, (i + 1) * B));
        const s = base + i * B;
        const other = this.readLegs(s, s + part.length).find((x) => x.leg !== src && this.sumOf(x.data) === e);
        if (other) {
          part.set(other.data);
          patched.push(i);
          continue;
        }
      }
      rec[i] = sums[i]!;
    }
    return patched;
  }

  /** Blocks `blocks` (of the region at `base`, as in fixSource) of `buf` written over `leg`; returns bytes written. */
  rewriteBlocks(leg: GuardLeg, buf: Buffer, base: number, blocks: number[]): number {
    const B = this.blockBytes;
    let n = 0;
    for (const i of blocks) {
      const part = buf.subarray(i * B, Math.min(buf.length, (i + 1) * B));
      this.rewrite([leg], part, base + i * B);
      n += part.length;
    }
    return n;
  }

  /** Write the changed checksums to every copy of the table (before the regions are marked clean). */
  persist(): void {
    this.table.persist();
  }

  get dirty(): boolean {
    return this.table.dirty;
  }

  discard(): void {
    this.table.discard();
  }

  close(): void {
    this.table.close();
  }
}
