// BlockDevice over an image file (or a block device node) with positional I/O.
import { closeSync, fdatasync, fdatasyncSync, openSync, read, readSync, writeSync, constants } from 'node:fs';
import { fdSize } from './device-size.js';
import { DeviceIoError, type BlockDevice } from './block-device.js';

export class FileDevice implements BlockDevice {
  private fd: number;
  /**
   * Written through this descriptor since its last flush. A flush with nothing written skips the
   * fdatasync: on ext4 a second fdatasync of a clean file still costs a device cache flush, and
   * callers that share a PV (an LV and its replication journal) each flush what they wrote.
   */
  private dirty = true;

  /** `extraFlags`: e.g. O_DSYNC for a descriptor whose every write is durable by itself. */
  constructor(readonly path: string, writable = true, extraFlags = 0) {
    try {
      this.fd = openSync(path, (writable ? constants.O_RDWR : constants.O_RDONLY) | extraFlags);
    } catch (e) {
      throw new DeviceIoError(path, 'open', 0, e);
    }
  }

  size(): number {
    return fdSize(this.fd);
  }

  readAt(buf: Uint8Array, offset: number): void {
    let done = 0;
    try {
      while (done < buf.length) {
        const n = readSync(this.fd, buf, done, buf.length - done, offset + done);
        if (n === 0) {
          buf.fill(0, done);
          return;
        }
        done += n;
      }
    } catch (e) {
      throw new DeviceIoError(this.path, 'read', offset + done, e);
    }
  }

  /** The same loop as readAt, each pread on a libuv worker thread. */
  readAtAsync(buf: Uint8Array, offset: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const more = (done: number): void => {
        if (done >= buf.length) return resolve();
        read(this.fd, buf, done, buf.length - done, offset + done, (e, n) => {
          if (e) return reject(new DeviceIoError(this.path, 'read', offset + done, e));
          if (n === 0) {
            buf.fill(0, done);
            return resolve();
          }
          more(done + n);
        });
      };
      more(0);
    });
  }

  writeAt(buf: Uint8Array, offset: number): void {
    let done = 0;
    this.dirty = true;
    try {
      while (done < buf.length) done += writeSync(this.fd, buf, done, buf.length - done, offset + done);
    } catch (e) {
      throw new DeviceIoError(this.path, 'write', offset + done, e);
    }
  }

  flush(): void {
    if (!this.dirty) return;
    this.dirty = false;
    try {
      fdatasyncSync(this.fd);
    } catch (e) {
      this.dirty = true;
      throw new DeviceIoError(this.path, 'flush', 0, e);
    }
  }

  flushAsync(): Promise<void> {
    if (!this.dirty) return Promise.resolve();
    this.dirty = false;
    return new Promise((resolve, reject) => {
      fdatasync(this.fd, (e) => {
        if (!e) return resolve();
        this.dirty = true;
        reject(new DeviceIoError(this.path, 'flush', 0, e));
      });
    });
  }

  close(): void {
    closeSync(this.fd);
  }
}
