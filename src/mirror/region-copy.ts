// Copying one region of a mirror to its other live legs from a leg valid for it (dm-raid1's region
// recovery through kcopyd): the step of a resync (sync.ts), of a pvmove (src/pvmove/move.ts) and of
// the flush of a region first written only in part (mirror-device.ts). With checksums, blocks of the
// source whose checksum does not match are first taken from a leg whose copy does (guard.ts
// fixSource), and written back over the source too.
import { DeviceIoError } from '../device/block-device.js';
import type { ChecksumGuard } from '../checksum/guard.js';
import type { Leg } from './mirror-device.js';

/** What a copy needs of the mirror device (MirrorDevice has all of it). */
export interface CopyHost {
  readonly path: string;
  readonly regionBytes: number;
  readonly checksums: ChecksumGuard | null;
  primary(): Leg | undefined;
  sourceFor(r: number): Leg | undefined;
  liveLegs(): Leg[];
  failLeg(leg: Leg, e: unknown): void;
  regionLen(r: number): number;
  drainBehind(): void;
}

export class RegionCopier {
  private copyBuf?: Buffer;
  private zeroBuf?: Buffer;

  constructor(private readonly m: CopyHost) {}

  /** MirrorDevice.copyRegion. */
  copy(r: number, skipZero: boolean, anySource = false, drain = true): number {
    // A region copied is then marked in sync: no older write-behind may land over the copy after that.
    if (drain) this.m.drainBehind();
    if (!this.m.primary()) throw new DeviceIoError(this.m.path, 'read', r * this.m.regionBytes, new Error('no live mirror leg'));
    const src = anySource ? this.m.primary() : this.m.sourceFor(r);
    if (!src) return -1;
    const targets = this.m.liveLegs().filter((l) => l !== src);
    if (!targets.length) return 0;
    const len = this.m.regionLen(r);
    const buf = (this.copyBuf ??= Buffer.alloc(this.m.regionBytes)).subarray(0, len);
    const off = r * this.m.regionBytes;
    try {
      src.dev!.readAt(buf, off);
    } catch (e) {
      if (!(e instanceof DeviceIoError)) throw e;
      this.m.failLeg(src, e);
      return this.copy(r, skipZero, anySource, drain);
    }
    // Blocks of the source whose CRC does not match are taken from a leg that matches (and mended on the source too).
    const patched = this.m.checksums?.fixSource(r, buf, src) ?? [];
    const zero = (this.zeroBuf ??= Buffer.alloc(this.m.regionBytes)).subarray(0, len);
    const srcZero = skipZero && buf.equals(zero);
    let copied = 0;
    let tmp: Buffer | undefined;
    for (const t of targets) {
      try {
        if (srcZero) {
          tmp ??= Buffer.alloc(len);
          t.dev!.readAt(tmp, off);
          if (tmp.equals(zero)) continue;
          t.dev!.writeAt(zero, off);
        } else {
          t.dev!.writeAt(buf, off);
        }
        copied += len;
      } catch (e) {
        if (!(e instanceof DeviceIoError)) throw e;
        this.m.failLeg(t, e);
      }
    }
    if (patched.length) copied += this.m.checksums!.rewriteBlocks(src, buf, off, patched);
    return copied;
  }
}
