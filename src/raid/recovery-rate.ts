// raid1 recovery rates (LVM2 min_recovery_rate / max_recovery_rate, kiB/sec per device, which
// dm-raid hands to md as sync_speed_min / sync_speed_max), over the bytes a resync or a scrub moves:
// - max: a token bucket, the average since the start at most the limit (0: none);
// - min: md yields a resync to other I/O of the array, but never below sync_speed_min (md's
//   default, /proc/sys/dev/raid/speed_limit_min, is 1000 kiB/s when the LV sets none). The rate
//   compared with it is the one over the last RATE_WINDOW_MS, as md measures over its recent marks.
// Pure timing: the caller awaits consume() after each chunk, yieldTo() before the next.
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** md's speed_limit_min default (kiB/s per device), the floor when the LV sets no min_recovery_rate. */
export const MD_SPEED_LIMIT_MIN = 1000;
const RATE_WINDOW_MS = 2000;
/** How often a resync that yields looks again whether the other I/O is over or the floor reached. */
const YIELD_POLL_MS = 50;

export class RateLimiter {
  private readonly bytesPerSec: number;
  private readonly minBytesPerSec: number;
  private readonly start = Date.now();
  private done = 0;
  /** Recent chunks (time, bytes), for the rate over the last RATE_WINDOW_MS. */
  private readonly recent: Array<[number, number]> = [];

  /** `kibPerSec` the maximum (0: none), `minKibPerSec` the floor (0: md's default). */
  constructor(kibPerSec: number, minKibPerSec = 0) {
    this.bytesPerSec = kibPerSec * 1024;
    this.minBytesPerSec = (minKibPerSec || MD_SPEED_LIMIT_MIN) * 1024;
  }

  get limited(): boolean {
    return this.bytesPerSec > 0;
  }

  /** Account `bytes` moved (for the recent rate) without waiting. */
  note(bytes: number): void {
    this.recent.push([Date.now(), bytes]);
  }

  /** Account `bytes` and wait until the average rate since the start is at most the limit. */
  async consume(bytes: number): Promise<void> {
    this.note(bytes);
    if (!this.bytesPerSec) return;
    this.done += bytes;
    const due = this.start + (this.done / this.bytesPerSec) * 1000;
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait);
  }

  /** Bytes per second over the last RATE_WINDOW_MS. */
  recentRate(now = Date.now()): number {
    while (this.recent.length && this.recent[0]![0] < now - RATE_WINDOW_MS) this.recent.shift();
    return (this.recent.reduce((n, [, b]) => n + b, 0) * 1000) / RATE_WINDOW_MS;
  }

  /**
   * Before the next chunk: while other I/O wants the array (`busy`) and the recent rate is at or
   * above the floor, wait (md's resync sleeps while the array is not idle and it is past
   * speed_min). Returns whether other I/O was still there when the chunk may go.
   */
  async yieldTo(busy: () => boolean): Promise<boolean> {
    for (;;) {
      if (!busy()) return false;
      if (this.recentRate() < this.minBytesPerSec) return true;
      await sleep(YIELD_POLL_MS);
    }
  }
}
