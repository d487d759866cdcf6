// The shipper's request buffers (shipper.ts): the bytes of a Ref are read from the member LV straight
// into a buffer of this pool, sent, and the buffer is taken back once the replica acknowledged the
// write. A fresh 2 MiB buffer per request cost the shipper more than the copy itself (page faults on
// new memory, and garbage collections paced by the external memory). The buffers start on a page
// boundary (aligned-buffer.ts): the kernel copies a page-cache read into malloc's 16-bytes-off ones
// several times slower (a 512 MiB ship through tsvm's NBD client: ~0.6 s of CPU, ~0.35 s aligned).
import { alignedBuffer } from '../device/aligned-buffer.js';

export class SendBuffers {
  private readonly free: Buffer[] = [];

  constructor(private readonly bufferBytes: number, private readonly keep: number) {}

  /** A buffer of `length` bytes (contents undefined): its pooled whole, and the part to fill. */
  take(length: number): { whole: Buffer; part: Buffer } {
    const whole = length <= this.bufferBytes ? this.free.pop() ?? alignedBuffer(this.bufferBytes) : alignedBuffer(length);
    return { whole, part: whole.subarray(0, length) };
  }

  /** Give a buffer back (only once nothing will read or write it any more). */
  give(whole: Buffer): void {
    if (whole.length === this.bufferBytes && this.free.length < this.keep) this.free.push(whole);
  }
}
