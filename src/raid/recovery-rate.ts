// --maxrecoveryrate (LVM2 max_recovery_rate, kiB/sec per device, dm-raid's max_recovery_rate
// which md enforces as sync_speed_max): a token bucket over the bytes a resync or a scrub moves.
// 0 means no limit. Pure timing: the caller awaits consume() after each chunk.
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class RateLimiter {
  private readonly bytesPerSec: number;
  private readonly start = Date.now();
  private done = 0;

  constructor(kibPerSec: number) {
    this.bytesPerSec = kibPerSec * 1024;
  }

  get limited(): boolean {
    return this.bytesPerSec > 0;
  }

  /** Account `bytes` and wait until the average rate since the start is at most the limit. */
  async consume(bytes: number): Promise<void> {
    if (!this.bytesPerSec) return;
    this.done += bytes;
    const due = this.start + (this.done / this.bytesPerSec) * 1000;
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait);
  }
}
