// The one interface for block devices (image files, real block devices, fault-injecting
// wrappers). Offsets and lengths in bytes; reads past the end of an image return zeros only up to
// the device size recorded by the caller, never silently beyond.

export interface BlockDevice {
  readonly path: string;
  /** Current size in bytes. */
  size(): number;
  /** Read exactly buf.length bytes at offset (a sparse hole or short file reads as zeros). */
  readAt(buf: Uint8Array, offset: number): void;
  /** Write all of buf at offset. */
  writeAt(buf: Uint8Array, offset: number): void;
  /** Make previous writes durable (fdatasync). */
  flush(): void;
  /**
   * flush() on a libuv worker thread, so that the caller can go on writing other ranges meanwhile
   * (the resync overlaps the copy of one batch with the flush of the previous one). Optional:
   * flushAsyncOf() falls back to flush().
   */
  flushAsync?(): Promise<void>;
  /**
   * readAt() on a libuv worker thread, so that the caller's event loop goes on meanwhile (the
   * replication shipper reads the next requests while its socket sends the previous ones). The
   * caller must not touch `buf` until the promise settles. Optional: readAsyncOf() falls back to
   * readAt().
   */
  readAtAsync?(buf: Uint8Array, offset: number): Promise<void>;
  /**
   * Say that [offset, offset+length) is about to be written (a resync batch), so that whatever is
   * recorded ahead of writes (the PV's written map, device-pool.ts) is recorded once for the whole
   * range instead of write by write. Optional; a no-op where nothing is recorded.
   */
  willWrite?(offset: number, length: number): void;
  /**
   * A buffer of `bytes` that reads of this device are cheapest into (an LV with checksums hands
   * out memory its block hash reads in place, so a read is verified without a copy). Optional:
   * any buffer works for any device.
   */
  readBuffer?(bytes: number): Uint8Array;
  close(): void;
}

export class DeviceIoError extends Error {
  constructor(readonly path: string, readonly op: 'read' | 'write' | 'open' | 'flush', readonly offset: number, cause?: unknown) {
    super(`${op} error on ${path} at offset ${offset}${cause ? `: ${(cause as Error).message ?? cause}` : ''}`, { cause });
  }
}

/** dev.readAtAsync(), or dev.readAt() for a device that has no background read. */
export function readAsyncOf(dev: BlockDevice, buf: Uint8Array, offset: number): Promise<void> {
  if (dev.readAtAsync) return dev.readAtAsync(buf, offset);
  return settledOf(() => dev.readAt(buf, offset));
}

/** A synchronous read as a settled promise: resolved, or rejected with what it threw. */
export function settledOf(read: () => void): Promise<void> {
  try {
    read();
    return Promise.resolve();
  } catch (e) {
    return Promise.reject(e);
  }
}

/** dev.flushAsync(), or dev.flush() for a device that has no background flush. */
export function flushAsyncOf(dev: BlockDevice): Promise<void> {
  if (dev.flushAsync) return dev.flushAsync();
  try {
    dev.flush();
    return Promise.resolve();
  } catch (e) {
    return Promise.reject(e);
  }
}
