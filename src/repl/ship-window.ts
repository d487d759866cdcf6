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
//  - Over a connection that runs requests in arrival order, a flush barrier goes through the
//    window too (addFlush) instead of draining it: the server does everything before the flush,
//    then the flush, then what follows, so the replica is still a prefix at every instant and,
//    after a crash of the far side, a prefix up to a barrier plus some writes of the next interval,
//    as the source's own disk may be. Writes in flight still never overlap: after a cut link the
//    shipper re-sends from the oldest unanswered one, and a re-sent write over bytes that a later
//    one (landed before the cut) wrote would put the replica back to a state the source never had.
//    The server also fails every write and flush of a connection after one failed
//    (server-connection.ts), so no barrier makes later writes durable over a hole.
//    Without this a stream of small durable writes (a database's commits) shipped at one barrier
//    per two round trips of the link (the writes' answers, then the flush's): 25 a second over a
//    link of 10 ms each way. DRBD's sender, too, does not wait for a barrier's ack to send on.
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
  /** A flush barrier (addFlush): everything up to `after` is durable on the replica once it is answered. */
  flush?: boolean;
}

export class ShipWindow {
  private readonly inflight: InFlight[] = [];
  private bytes = 0;

  /**
   * `retired(p)`: every write up to p is on the replica (called in order; `flushed`: and durable
   * there, a barrier sent through addFlush was answered). `widened(to)`: a write
   * is about to be sent while others are in flight, so the writes before seq `to` may land in any
   * order from now on (called before the send: a cut link or a kill -9 right after it finds it said).
   * `inOrder`: the replica's server runs requests in arrival order (target.ts runsInOrder).
   */
  constructor(private readonly maxRequests: number, private readonly maxBytes: number,
    private readonly retired: (p: Progress, inflightTo: number, flushed: boolean) => void,
    private readonly widened?: (inflightTo: number) => void, readonly inOrder = false) {}

  get size(): number {
    return this.inflight.length;
  }

  /** The member whose connection the requests in flight went to (undefined: none in flight). */
  get member(): number | undefined {
    return this.inflight[0]?.member;
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
    this.push({ member, start: offset, end: offset + length, done: send(), after, landed });
  }

  /**
   * Send a flush barrier of `member`'s connection through the window, behind the writes in flight
   * (only over a connection that runs requests in arrival order; otherwise drain, then flush).
   */
  async addFlush(member: number, after: Progress, send: () => Promise<void>): Promise<void> {
    if (!this.inOrder) throw new Error('Internal error: a flush through the window needs a server that runs requests in order');
    if (this.inflight.length && this.inflight[0]!.member !== member) await this.drain();
    while (this.inflight.length >= this.maxRequests) await this.retireOldest();
    this.push({ member, start: 0, end: 0, done: send(), after, flush: true });
  }

  private push(w: InFlight): void {
    w.done.catch(() => undefined); // awaited in order by retireOldest; a failure there ends the link
    this.inflight.push(w);
    this.bytes += w.end - w.start;
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
    this.retired(w.after, last ? last.after.nextSeq : 0, !!w.flush);
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
