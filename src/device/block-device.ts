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
  close(): void;
}

export class DeviceIoError extends Error {
  constructor(readonly path: string, readonly op: 'read' | 'write' | 'open' | 'flush', readonly offset: number, cause?: unknown) {
    super(`${op} error on ${path} at offset ${offset}${cause ? `: ${(cause as Error).message ?? cause}` : ''}`, { cause });
  }
}
