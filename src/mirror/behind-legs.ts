// The write-behind threads of a mirror device's writemostly legs (raid1 --writebehind N, md's
// bitmap write-behind; the thread itself is src/raid/write-behind.ts). A leg gets one on its first
// write when the LV is a writable raid1 with --writebehind, the leg is writemostly and some other
// live image is not (reads and resyncs come from that one). A thread whose write failed fails its
// leg, as a failed write would; all of them are drained before anything reads or writes those legs
// directly (a copy, a self-heal) and before another process gets the LV.
import { DeviceIoError } from '../device/block-device.js';
import type { LogicalVolume, VolumeGroup } from '../model/types.js';
import { isRaid1 } from '../model/vg-query.js';
import { WriteBehind } from '../raid/write-behind.js';
import type { MirrorIoEnv } from './lv-device.js';
import type { Leg, MirrorOpenOptions } from './mirror-device.js';

/** What the threads need of the mirror device (MirrorDevice has all of it). */
export interface BehindHost {
  readonly env: MirrorIoEnv;
  readonly vg: VolumeGroup;
  readonly lv: LogicalVolume;
  readonly opts: MirrorOpenOptions;
  readonly legs: Leg[];
  readonly regionBytes: number;
  failLeg(leg: Leg, e: unknown): void;
}

export class BehindLegs {
  private readonly threads = new Map<Leg, WriteBehind>();

  constructor(private readonly m: BehindHost) {}

  has(leg: Leg): boolean {
    return this.threads.has(leg);
  }

  get size(): number {
    return this.threads.size;
  }

  values(): IterableIterator<WriteBehind> {
    return this.threads.values();
  }

  /** The write-behind of `leg`, made on its first write; null when the leg is written directly. */
  for(leg: Leg): WriteBehind | null {
    const got = this.threads.get(leg);
    if (got) return got;
    const { m } = this;
    const n = m.lv.segments[0]!.writebehind ?? 0;
    if (!n || !m.opts.writable || m.opts.noLog || !isRaid1(m.lv) || !leg.lv.flags.includes('WRITEMOSTLY')) return null;
    if (!m.legs.some((l) => !l.failed && !l.lv.flags.includes('WRITEMOSTLY'))) return null;
    const wb = new WriteBehind(m.env.systemDir, m.vg, leg.lv.name, n, m.regionBytes);
    this.threads.set(leg, wb);
    return wb;
  }

  /** A write-behind that failed fails its leg, as a failed write would. */
  check(leg: Leg, wb: WriteBehind): void {
    const f = wb.failure();
    if (!f) return;
    this.threads.delete(leg);
    wb.abandon();
    this.m.failLeg(leg, new DeviceIoError(leg.lv.name, 'write', f.offset, new Error(f.error)));
  }

  /** Wait until every write-behind has landed (checking each). */
  drain(): void {
    for (const [leg, wb] of [...this.threads]) {
      wb.drain();
      this.check(leg, wb);
    }
  }

  /** Stop every thread (what was queued lands first). */
  close(): void {
    for (const wb of this.threads.values()) wb.close();
    this.threads.clear();
  }
}
