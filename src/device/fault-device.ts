// A BlockDevice wrapper that applies fault rules (faults.ts): an I/O overlapping an error rule's
// range fails with an EIO DeviceIoError and transfers nothing (like dm-error failing the whole bio);
// a delay rule sleeps before the I/O is done (like dm-delay); a zero rule reads zeros and drops
// writes (like dm-zero).
import { DeviceIoError, flushAsyncOf, readAsyncOf, type BlockDevice } from './block-device.js';
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
    for (const [a, b] of this.zeroed('read', offset, buf.length)) buf.fill(0, a - offset, b - offset);
  }

  /** The rules are applied as for readAt (a delay still sleeps in the caller's thread). */
  async readAtAsync(buf: Uint8Array, offset: number): Promise<void> {
    this.apply('read', offset, buf.length);
    await readAsyncOf(this.inner, buf, offset);
    for (const [a, b] of this.zeroed('read', offset, buf.length)) buf.fill(0, a - offset, b - offset);
  }

  writeAt(buf: Uint8Array, offset: number): void {
    this.apply('write', offset, buf.length);
    const zeroed = this.zeroed('write', offset, buf.length);
    if (!zeroed.length) return this.inner.writeAt(buf, offset);
    // the zero target drops writes: only the bytes outside its ranges reach the device
    let at = offset;
    for (const [a, b] of [...zeroed, [offset + buf.length, offset + buf.length] as [number, number]]) {
      if (a > at) this.inner.writeAt(buf.subarray(at - offset, a - offset), at);
      at = Math.max(at, b);
    }
  }

  /** The parts of an I/O that zero rules cover, as sorted, merged [start, end) byte ranges. */
  private zeroed(op: 'read' | 'write', offset: number, length: number): [number, number][] {
    const out: [number, number][] = [];
    for (const rule of this.rules) {
      if (rule.kind !== 'zero' || !ruleMatchesIo(rule, op, offset, length)) continue;
      const start = rule.offset === 'all' ? offset : Math.max(offset, rule.offset);
      const end = rule.offset === 'all' || rule.length === 'all' ? offset + length : Math.min(offset + length, rule.offset + rule.length);
      if (end > start) out.push([start, end]);
    }
    out.sort((x, y) => x[0] - y[0]);
    const merged: [number, number][] = [];
    for (const r of out) {
      const last = merged[merged.length - 1];
      if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
      else merged.push(r);
    }
    return merged;
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
      if (rule.kind === 'zero') continue;
      if (rule.kind === 'delay') {
        sleepMs(rule.ms ?? 0);
      } else {
        const at = rule.offset === 'all' ? offset : Math.max(offset, rule.offset);
        throw new DeviceIoError(this.inner.path, op, at, new EioError(op));
      }
    }
  }
}
