// The device under a mirror's disk (or mirrored) log once the log is open: I/O goes to the _mlog
// LV until it fails (EIO from a device or a tsvm fault rule, a failed flush). Then the failure is
// reported once (the caller records the failed log, which the fault policy then repairs) and the
// log goes on in memory, as dm-raid1 goes on when its dm-log device fails: every region out of
// sync and written, so nothing is trusted to the lost bitmap and the next log (core, or the one
// mirror_log_fault_policy "allocate" puts in its place) resyncs the whole mirror.
import { DeviceIoError, type BlockDevice } from '../device/block-device.js';
import { bitmapSectors, LOG_OFFSET_SECTORS, SECTOR_BYTES, type LogHeader } from './log-format.js';

export class FailoverLogDevice implements BlockDevice {
  private header: LogHeader | null = null;
  private mem: Buffer | null = null;

  constructor(private readonly inner: BlockDevice, private readonly onFail: (e: DeviceIoError) => void) {}

  get path(): string {
    return this.inner.path;
  }

  /** From now on a failure switches to memory (before, it is the opener's to handle). */
  arm(header: LogHeader): void {
    this.header = header;
  }

  /** Whether the log device failed and the log lives in memory. */
  get failed(): boolean {
    return this.mem !== null;
  }

  size(): number {
    return this.inner.size();
  }

  readAt(buf: Uint8Array, offset: number): void {
    if (!this.mem && !this.guard(() => this.inner.readAt(buf, offset))) return;
    this.memRange(offset, buf.length).copy(buf);
  }

  writeAt(buf: Uint8Array, offset: number): void {
    if (!this.mem && !this.guard(() => this.inner.writeAt(buf, offset))) return;
    Buffer.from(buf.buffer, buf.byteOffset, buf.length).copy(this.memRange(offset, buf.length));
  }

  flush(): void {
    if (!this.mem) this.guard(() => this.inner.flush());
  }

  close(): void {
    this.inner.close();
  }

  /** Run an I/O on the log device; false if it succeeded, true if the log is now in memory. */
  private guard(io: () => void): boolean {
    try {
      io();
      return false;
    } catch (e) {
      if (!(e instanceof DeviceIoError) || !this.header) throw e;
      this.mem = this.initialMemory(this.header);
      this.onFail(e);
      return true;
    }
  }

  private initialMemory(h: LogHeader): Buffer {
    const n = bitmapSectors(h.nrRegions) * SECTOR_BYTES;
    const end = Math.max(LOG_OFFSET_SECTORS * SECTOR_BYTES + n, h.writtenSector ? h.writtenSector * SECTOR_BYTES + n : 0);
    const mem = Buffer.alloc(end);
    // Sync bitmap: all zeros (out of sync). Written bitmap: every region may hold data.
    if (h.writtenSector) mem.fill(0xff, h.writtenSector * SECTOR_BYTES, h.writtenSector * SECTOR_BYTES + n);
    return mem;
  }

  private memRange(offset: number, length: number): Buffer {
    const mem = this.mem!;
    if (offset + length > mem.length) {
      const grown = Buffer.alloc(offset + length);
      mem.copy(grown);
      this.mem = grown;
    }
    return this.mem!.subarray(offset, offset + length);
  }
}

/** Arm `dev` with the header of the log just formatted on it, and return the log. */
export function armed<T extends { header: LogHeader }>(dev: FailoverLogDevice, log: T): T {
  dev.arm(log.header);
  return log;
}
