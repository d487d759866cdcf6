// The shipper's window of NBD writes in flight to one replica (shipper.ts). Why several may be in
// flight and the replica still be a write-order state the source went through:
//  - The window only ever holds writes of one barrier interval (a source flush drains it and the
//    replica is flushed there), of one member LV (one NBD connection), none overlapping another
//    in flight; a write that breaks one of these waits until the window is empty.
//  - Over a connection to a server that runs requests in arrival order (tsvm's own daemon), the
//    writes land in journal order: the replica is a prefix of the history at every instant.
//  - A server that runs requests in parallel (nbdkit, qemu-nbd) may land them in any order. The
//    replica is then, at every instant, a prefix P (everything up to the oldest write in flight)
//    plus some of the writes in flight, all issued after P's last barrier, none overlapping: the
//    state the source's own disk may hold after a power loss at that moment (a disk with a write
//    cache only orders writes across flushes; file systems and databases flush between writes
//    that depend on each other). The journal's applied progress names P and, in `inflight`, the
//    end of the window; the replica is a prefix exactly when the window is empty (at every flush
//    barrier and whenever the shipper is idle), and a restarted shipper re-sends from P in order,
//    which makes it one again.
//  - A write sent as several NBD requests (target.ts requestBytes: only to such a server) is as
//    several writes in flight: its parts may land in any order, so it widens the window even alone.
// DRBD's epochs between barriers are the model; the window is its "max-epoch-size".
import type { Progress } from './journal-format.js';

interface InFlight {
  member: number;
  start: number;
  end: number;
  done: Promise<void>;
  after: Progress;
  /** Called once the write is on the replica (its buffer may be used again). */
  landed?: () => void;
}

export class ShipWindow {
  private readonly inflight: InFlight[] = [];
  private bytes = 0;

  /**
   * `retired(p)`: every write up to p is on the replica (called in order). `widened(to)`: a write
   * is about to be sent while others are in flight, so the writes before seq `to` may land in any
   * order from now on (called before the send: a cut link or a kill -9 right after it finds it said).
   */
  constructor(private readonly maxRequests: number, private readonly maxBytes: number,
    private readonly retired: (p: Progress, inflightTo: number) => void,
    private readonly widened?: (inflightTo: number) => void) {}

  get size(): number {
    return this.inflight.length;
  }

  /**
   * Send a write through the window (`send` starts it), waiting first as the rules say. `requests`:
   * how many NBD requests `send` makes of it; more than one may land in any order even alone.
   */
  async add(member: number, offset: number, length: number, after: Progress, send: () => Promise<void>, landed?: () => void,
    requests = 1): Promise<void> {
    if (this.inflight.length && (this.inflight[0]!.member !== member || this.overlaps(offset, offset + length))) await this.drain();
    while (this.inflight.length && (this.inflight.length >= this.maxRequests || this.bytes + length > this.maxBytes)) await this.retireOldest();
    if (this.inflight.length || requests > 1) this.widened?.(after.nextSeq);
    const done = send();
    done.catch(() => undefined); // awaited in order by retireOldest; a failure there ends the link
    this.inflight.push({ member, start: offset, end: offset + length, done, after, landed });
    this.bytes += length;
  }

  private overlaps(start: number, end: number): boolean {
    return this.inflight.some((w) => w.start < end && start < w.end);
  }

  private async retireOldest(): Promise<void> {
    const w = this.inflight[0]!;
    await w.done;
    this.inflight.shift();
    w.landed?.();
    this.bytes -= w.end - w.start;
    const last = this.inflight[this.inflight.length - 1];
    this.retired(w.after, last ? last.after.nextSeq : 0);
  }

  /** Wait for every write in flight (the replica is a prefix of the history again). */
  async drain(): Promise<void> {
    while (this.inflight.length) await this.retireOldest();
  }

  /** Forget what is in flight (the link broke: those writes are sent again from the last retired). */
  reset(): void {
    this.inflight.length = 0;
    this.bytes = 0;
  }
}
