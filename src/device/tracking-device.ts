// A BlockDevice that records, in the PV's WrittenMap, every range about to be written.
import { flushAsyncOf, readAsyncOf, type BlockDevice } from './block-device.js';
import type { WrittenMap } from './written-map.js';

export class TrackingDevice implements BlockDevice {
  constructor(private readonly inner: BlockDevice, readonly map: WrittenMap) {}

  get path(): string {
    return this.inner.path;
  }

  size(): number {
    return this.inner.size();
  }

  readAt(buf: Uint8Array, offset: number): void {
    this.inner.readAt(buf, offset);
  }

  readAtAsync(buf: Uint8Array, offset: number): Promise<void> {
    return readAsyncOf(this.inner, buf, offset);
  }

  writeAt(buf: Uint8Array, offset: number): void {
    this.map.mark(offset, buf.length);
    this.inner.writeAt(buf, offset);
  }

  flush(): void {
    this.inner.flush();
  }

  willWrite(offset: number, length: number): void {
    this.map.mark(offset, length);
  }

  flushAsync(): Promise<void> {
    return flushAsyncOf(this.inner);
  }

  close(): void {
    this.map.close();
    this.inner.close();
  }
}
