// The region log of one mirror: which regions are in sync (dm-log's bitmap) and which were ever
// written, kept on a BlockDevice (the _mlog LV for a disk or mirrored log, a runtime file for a core
// log). Every change is a read-modify-write of the sectors holding the bits concerned, so several
// tsvm processes can share a log as long as they hold the mirror's LV lock (mirror-lock.ts).
//
// Why a "written" bitmap: a region nobody ever wrote through the mirror holds nothing a user put
// there, so syncing it copies nothing; only its sync bit is set. A region becomes "written" (durably,
// before the data goes out) on its first write. A log of a converted linear LV, or one whose content
// is unknown (core log after activation), starts with every region written.
import type { BlockDevice } from '../device/block-device.js';
import {
  bitmapBytes, bitmapSectors, countBits, decodeHeader, encodeHeader, getBit, LOG_OFFSET_SECTORS, SECTOR_BYTES,
  setBit, type LogHeader,
} from './log-format.js';

export type BitKind = 'sync' | 'written';

export interface LogInit {
  /** Initial sync bit of every region, or a bitmap to copy. */
  sync: boolean | Uint8Array;
  /** Initial written bits (ignored when the log has no written bitmap). */
  written: boolean | Uint8Array;
}

function initBitmap(n: number, bytes: number, v: boolean | Uint8Array): Buffer {
  const b = Buffer.alloc(bytes, 0);
  for (let r = 0; r < n; r++) if (typeof v === 'boolean' ? v : getBit(v, r)) setBit(b, r, true);
  return b;
}

export class RegionLog {
  private constructor(
    private readonly dev: BlockDevice,
    readonly header: LogHeader,
  ) {}

  get nrRegions(): number {
    return this.header.nrRegions;
  }

  get keepsWritten(): boolean {
    return this.header.writtenSector > 0;
  }

  /** Open an existing log; null when the header is missing or belongs to something else. */
  static open(dev: BlockDevice, expect: { nrRegions: number; owner: string }): RegionLog | null {
    const h = RegionLog.readHeader(dev);
    if (!h || h.owner !== expect.owner || h.nrRegions !== expect.nrRegions) return null;
    return new RegionLog(dev, h);
  }

  /** The header of the log on `dev`, whoever's it is (null: none there). */
  static readHeader(dev: BlockDevice): LogHeader | null {
    const buf = Buffer.alloc(SECTOR_BYTES);
    dev.readAt(buf, 0);
    return decodeHeader(buf);
  }

  /** Write a fresh log (bitmaps first, header last) and make it durable. */
  static format(dev: BlockDevice, header: LogHeader, init: LogInit): RegionLog {
    const n = header.nrRegions;
    const bytes = bitmapSectors(n) * SECTOR_BYTES;
    dev.writeAt(initBitmap(n, bytes, init.sync), LOG_OFFSET_SECTORS * SECTOR_BYTES);
    if (header.writtenSector) dev.writeAt(initBitmap(n, bytes, init.written), header.writtenSector * SECTOR_BYTES);
    dev.flush();
    dev.writeAt(encodeHeader(header), 0);
    dev.flush();
    return new RegionLog(dev, header);
  }

  private base(kind: BitKind): number {
    return (kind === 'sync' ? LOG_OFFSET_SECTORS : this.header.writtenSector) * SECTOR_BYTES;
  }

  /** The whole bitmap of one kind (a log without a written bitmap reports every region written). */
  readAll(kind: BitKind): Uint8Array {
    const buf = Buffer.alloc(bitmapSectors(this.nrRegions) * SECTOR_BYTES);
    if (kind === 'written' && !this.keepsWritten) return buf.fill(0xff);
    this.dev.readAt(buf, this.base(kind));
    return buf;
  }

  /** Bits of regions r0..r1 (inclusive), as read now. */
  readRange(kind: BitKind, r0: number, r1: number): boolean[] {
    if (kind === 'written' && !this.keepsWritten) return Array.from({ length: r1 - r0 + 1 }, () => true);
    const s0 = Math.floor((r0 >> 3) / SECTOR_BYTES);
    const s1 = Math.floor((r1 >> 3) / SECTOR_BYTES);
    const buf = Buffer.alloc((s1 - s0 + 1) * SECTOR_BYTES);
    this.dev.readAt(buf, this.base(kind) + s0 * SECTOR_BYTES);
    const out: boolean[] = [];
    for (let r = r0; r <= r1; r++) out.push(getBit(buf, r - s0 * SECTOR_BYTES * 8));
    return out;
  }

  /**
   * Change bits: the sectors holding them are re-read, changed and written back; `durable` makes
   * the change reach stable storage before returning (needed before data is written).
   */
  update(kind: BitKind, changes: ReadonlyMap<number, boolean>, durable: boolean): void {
    if (!changes.size || (kind === 'written' && !this.keepsWritten)) return;
    const bySector = new Map<number, [number, boolean][]>();
    for (const [r, v] of changes) {
      const s = Math.floor((r >> 3) / SECTOR_BYTES);
      let l = bySector.get(s);
      if (!l) bySector.set(s, (l = []));
      l.push([r, v]);
    }
    const sectors = [...bySector.keys()].sort((a, b) => a - b);
    // Coalesce adjacent sectors into one read and one write.
    for (let i = 0; i < sectors.length; ) {
      let j = i;
      while (j + 1 < sectors.length && sectors[j + 1] === sectors[j]! + 1) j++;
      const s0 = sectors[i]!;
      const buf = Buffer.alloc((sectors[j]! - s0 + 1) * SECTOR_BYTES);
      const at = this.base(kind) + s0 * SECTOR_BYTES;
      this.dev.readAt(buf, at);
      for (let k = i; k <= j; k++) {
        for (const [r, v] of bySector.get(sectors[k]!)!) setBit(buf, r - s0 * SECTOR_BYTES * 8, v);
      }
      this.dev.writeAt(buf, at);
      i = j + 1;
    }
    if (durable) this.dev.flush();
  }

  /** Regions in sync. */
  syncCount(): number {
    return countBits(this.readAll('sync'), this.nrRegions);
  }

  flush(): void {
    this.dev.flush();
  }

  close(): void {
    this.dev.close();
  }
}

export { bitmapBytes };
