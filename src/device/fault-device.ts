// A BlockDevice wrapper that applies fault rules (faults.ts): an I/O overlapping an error rule's
// range fails with an EIO DeviceIoError and transfers nothing (like dm-error failing the whole bio);
// a delay rule sleeps before the I/O is done (like dm-delay).
import { DeviceIoError, flushAsyncOf, type BlockDevice } from './block-device.js';
import { ruleMatchesIo, type FaultRule } from './faults.js';
import { sleepMs } from './sleep.js';

/** An errno-style cause, shaped like the errors Node's fs raises. */
export class EioError extends Error {
  readonly code = 'EIO';
  readonly errno = -5;
  constructor(readonly syscall: 'read' | 'write' | 'fsync') {
    super(`EIO: i/o error, ${syscall}`);
  }
}

export class FaultDevice implements BlockDevice {
  private readonly seen: number[];

  constructor(private readonly inner: BlockDevice, private readonly rules: readonly FaultRule[]) {
    this.seen = rules.map(() => 0);
  }

  get path(): string {
    return this.inner.path;
  }

  size(): number {
    return this.inner.size();
  }

  readAt(buf: Uint8Array, offset: number): void {
    this.apply('read', offset, buf.length);
    this.inner.readAt(buf, offset);
  }

  writeAt(buf: Uint8Array, offset: number): void {
    this.apply('write', offset, buf.length);
    this.inner.writeAt(buf, offset);
  }

  flush(): void {
    this.inner.flush();
  }

  willWrite(offset: number, length: number): void {
    this.inner.willWrite?.(offset, length);
  }

  flushAsync(): Promise<void> {
    return flushAsyncOf(this.inner);
  }

  close(): void {
    this.inner.close();
  }

  private apply(op: 'read' | 'write', offset: number, length: number): void {
    for (let i = 0; i < this.rules.length; i++) {
      const rule = this.rules[i]!;
      if (!ruleMatchesIo(rule, op, offset, length)) continue;
      if (rule.after !== undefined && this.seen[i]! < rule.after) {
        this.seen[i]!++;
        continue;
      }
      if (rule.kind === 'delay') {
        sleepMs(rule.ms ?? 0);
      } else {
        const at = rule.offset === 'all' ? offset : Math.max(offset, rule.offset);
        throw new DeviceIoError(this.inner.path, op, at, new EioError(op));
      }
    }
  }
}
