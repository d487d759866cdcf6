// The checksum table of one LV (format.ts) over its copies (one per raid1 rmeta, or the disk log):
// records are read from the first copy that holds a valid one, cached, changed in memory and
// written back by persist() to every copy in turn, each copy flushed before the next is written,
// so a crash tears at most one copy of a record. A record changed under the LV lock is written
// whole to every copy, which also puts right a copy that held a torn or rotted one. dm-raid keeps its superblock and bitmap the same way.
import { DeviceIoError, type BlockDevice } from '../device/block-device.js';
import {
  CSUM_HEADER_BYTES, decodeHeader, decodeRecord, encodeHeader, encodeRecord, geometry, recordOffset, tableBytes,
  type CsumGeometry, type CsumHeader,
} from './format.js';

/** Records kept in memory beyond those waiting to be written (a bound for very large LVs). */
const CACHE_RECORDS = 8192;
/** A copy's table header, or null when it cannot be read (a failed leg) or is not a header. */
export function readCsumHeader(c: BlockDevice): CsumHeader | null {
  const buf = Buffer.alloc(CSUM_HEADER_BYTES);
  try {
    c.readAt(buf, 0);
  } catch (e) {
    if (!(e instanceof DeviceIoError)) throw e;
    return null;
  }
  return decodeHeader(buf);
}

/** Records read at once for a reader (64: 128 KiB of records, 128 MiB of data with 2 MiB regions). */
const READ_AHEAD = 64;

export class ChecksumTable {
  readonly geometry: CsumGeometry;
  private readonly cache = new Map<number, Uint32Array>();
  /** Records changed in memory and not yet on every copy. */
  private readonly pending = new Set<number>();

  private constructor(private readonly copies: BlockDevice[], readonly header: CsumHeader) {
    this.geometry = geometry(header);
  }

  get nrRegions(): number {
    return this.header.nrRegions;
  }

  /**
   * The table on `copies` (each a device whose offset 0 is the area start), or null when none is
   * there for `owner`. A copy without it (an image added since, stale extents) is left out of reads
   * and, when `writable`, given a copy of the table (records first, header last).
   */
  static open(copies: BlockDevice[], expect: { owner: string; regionSize: number; nrRegions: number }, writable = false): ChecksumTable | null {
    const heads = copies.map((c) => {
      const h = readCsumHeader(c);
      return h && h.owner === expect.owner && h.regionSize === expect.regionSize ? h : null;
    });
    const k = heads.findIndex((h) => h);
    if (k < 0) return null;
    let header = heads[k]!;
    if (header.nrRegions !== expect.nrRegions) {
      // The LV was extended or reduced: the same blocks keep their records while the table still
      // fits its area (regions past the old end start unrecorded); otherwise a new table is made.
      const resized = { ...header, nrRegions: expect.nrRegions };
      if (!writable || copies.some((c, i) => heads[i] && c.size() < tableBytes(resized))) return null;
      for (const [i, c] of copies.entries()) if (heads[i]) resizeTable(c, header, resized);
      header = resized;
      for (let i = 0; i < heads.length; i++) if (heads[i]) heads[i] = resized;
    }
    const good = copies.filter((_, i) => heads[i]);
    const stale = copies.filter((_, i) => !heads[i]);
    if (writable && header.enabled) for (const c of stale) copyTable(copies[k]!, c, tableBytes(header));
    const t = new ChecksumTable(writable ? [...good, ...stale] : good, header);
    if (!writable) for (const c of stale) c.close();
    return t;
  }

  /** Write a fresh table (records empty, header last) on every copy; false when it does not fit one. */
  static format(copies: BlockDevice[], header: CsumHeader): ChecksumTable | null {
    const bytes = tableBytes(header);
    if (copies.some((c) => c.size() < bytes)) return null;
    const zero = Buffer.alloc(Math.min(bytes - CSUM_HEADER_BYTES, 1024 * 1024));
    for (const c of copies) {
      for (let off = CSUM_HEADER_BYTES; off < bytes; off += zero.length) {
        c.writeAt(zero.subarray(0, Math.min(zero.length, bytes - off)), off);
      }
      c.flush();
      c.writeAt(encodeHeader(header), 0);
      c.flush();
    }
    return new ChecksumTable(copies, header);
  }

  /**
   * Region r's entries (loaded on first use, with the records of the next regions: a reader goes
   * on to them, and one read of READ_AHEAD records costs what one of a record does).
   */
  record(r: number): Uint32Array {
    return this.cache.get(r) ?? this.load(r, READ_AHEAD);
  }

  /** Region r's entries as on disk now (what another process may have written meanwhile). */
  reload(r: number): Uint32Array {
    if (this.pending.has(r)) return this.cache.get(r)!;
    return this.load(r);
  }

  /** Entries of region r to change (fresh from disk unless already changed since the last persist). */
  forUpdate(r: number): Uint32Array {
    const e = this.pending.has(r) ? this.cache.get(r)! : this.load(r);
    this.pending.add(r);
    return e;
  }

  get dirty(): boolean {
    return this.pending.size > 0;
  }

  /**
   * Read region r's record from the first copy holding a valid one. A copy whose record fails its
   * CRC or differs is put right only by forUpdate's caller (under the LV lock), never from a read:
   * a reader may see a record between two copies' writes.
   */
  private load(r: number, ahead = 1): Uint32Array {
    const g = this.geometry;
    // Records r.. read in one go: up to `ahead`, stopping before one changed in memory or cached.
    let n = 1;
    while (n < ahead && r + n < this.nrRegions && !this.pending.has(r + n) && !this.cache.has(r + n)) n++;
    const raw = Buffer.alloc(g.recordBytes * n);
    const got: Array<Uint32Array | null> = new Array<Uint32Array | null>(n).fill(null);
    for (const c of this.copies) {
      try {
        c.readAt(raw, recordOffset(g, r));
      } catch (e) {
        if (!(e instanceof DeviceIoError)) throw e;
        continue;
      }
      for (let i = 0; i < n; i++) got[i] ??= decodeRecord(raw.subarray(i * g.recordBytes, (i + 1) * g.recordBytes), g.blocksPerRegion);
      if (got.every((e) => e)) break;
    }
    if (this.cache.size + n > CACHE_RECORDS) for (const k of this.cache.keys()) if (!this.pending.has(k)) this.cache.delete(k);
    // Every copy bad: nothing is known of this region's blocks (never "rot").
    for (let i = n - 1; i >= 0; i--) this.cache.set(r + i, got[i] ?? new Uint32Array(g.blocksPerRegion));
    return this.cache.get(r)!;
  }

  /** Write every changed record to each copy in turn (a flush after each copy). */
  persist(): void {
    if (!this.pending.size) return;
    const g = this.geometry;
    const regions = [...this.pending].sort((a, b) => a - b);
    // Runs of consecutive records (at most 256 a write), each encoded once for every copy.
    const runs: Array<{ offset: number; bytes: Buffer }> = [];
    for (let i = 0; i < regions.length; ) {
      let j = i;
      while (j + 1 < regions.length && regions[j + 1] === regions[j]! + 1 && j - i < 255) j++;
      const bytes = Buffer.allocUnsafe((j + 1 - i) * g.recordBytes);
      for (let k = i; k <= j; k++) encodeRecord(this.cache.get(regions[k]!)!, bytes.subarray((k - i) * g.recordBytes));
      runs.push({ offset: recordOffset(g, regions[i]!), bytes });
      i = j + 1;
    }
    for (const c of this.copies) {
      try {
        for (const run of runs) c.writeAt(run.bytes, run.offset);
        c.flush();
      } catch (e) {
        // A copy that cannot be written is an image on its way out: the others hold the table.
        if (!(e instanceof DeviceIoError)) throw e;
      }
    }
    this.pending.clear();
  }

  /** Forget what was changed and not written (the view is abandoned; its regions stay dirty). */
  discard(): void {
    for (const r of this.pending) this.cache.delete(r);
    this.pending.clear();
  }

  close(): void {
    for (const c of this.copies) c.close();
  }
}

/** Rewrite a copy's header for a new region count, the records of the new regions zeroed first. */
function resizeTable(c: BlockDevice, from: CsumHeader, to: CsumHeader): void {
  const oldEnd = tableBytes(from);
  const newEnd = tableBytes(to);
  try {
    if (newEnd > oldEnd) c.writeAt(Buffer.alloc(newEnd - oldEnd), oldEnd);
    c.flush();
    c.writeAt(encodeHeader(to), 0);
    c.flush();
  } catch (e) {
    if (!(e instanceof DeviceIoError)) throw e;
  }
}

/** The table's bytes from one copy to another: records, flushed, then the header. */
function copyTable(from: BlockDevice, to: BlockDevice, bytes: number): void {
  if (to.size() < bytes) return;
  try {
    const buf = Buffer.alloc(Math.min(1024 * 1024, bytes - CSUM_HEADER_BYTES));
    for (let off = CSUM_HEADER_BYTES; off < bytes; off += buf.length) {
      const part = buf.subarray(0, Math.min(buf.length, bytes - off));
      from.readAt(part, off);
      to.writeAt(part, off);
    }
    to.flush();
    const head = Buffer.alloc(CSUM_HEADER_BYTES);
    from.readAt(head, 0);
    to.writeAt(head, 0);
    to.flush();
  } catch (e) {
    if (!(e instanceof DeviceIoError)) throw e;
  }
}

export { encodeHeader };
