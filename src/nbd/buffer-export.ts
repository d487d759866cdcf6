// A small export over bytes in memory: what a tsvm NBD server serves besides LVs, such as an LV's
// split region map (`VG/LV:split-map`, read by the failback of replication, src/repl). Read-only,
// or, with `onClear`, it takes zeroes (WRITE_ZEROES, TRIM, a write of zeroes) and nothing else.
import { LvIoError } from '../lv-io/index.js';
import type { NbdExport } from './export.js';

export class BufferExport implements NbdExport {
  readonly readOnly: boolean;

  constructor(readonly name: string, readonly description: string, private readonly bytes: Buffer,
    private readonly onClear?: (offset: number, length: number) => void) {
    this.readOnly = !onClear;
  }

  size(): number {
    return this.bytes.length;
  }

  pread(buf: Buffer, offset: number): void {
    buf.fill(0);
    this.bytes.copy(buf, 0, offset, Math.min(this.bytes.length, offset + buf.length));
  }

  pwrite(buf: Buffer, offset: number): void {
    if (buf.some((b) => b !== 0)) throw new LvIoError('EINVAL', `${this.name} only takes zeroes`);
    this.zero(offset, buf.length);
  }

  flush(): void {}

  trim(offset: number, length: number): void {
    this.zero(offset, length);
  }

  zero(offset: number, length: number): void {
    if (!this.onClear) throw new LvIoError('EROFS', `${this.name} is read-only`);
    this.bytes.fill(0, offset, offset + length);
    this.onClear(offset, Math.min(length, this.bytes.length - offset));
  }

  idle(): void {}
}
