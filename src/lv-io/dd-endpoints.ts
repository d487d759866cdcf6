// The two ends of a dd copy: an LV (through openLv) or a file descriptor (regular file, device
// node, pipe, stdin/stdout). Errors carry errno codes so dd can print strerror() text.
import { alignedBuffer } from '../device/aligned-buffer.js';
import { closeSync, fdatasyncSync, fstatSync, fsyncSync, ftruncateSync, readSync, writeSync } from 'node:fs';
import { DeviceIoError } from '../device/block-device.js';
import { LvIoError } from './io-env.js';
import type { LvDevice } from './open-lv.js';

const STRERROR: Record<string, string> = {
  EIO: 'Input/output error', ENOSPC: 'No space left on device', ENOENT: 'No such file or directory',
  ENXIO: 'No such device or address', EACCES: 'Permission denied', EROFS: 'Read-only file system',
  EISDIR: 'Is a directory', EINVAL: 'Invalid argument', ESPIPE: 'Illegal seek', EEXIST: 'File exists',
  EPIPE: 'Broken pipe', EBADF: 'Bad file descriptor', ENOTDIR: 'Not a directory', EPERM: 'Operation not permitted',
  EFBIG: 'File too large', EOVERFLOW: 'Value too large for defined data type', ENOTSUP: 'Operation not supported',
};

/** An I/O failure with an errno code; `done` bytes were transferred before it. */
export class ErrnoError extends Error {
  constructor(readonly code: string, readonly done = 0) {
    super(STRERROR[code] ?? code);
  }
}

/** The errno code behind an error from fs, a device, or LV I/O (EIO when nothing better is known). */
export function errnoOf(e: unknown): string {
  if (e instanceof ErrnoError || e instanceof LvIoError) return e.code;
  if (e instanceof DeviceIoError) return errnoOf(e.cause) || 'EIO';
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code) ? code : '';
}

export function strerror(code: string): string {
  return STRERROR[code] ?? code;
}

export interface DdSource {
  readonly name: string;
  /** One read of up to buf.length bytes; 0 at end of input. */
  read(buf: Uint8Array): number;
  /** Skip `bytes` of input (skip=); returns the bytes that could not be skipped (past the end). */
  skip(bytes: number): number;
  /** A buffer of `bytes` that reads of this source are cheapest into (optional). */
  buffer?(bytes: number): Uint8Array;
  /** A read may wait indefinitely (a pipe, a terminal, a socket). */
  readonly mayBlock?: boolean;
  close(): void;
}

export interface DdSink {
  readonly name: string;
  /** Write all of buf, or throw ErrnoError with the bytes written before the failure. */
  write(buf: Uint8Array): void;
  /** Move forward without writing (seek=, conv=sparse). */
  seek(bytes: number): void;
  sync(dataOnly: boolean): void;
  /** After the copy: extend a regular file that ended with a sparse seek. */
  finish(): void;
  /** The copy is about to wait on its input (LvSink: let other processes have the LV's lock). */
  idle?(): void;
  /**
   * A buffer of `bytes` that writes to this sink are cheapest from (optional; used when the source
   * has no preference): an LV with checksums sums its blocks where they lie, without a copy.
   */
  buffer?(bytes: number): Uint8Array;
  close(): void;
}

export class LvSource implements DdSource {
  private pos = 0;
  constructor(readonly name: string, private readonly dev: LvDevice) {}

  read(buf: Uint8Array): number {
    const n = Math.min(buf.length, this.dev.size() - this.pos);
    if (n <= 0) return 0;
    this.dev.readAt(n === buf.length ? buf : buf.subarray(0, n), this.pos);
    this.pos += n;
    return n;
  }

  buffer(bytes: number): Uint8Array {
    return this.dev.readBuffer?.(bytes) ?? alignedBuffer(bytes);
  }

  skip(bytes: number): number {
    // A block device refuses to seek past its end (EINVAL), dd reports "cannot skip".
    if (this.pos + bytes > this.dev.size()) throw new ErrnoError('EINVAL');
    this.pos += bytes;
    return 0;
  }

  close(): void {
    this.dev.close();
  }
}

export class LvSink implements DdSink {
  private pos = 0;
  constructor(readonly name: string, private readonly dev: LvDevice, private readonly syncEach = false) {}

  write(buf: Uint8Array): void {
    const room = this.dev.size() - this.pos;
    if (buf.length > room) {
      // Like a block device: the part that fits is written, then ENOSPC.
      if (room > 0) this.dev.writeAt(buf.subarray(0, room), this.pos);
      this.pos += Math.max(room, 0);
      throw new ErrnoError('ENOSPC', Math.max(room, 0));
    }
    if (this.syncEach && this.dev.writeAtDurable) {
      this.dev.writeAtDurable(buf, this.pos);
    } else {
      this.dev.writeAt(buf, this.pos);
      if (this.syncEach) this.dev.flush();
    }
    this.pos += buf.length;
  }

  buffer(bytes: number): Uint8Array {
    // (the device's readBuffer is the kind its checksums are computed in place over, for writes too)
    return this.dev.readBuffer?.(bytes) ?? alignedBuffer(bytes);
  }

  seek(bytes: number): void {
    if (this.pos + bytes > this.dev.size()) throw new ErrnoError('EINVAL');
    this.pos += bytes;
  }

  sync(): void {
    this.dev.flush();
  }

  finish(): void {}

  idle(): void {
    this.dev.idle?.();
  }

  close(): void {
    this.dev.close();
  }
}

/** A file descriptor: positional I/O on regular files and devices, streaming on pipes and ttys. */
export class FdEndpoint implements DdSource, DdSink {
  private pos: number | null;
  private lastWasSeek = false;

  constructor(readonly name: string, private readonly fd: number, private readonly owned: boolean, private readonly syncEach = false) {
    const st = fstatSync(fd);
    // An inherited stdin/stdout goes on from the shell's file offset (shared with the other
    // commands of a script writing to the same file): sequential I/O, never positional from 0.
    this.pos = owned && (st.isFile() || st.isBlockDevice()) ? 0 : null;
    this.mayBlock = !st.isFile() && !st.isBlockDevice();
  }

  readonly mayBlock: boolean;

  get seekable(): boolean {
    return this.pos !== null;
  }

  read(buf: Uint8Array): number {
    for (;;) {
      try {
        const n = readSync(this.fd, buf, 0, buf.length, this.pos);
        if (this.pos !== null) this.pos += n;
        return n;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
        throw new ErrnoError(errnoOf(e) || 'EIO');
      }
    }
  }

  skip(bytes: number): number {
    if (this.pos !== null) {
      const size = fstatSync(this.fd).size;
      const st = fstatSync(this.fd);
      if (st.isFile() && this.pos + bytes > size) {
        const left = this.pos + bytes - size;
        this.pos = size;
        return left;
      }
      this.pos += bytes;
      return 0;
    }
    const chunk = new Uint8Array(Math.min(bytes, 1 << 20) || 1);
    let left = bytes;
    while (left > 0) {
      const n = this.read(left < chunk.length ? chunk.subarray(0, left) : chunk);
      if (n === 0) break;
      left -= n;
    }
    return left;
  }

  write(buf: Uint8Array): void {
    let done = 0;
    while (done < buf.length) {
      try {
        const n = writeSync(this.fd, buf, done, buf.length - done, this.pos === null ? null : this.pos + done);
        done += n;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
        if (this.pos !== null) this.pos += done;
        throw new ErrnoError(errnoOf(e) || 'EIO', done);
      }
    }
    if (this.pos !== null) this.pos += done;
    this.lastWasSeek = false;
    if (this.syncEach) fdatasyncSync(this.fd);
  }

  seek(bytes: number): void {
    if (this.pos === null) throw new ErrnoError('ESPIPE');
    this.pos += bytes;
    this.lastWasSeek = bytes > 0;
  }

  /** Truncate a regular output file at the current position (dd without conv=notrunc). */
  truncateHere(): void {
    if (this.pos !== null && fstatSync(this.fd).isFile()) ftruncateSync(this.fd, this.pos);
  }

  sync(dataOnly: boolean): void {
    try {
      if (dataOnly) fdatasyncSync(this.fd);
      else fsyncSync(this.fd);
    } catch (e) {
      throw new ErrnoError(errnoOf(e) || 'EIO');
    }
  }

  finish(): void {
    if (this.lastWasSeek && this.pos !== null) {
      const st = fstatSync(this.fd);
      if (st.isFile() && st.size < this.pos) ftruncateSync(this.fd, this.pos);
    }
  }

  close(): void {
    if (this.owned) closeSync(this.fd);
  }
}
