// A window [base, base + length) of another BlockDevice, addressed from 0: how the raid1 engine
// reaches the write-intent bitmap that sits at 4 KiB inside every rmeta sub-LV (src/raid/).
import { DeviceIoError, flushAsyncOf, type BlockDevice } from './block-device.js';

export class WindowDevice implements BlockDevice {
  constructor(private readonly inner: BlockDevice, private readonly base: number, private readonly length: number) {}

  get path(): string {
    return `${this.inner.path}@${this.base}`;
  }

  size(): number {
    return this.length;
  }

  private check(op: 'read' | 'write', offset: number, len: number): void {
    if (offset < 0 || offset + len > this.length) throw new DeviceIoError(this.path, op, offset, new Error('beyond the end of the window'));
  }

  readAt(buf: Uint8Array, offset: number): void {
    this.check('read', offset, buf.length);
    this.inner.readAt(buf, this.base + offset);
  }

  writeAt(buf: Uint8Array, offset: number): void {
    this.check('write', offset, buf.length);
    this.inner.writeAt(buf, this.base + offset);
  }

  flush(): void {
    this.inner.flush();
  }

  flushAsync(): Promise<void> {
    return flushAsyncOf(this.inner);
  }

  close(): void {
    this.inner.close();
  }
}
