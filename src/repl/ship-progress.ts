// The shipper's progress records (shipper.ts): how far a replica has applied and flushed the
// journal, kept in the journal's header. A writer waits on them only for a sync replica or an RPO;
// otherwise they are written at most every `everyMs`, because the header lies in the PV image with
// the LV and the journal and each progress write made the next writer's fdatasync write back one
// more extent. Once the replica has caught up with a backlog (its last record journaled long before:
// a resume after a pause, a link back up), no writer is streaming and nothing is saved by waiting:
// the pending progress is written at once, so reports (lvs lag 0) and whoever waits for them see
// the replica current without the interval's delay. DRBD's
// activity-log and bitmap writes are batched the same way, flushed early when the device goes idle.
import type { Progress } from './journal-format.js';

export class ShipProgress {
  /** Progress not yet written (by header offset), when it was last written, its timer. */
  private readonly pending = new Map<number, Progress>();
  private writtenAt = 0;
  private timer: NodeJS.Timeout | null = null;
  private ended = false;

  /**
   * `write(offset, p)` writes one record to the journal's header; `keep()` says whether the
   * replica is still in the journal (a replica dropped to its bitmap meanwhile has its own progress
   * then, and what is pending is dropped); `waited` when a writer waits for progress (sync replica,
   * RPO); `backlogMs`: how old the last record applied must be for caughtUp() to write at once.
   */
  constructor(private readonly write: (offset: number, p: Progress) => void, private readonly keep: () => boolean,
    private readonly waited: boolean, private readonly everyMs: number, private readonly backlogMs: number) {}

  /** The progress at `offset` not yet written, if any. */
  pendingAt(offset: number): Progress | undefined {
    return this.pending.get(offset);
  }

  /** Record progress: now when a writer may wait for it or the interval has passed, else within the interval. */
  record(offset: number, p: Progress): void {
    if (this.ended) return;
    this.pending.set(offset, p);
    if (this.waited || Date.now() - this.writtenAt >= this.everyMs) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.everyMs);
  }

  /**
   * The link has nothing more to send, the last record applied having been journaled at
   * `lastWrite()` (asked only when something is pending): a backlog caught up when that is older
   * than `backlogMs`, and what is pending is written now rather than at the timer. Not by the
   * interval: on a loaded machine the shipper often reaches a live writer's record more than 10 ms
   * after it was journaled, and writing then put a header page back in that writer's next fdatasync.
   */
  caughtUp(lastWrite: () => number): void {
    if (this.pending.size && Date.now() - lastWrite() >= this.backlogMs) this.flush();
  }

  /** Record progress and write it, with whatever else was pending, now (before the next request goes out). */
  recordNow(offset: number, p: Progress): void {
    if (this.ended) return;
    this.pending.set(offset, p);
    this.flush();
  }

  /** Write what is pending (dropped if the replica left the journal meanwhile). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.writtenAt = Date.now();
    if (!this.pending.size) return;
    if (this.keep()) for (const [offset, p] of this.pending) this.write(offset, p);
    this.pending.clear();
  }

  /** Write what is pending and record nothing more (the link closes). */
  close(): void {
    this.flush();
    this.ended = true;
  }

  /** The link closed: nothing more is recorded. */
  get closed(): boolean {
    return this.ended;
  }
}
