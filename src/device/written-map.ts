// Which parts of a PV image were ever written by tsvm: one bit per 1 MiB chunk of the image, in
// $TSVM_SYSTEM_DIR/written/<pv-uuid>. A chunk is marked durably *before* the first write into it,
// so "never written" always means "still the zeros of a fresh sparse image". Mirror syncs use it to
// skip regions that are zero on every leg (the images are sparse files and Node has no SEEK_DATA):
// LVM2 copies every region; the result on the legs is the same bytes, without reading 20 GiB of holes.
import { STREAM_WRITE_BYTES } from '../model/defaults.js';
import { closeSync, fdatasyncSync, mkdirSync, openSync, readSync, writeSync, existsSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { withLock } from '../store/locks.js';

export const WRITTEN_CHUNK = 1024 * 1024;
/** Chunks marked ahead of a streaming write (see mark). */
const MARK_AHEAD = 31;

export class WrittenMap {
  private bits: Uint8Array;
  private fd: number | null = null;
  private readonly file: string;

  private constructor(private readonly systemDir: string, private readonly pvUuid: string) {
    const file = (this.file = join(systemDir, 'written', pvUuid));
    this.bits = new Uint8Array(0);
    if (existsSync(file)) {
      const fd = openSync(file, 'r');
      try {
        const buf = Buffer.alloc(1 << 16);
        const parts: Buffer[] = [];
        for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0; ) parts.push(Buffer.from(buf.subarray(0, n)));
        this.bits = new Uint8Array(Buffer.concat(parts));
      } finally {
        closeSync(fd);
      }
    }
  }

  static forPv(systemDir: string, pvUuid: string): WrittenMap {
    return new WrittenMap(systemDir, pvUuid);
  }

  /** Forget everything (pvcreate gives an image a new identity and a new map). */
  static drop(systemDir: string, pvUuid: string): void {
    rmSync(join(systemDir, 'written', pvUuid), { force: true });
  }

  private bit(chunk: number): boolean {
    const byte = chunk >> 3;
    return byte < this.bits.length && (this.bits[byte]! & (1 << (chunk & 7))) !== 0;
  }

  /** Whether any byte of [offset, offset+length) may have been written. */
  written(offset: number, length: number): boolean {
    if (length <= 0) return false;
    const first = Math.floor(offset / WRITTEN_CHUNK);
    const last = Math.floor((offset + length - 1) / WRITTEN_CHUNK);
    for (let c = first; c <= last; c++) if (this.bit(c)) return true;
    return false;
  }

  /**
   * Record a coming write; persists (and syncs) only when it touches chunks not yet marked. A write
   * of 64 KiB or more looks like a stream (dd bs=1M, an NBD client's copy, a resync): the next
   * MARK_AHEAD chunks are marked with it, so that a stream pays one fdatasync of the map per
   * 32 MiB, not per MiB.
   * Marking chunks that are then not written only costs a later copy reading them (a region that
   * reads as zeros on both sides is not written: region-copy.ts).
   */
  mark(offset: number, length: number): void {
    if (length <= 0) return;
    const first = Math.floor(offset / WRITTEN_CHUNK);
    const end = Math.floor((offset + length - 1) / WRITTEN_CHUNK);
    if (this.bit(first) && this.bit(end)) {
      let all = true;
      for (let c = first + 1; c < end && all; c++) all = this.bit(c);
      if (all) return;
    }
    const last = length >= STREAM_WRITE_BYTES ? end + MARK_AHEAD : end;
    const add: number[] = [];
    for (let c = first; c <= last; c++) if (!this.bit(c)) add.push(c);
    if (!add.length) return;
    const lo = add[0]! >> 3;
    const hi = add[add.length - 1]! >> 3;
    // Other processes mark chunks of the same PV: merge with the bytes on disk, under the map's
    // lock, rather than writing back this process's (maybe older) copy of them.
    withLock(this.systemDir, `W_${this.pvUuid}`, () => {
      if (this.fd === null) {
        mkdirSync(join(this.file, '..'), { recursive: true, mode: 0o700 });
        closeSync(openSync(this.file, 'a+'));
        this.fd = openSync(this.file, 'r+');
      }
      const bytes = Buffer.alloc(hi - lo + 1);
      readSync(this.fd, bytes, 0, bytes.length, lo);
      for (const c of add) bytes[(c >> 3) - lo] |= 1 << (c & 7);
      writeSync(this.fd, bytes, 0, bytes.length, lo);
      fdatasyncSync(this.fd);
      // Only once durable does this process take the chunks as marked.
      if (hi >= this.bits.length) {
        const grown = new Uint8Array(Math.max(hi + 1, this.bits.length * 2));
        grown.set(this.bits);
        this.bits = grown;
      }
      for (let k = 0; k < bytes.length; k++) this.bits[lo + k]! |= bytes[k]!;
    });
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

/**
 * A new PV's map: empty for a sparse image (nothing allocated past the label area), all written
 * for an image or device that already holds data, so that "never written" stays a promise of zeros.
 */
export function initWrittenMap(systemDir: string, pvUuid: string, path: string, devSize: number): void {
  WrittenMap.drop(systemDir, pvUuid);
  let allocated = Infinity;
  try {
    const st = statSync(path);
    if (st.isFile()) allocated = st.blocks * 512;
  } catch {
    /* unknown: assume data */
  }
  if (allocated > WRITTEN_CHUNK) {
    const m = WrittenMap.forPv(systemDir, pvUuid);
    m.mark(0, devSize);
    m.close();
  }
}
