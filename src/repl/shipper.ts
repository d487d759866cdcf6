// The shipper: one background process per system dir (shipper-main.ts) that sends each replica its
// group's journal records over NBD, in order, several requests in flight within the rules of
// ship-window.ts, recording progress in the journal as requests complete (so a kill -9 re-sends
// only the window), flushing the replica at every flush barrier and at least every second, and
// copying marked regions when a replica comes back from its bitmap (resync). DRBD's
// sender/receiver pair, with an NBD server as the receiver.
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DevicePool } from '../device/device-pool.js';
import { syncFile } from '../store/durable-file.js';
import { openLv, type IoEnv, type LvDevice } from '../lv-io/index.js';
import type { NbdClient } from '../nbd/client.js';
import { openDb, type Db } from '../store/db.js';
import { linkPid } from '../store/pid-file.js';
import { sharedLocks } from '../store/locks.js';
import { GroupsReader, groupLockName, regionMapPath, type Group, type Replica } from './config.js';
import { Journal, resolveLv } from './journal.js';
import { Mode, appliedOffset, flushedOffset, type Progress } from './journal-format.js';
import { readOps, type Op } from './ship-batch.js';
import { BatchReads } from './ship-reads.js';
import { LocalDone } from './local-done.js';
import { RunProgress, adoptable } from './run-progress.js';
import { ShipWindow } from './ship-window.js';
import { ShipProgress } from './ship-progress.js';
import { SendBuffers } from './send-buffers.js';
import { dropResyncMap, markedRegions, takeForResync } from './region-map.js';
import { activeExtents, clearActivityLog } from './activity-log.js';
import { recoverPending, type MemberWriter } from './recovery.js';
import { checkHostRestart, markCleanStop } from './host-restart.js';
import { linkKey, shipperPaths, type LinkState, type ShipperState } from './shipper-control.js';
import { splitGroupReplica } from './split.js';
import { SplitError, maxWrite, openTarget, requestBytes, runsInOrder } from './target.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A request the replica has not answered in this long counts as a broken link (DRBD's ko-count). */
const REQUEST_TIMEOUT_MS = 15_000;

function timed<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer from the replica in ${REQUEST_TIMEOUT_MS / 1000} s`)), REQUEST_TIMEOUT_MS);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
/**
 * Data per batch read from the journal. The reads ahead start again at each batch (ship-reads.ts),
 * so a batch is several windows long.
 */
const BATCH_BYTES = 64 * 1024 * 1024;
/**
 * Largest request, and what the window may hold in flight (ship-window.ts). Each request costs the
 * shipper's one thread a fixed share of JavaScript (read, window, NBD header, progress record):
 * 4 MiB requests took ~20% less of the shipper's CPU per GiB than 2 MiB ones (8 MiB no better).
 */
const REQUEST_BYTES = 4 * 1024 * 1024;
const WINDOW_REQUESTS = 8;
/**
 * Requests in flight to a server that runs them in arrival order (tsvm's daemon): barriers go
 * through the window too (ship-window.ts addFlush), so over a slow link a stream of small durable
 * writes is bound by how many of them the window holds per round trip, not by two round trips each.
 */
const IN_ORDER_WINDOW_REQUESTS = 64;
/**
 * Bytes in flight to such a server: each request's answer must come within REQUEST_TIMEOUT_MS of
 * its send, everything queued before it included, so a link slower than this per 15 s would time out
 * and reconnect (32 MiB, the parallel servers' bound, needs 2.2 MB/s; this, 1.1 MB/s).
 */
const IN_ORDER_WINDOW_BYTES = 16 * 1024 * 1024;
const WINDOW_BYTES = 32 * 1024 * 1024;
/** Requests whose bytes are being read from the LV ahead of the one being sent (ship-reads.ts). */
const READ_AHEAD = 4;
/** Request buffers kept for reuse: the reads ahead and a window in flight. */
const KEEP_BUFFERS = READ_AHEAD + WINDOW_BYTES / REQUEST_BYTES + 2;
/** A replica is flushed at least this often while it has unflushed writes. */
const FLUSH_EVERY_MS = 1000;
/**
 * Applied and flushed progress go to the journal's header at most this often while no writer waits
 * for them (no sync replica, no RPO) and writes keep coming (ship-progress.ts): the header shares
 * the PV image with the LV and the journal, so each progress write made the next writer's fdatasync
 * write back one more extent (200 x 4 KiB oflag=sync with the replica live, medians of 24 at load
 * ~5: 247 -> 216 ms, plain 131). A kill -9 of the shipper loses none of it: every retired
 * request's progress is also in the run-time directory (run-progress.ts).
 */
const PROGRESS_EVERY_MS = 10;
/**
 * Progress is written at once when the link catches up with a record journaled this long before (a
 * backlog: a resume after a pause, a link back up), not up to PROGRESS_EVERY_MS later. 200 x 4 KiB
 * oflag=sync with the replica live at load ~13: with the interval as the bound the shipper wrote
 * 67 header records instead of 44 (it often reaches a live writer's record >10 ms late there).
 */
const BACKLOG_MS = 100;
/** How long the group must have had no write before an idle, caught-up link clears its activity log. */
const AL_CLEAR_IDLE_MS = 1000;
/** How long Refs whose writers have not said them done wait before the shipper takes the lock barrier. */
const TAIL_WAIT_MS = 20;

export class Shipper {
  private readonly env: IoEnv;
  private readonly db: Db;
  private readonly loops = new Map<string, Promise<void>>();
  private readonly state: ShipperState = {};
  private stopping = false;
  private readonly paths;
  private readonly groups: GroupsReader;

  constructor(private readonly systemDir: string) {
    this.env = { devices: new DevicePool(systemDir), systemDir };
    this.groups = new GroupsReader(systemDir);
    this.db = openDb(systemDir);
    this.paths = shipperPaths(systemDir);
  }

  async start(): Promise<boolean> {
    mkdirSync(this.paths.dir, { recursive: true, mode: 0o700 });
    if (!linkPid(this.paths.pid)) return false;
    for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(sig, () => this.stop());
    for (;;) {
      if (this.stopping || !existsSync(join(this.systemDir, 'tsvm.db'))) break;
      const groups = this.groups.load();
      const wanted = new Set<string>();
      for (const g of groups) for (const r of g.role === 'replica' ? [] : g.replicas) {
        const key = linkKey(g.uuid, r.slot);
        wanted.add(key);
        if (!this.loops.has(key)) this.loops.set(key, this.runReplica(g.uuid, r.slot).finally(() => this.loops.delete(key)));
      }
      for (const key of Object.keys(this.state)) if (!wanted.has(key)) delete this.state[key];
      this.publish();
      // Nothing needs a shipper: go.
      if (!wanted.size && !this.loops.size) break;
      await sleep(250);
    }
    this.stop();
    return true;
  }

  stop(): void {
    if (this.stopping && !this.loops.size) this.exit();
    this.stopping = true;
    void Promise.allSettled([...this.loops.values()]).then(() => {
      this.markClean();
      this.exit();
    });
    setTimeout(() => this.exit(), 3000).unref();
  }

  /**
   * A clean stop (every link closed): what the groups' writers wrote so far is made durable (their
   * PV images flushed, whoever wrote them) and a mark says so, so that the next boot does not take
   * this stop for a power loss and resync every replica in full (host-restart.ts).
   */
  private markClean(): void {
    for (const g of this.groups.load()) {
      if (g.role === 'replica' || !g.replicas.length) continue;
      try {
        const journal = Journal.open(this.env, this.db, g);
        const locks = sharedLocks(this.systemDir);
        locks.lock(groupLockName(g), 2000);
        try {
          const images = new Set<string>();
          for (const ref of [g.journal, ...g.members]) for (const pv of resolveLv(this.db, ref)?.vg.pvs ?? []) images.add(pv.path);
          for (const path of images) syncFile(path);
          markCleanStop(this.systemDir, journal, g);
        } finally {
          locks.unlock(groupLockName(g));
          journal.close();
        }
      } catch (e) {
        // (no mark: the next boot resyncs, as after a power loss)
        process.stderr.write(`${new Date().toISOString()} ${g.name}: clean stop not marked: ${(e as Error).message}\n`);
      }
    }
  }

  private exit(): void {
    try {
      writeFileSync(this.paths.state, '{}');
    } catch {
      /* gone */
    }
    rmSync(this.paths.pid, { force: true });
    process.exit(0);
  }

  /** What was last written to the state file, without the times (it is written again only when it changes). */
  private published = '';

  private publish(): void {
    const text = JSON.stringify(this.state, (k, v: unknown) => (k === 'updated' ? undefined : v));
    if (text === this.published) return;
    this.published = text;
    try {
      const tmp = `${this.paths.state}.${process.pid}`;
      writeFileSync(tmp, JSON.stringify(this.state));
      renameSync(tmp, this.paths.state);
    } catch {
      /* the system dir went away */
    }
  }

  private setLink(key: string, s: Partial<LinkState>): void {
    this.state[key] = { ...(this.state[key] ?? { connected: false }), ...s, updated: Date.now() };
  }

  /** The group and replica as configured now; null once removed. */
  private config(groupUuid: string, slot: number): { group: Group; replica: Replica } | null {
    const group = this.groups.load().find((g) => g.uuid === groupUuid);
    const replica = group?.replicas.find((r) => r.slot === slot);
    return group && replica ? { group, replica } : null;
  }

  private async runReplica(groupUuid: string, slot: number): Promise<void> {
    const key = linkKey(groupUuid, slot);
    let link: ReplicaLink | null = null;
    let backoff = 50;
    // The request buffers outlive the link: a link is opened again at every resume (and after a
    // broken connection), and fresh buffers cost a page fault per 4 KiB on their first fill.
    const buffers = new SendBuffers(REQUEST_BYTES, KEEP_BUFFERS);
    try {
      while (!this.stopping) {
        const cfg = this.config(groupUuid, slot);
        if (!cfg || cfg.group.role === 'replica') return;
        if (cfg.replica.paused || cfg.replica.split) {
          await link?.close();
          link = null;
          this.setLink(key, { connected: false, error: undefined });
          // Woken by the resume's write of the group config (GroupsReader.changed), else a stat of
          // it every 10 ms.
          await this.groups.changed(10);
          continue;
        }
        try {
          if (!link || link.stale(cfg.group, cfg.replica)) {
            await link?.close();
            link = null;
            link = await ReplicaLink.open(this.env, this.db, cfg.group, cfg.replica, buffers);
          }
          this.setLink(key, { connected: true, error: undefined });
          const progressed = await link.step((s) => this.setLink(key, s), () => this.stopping);
          backoff = 50;
          if (!progressed) await sleep(link.idleFor() > 100 ? 20 : 2);
        } catch (e) {
          // The far side was promoted (failover): stop shipping, count what it lacks as written here.
          if (e instanceof SplitError) {
            try {
              splitGroupReplica(this.env, this.db, cfg.group, slot, 'far side promoted', true);
            } catch (err) {
              process.stderr.write(`${new Date().toISOString()} ${key}: split: ${(err as Error).message}\n`);
            }
          }
          if (this.state[key]?.error !== (e as Error).message) {
            process.stderr.write(`${new Date().toISOString()} ${key}: ${(e as Error).message}\n`);
          }
          this.setLink(key, { connected: false, error: (e as Error).message });
          await link?.close();
          link = null;
          await sleep(backoff);
          backoff = Math.min(backoff * 2, 500);
        }
      }
    } finally {
      await link?.close();
    }
  }
}

/** One replica of one group, connected: its journal view, member targets and source LVs. */
class ReplicaLink {
  /** Applied and flushed progress, written to the journal's header now or a little later. */
  private readonly progressRecords: ShipProgress;
  private lastProgress = Date.now();
  private lastFlush = Date.now();
  private unflushed = false;
  private readonly written = new Set<number>();
  private sources: Array<LvDevice | null>;
  private readonly window: ShipWindow;
  /** Where the next batch starts: after the last op sent (the window may still hold it). */
  private issued: Progress | null = null;
  /** The head at the last idle recovery. */
  private recoveredAt = 0;
  /** The head when the activity log was last started afresh (0: not by this link). */
  private alClearedAt = 0;
  private readonly localDone: LocalDone;
  /** The applied progress of every retired request, kept where a kill -9 does not lose it. */
  private readonly run: RunProgress;
  /** The first Ref not said done, and since when the shipper waits for it. */
  private tail: { seq: number; since: number } | null = null;
  /** Some target runs requests in parallel (runsInOrder), and up to which seq writes may be out of order there. */
  private readonly reorders: boolean;
  private unorderedTo: number;

  private constructor(private readonly env: IoEnv, private readonly db: Db, private readonly group: Group,
    private readonly replica: Replica, private readonly journal: Journal, private readonly targets: NbdClient[],
    private readonly seqnos: Map<string, number>, private readonly buffers: SendBuffers) {
    this.sources = group.members.map(() => null);
    this.progressRecords = new ShipProgress((offset, p) => journal.writeProgress(offset, p),
      () => journal.mode(replica.slot).mode === Mode.Journal, replica.kind === 'sync' || !!replica.rpo, PROGRESS_EVERY_MS,
      BACKLOG_MS);
    this.localDone = new LocalDone(env.systemDir, group.uuid);
    this.run = new RunProgress(env.systemDir, group.uuid);
    this.reorders = targets.some((t) => !runsInOrder(t));
    // A shipper killed between two header writes: go on from where it really was, re-sending
    // nothing the replica already applied (run-progress.ts).
    const run = this.run.read(replica.slot);
    if (journal.mode(replica.slot).mode === Mode.Journal && adoptable(journal, replica.slot, run)) {
      this.progressRecords.recordNow(appliedOffset(replica.slot), run);
    }
    this.unorderedTo = journal.applied(replica.slot).inflight ?? 0;
    this.window = new ShipWindow(this.reorders ? WINDOW_REQUESTS : IN_ORDER_WINDOW_REQUESTS, this.reorders ? WINDOW_BYTES : IN_ORDER_WINDOW_BYTES,
      (p, inflight, flushed) => {
        // Progress as requests complete; a replica dropped to its bitmap meanwhile keeps its own.
        if (this.journal.mode(this.replica.slot).mode !== Mode.Journal) return;
        this.progress(appliedOffset(this.replica.slot), this.unordered(p, inflight));
        if (flushed) this.progress(flushedOffset(this.replica.slot), p);
      }, (to) => {
        if (!this.reorders || to <= this.unorderedTo || this.journal.mode(this.replica.slot).mode !== Mode.Journal) return;
        this.unorderedTo = to;
        // Before the next request goes out: written now, with whatever progress was pending.
        this.progressRecords.recordNow(appliedOffset(this.replica.slot), { ...this.applied(), inflight: to });
      }, !this.reorders);
  }

  /** The replica's applied progress as this link knows it (pending included). */
  private applied(): Progress {
    return this.progressRecords.pendingAt(appliedOffset(this.replica.slot)) ?? this.journal.applied(this.replica.slot);
  }

  /** Record progress: now when a writer may be waiting for it, else within PROGRESS_EVERY_MS. */
  private progress(offset: number, p: Progress): void {
    if (this.progressRecords.closed) return;
    if (offset === appliedOffset(this.replica.slot)) this.run.write(this.replica.slot, p);
    this.progressRecords.record(offset, p);
  }

  /**
   * Applied progress `p` as recorded: with `inflight`, the end of the writes that may be on the
   * replica out of order (a server that runs requests in parallel had several at once), kept from
   * one link to the next until everything before it is applied again in order (a cut window's
   * writes may have landed, and a status then says the replica is crash-consistent, not a prefix).
   */
  private unordered(p: Progress, inflight: number): Progress {
    if (!this.reorders) return p;
    const to = Math.max(inflight, this.unorderedTo);
    this.unorderedTo = to > p.nextSeq ? to : 0;
    return this.unorderedTo ? { ...p, inflight: this.unorderedTo } : p;
  }

  static async open(env: IoEnv, db: Db, group: Group, replica: Replica, buffers: SendBuffers): Promise<ReplicaLink> {
    const journal = Journal.open(env, db, group);
    const targets: NbdClient[] = [];
    try {
      for (const [i, m] of group.members.entries()) targets.push(await openTarget(replica.targets[i]!, m.size));
    } catch (e) {
      for (const t of targets) await t.disconnect().catch(() => undefined);
      journal.close();
      throw e;
    }
    return new ReplicaLink(env, db, group, replica, journal, targets, vgSeqnos(db, group), buffers);
  }

  /**
   * The configuration changed in a way that needs new connections, or the metadata of a VG the
   * journal or a member lives in (their extents may have moved: pvmove, lvextend).
   */
  stale(group: Group, replica: Replica): boolean {
    if (JSON.stringify(replica.targets) !== JSON.stringify(this.replica.targets) || group.members.length !== this.group.members.length) return true;
    const now = vgSeqnos(this.db, group);
    return [...now].some(([vg, seqno]) => this.seqnos.get(vg) !== seqno);
  }

  idleFor(): number {
    return Date.now() - this.lastProgress;
  }

  private locked<T>(fn: () => T): T {
    const locks = sharedLocks(this.env.systemDir);
    const name = groupLockName(this.group);
    locks.lock(name);
    try {
      return fn();
    } finally {
      locks.unlock(name);
    }
  }

  /** The member LV on this side, opened for the resync (read) and recovery (write) without the journal. */
  private source(i: number): LvDevice {
    let d = this.sources[i];
    if (d) return d;
    const found = resolveLv(this.db, this.group.members[i]!);
    if (!found) throw new Error(`Logical volume ${this.group.members[i]!.vgName}/${this.group.members[i]!.lvName} not found.`);
    d = openLv(this.env, found.vg, found.lv, { writable: true, ignoreActivation: true });
    this.sources[i] = d;
    return d;
  }

  /** One step: resync, ship a batch, flush, or recover; false when there was nothing to do. */
  async step(report: (s: Partial<LinkState>) => void, stopping: () => boolean): Promise<boolean> {
    const slot = this.replica.slot;
    // A link the far side closed (its daemon stopped, or it was promoted) is noticed while idle too.
    if (this.targets.some((t) => t.broken)) throw new Error('NBD connection closed');
    let mode = this.journal.mode(slot);
    if (mode.mode === Mode.Split) return false;
    // A replica dropped to its bitmap in the middle of a batch (the journal filled) may still have
    // journal writes in flight: on a server that runs requests in parallel one could land after the
    // resync's write of the same region, leaving old bytes where the map says the copy is done.
    if ((mode.mode === Mode.Bitmap || mode.resyncing) && this.window.size) await this.window.drain();
    if (mode.mode === Mode.Bitmap) {
      this.startResync();
      mode = this.journal.mode(slot);
    }
    if (mode.resyncing) {
      await this.resync(report, stopping);
      return true;
    }
    const shipped = await this.shipBatch(stopping);
    if (shipped) {
      this.lastProgress = Date.now();
      return true;
    }
    // Nothing more to send: a backlog caught up is said now, not at the timer.
    this.progressRecords.caughtUp(() => this.applied().lastWrite);
    if (this.unflushed && Date.now() - this.lastFlush >= FLUSH_EVERY_MS) {
      await this.flushTargets(this.applied());
      return true;
    }
    if (mode.consistentAt && this.applied().nextSeq >= mode.consistentAt) {
      this.locked(() => {
        const m = this.journal.mode(slot);
        if (m.mode === Mode.Journal && !m.resyncing && m.consistentAt) this.journal.writeMode(slot, { ...m, consistentAt: 0, reason: '' });
      });
    }
    // Idle: a writer killed between its record and its local write is mended now (once per head:
    // re-applying the last record is harmless when its writer did finish).
    const a = this.applied();
    if (a.nextSeq > this.recoveredAt && Date.now() - a.lastWrite > 300) {
      this.recoveredAt = a.nextSeq;
      this.locked(() => {
        // The host booted again since the group was written (power loss): writers do it first, if any.
        checkHostRestart(this.env.systemDir, this.journal, this.group);
        recoverPending(this.journal, (i) => this.source(i) as MemberWriter);
      });
    }
    // Idle and caught up: a new generation of the activity log (what a power loss would resync).
    if (a.nextSeq !== this.alClearedAt && Date.now() - a.lastWrite > AL_CLEAR_IDLE_MS && !this.unflushed) {
      if (this.clearActivity()) this.alClearedAt = a.nextSeq;
    }
    return false;
  }

  /**
   * When every replica in the journal has applied every record: make every member's bytes durable
   * here and start the activity log afresh (activity-log.ts). True when done, or when nothing is
   * marked (nothing to start afresh); false when a replica is behind (another link's progress not
   * written yet, a pause) or a write came meanwhile: tried again later. The members are flushed
   * without the group lock (a writer would wait for that fdatasync, which writes back whatever any
   * LV of those PV images has dirty): the head seen before it and again under the lock after it
   * says no record, and so no local write of a replicated write, came in between.
   */
  private clearActivity(): boolean {
    const marked = this.group.members.some((_, i) => activeExtents(this.env.systemDir, this.group, i)?.length !== 0);
    if (!marked) return true;
    const caughtUp = (): number | null => {
      const head = this.journal.currentHead();
      for (const r of this.group.replicas) {
        const m = this.journal.mode(r.slot);
        if (m.mode !== Mode.Journal) continue;
        const applied = r.slot === this.replica.slot ? this.applied() : this.journal.applied(r.slot);
        if (m.resyncing || applied.nextSeq < head.nextSeq) return null;
      }
      return head.nextSeq;
    };
    const before = this.locked(caughtUp);
    if (before === null) return false;
    for (let i = 0; i < this.group.members.length; i++) this.source(i).flush();
    return this.locked(() => {
      if (caughtUp() !== before) return false;
      clearActivityLog(this.env.systemDir, this.group);
      return true;
    });
  }

  /** Leave bitmap mode: the marked regions are set aside for copying, the replica is back in the journal from the head on. */
  private startResync(): void {
    const slot = this.replica.slot;
    this.locked(() => {
      const m = this.journal.mode(slot);
      if (m.mode !== Mode.Bitmap) return;
      for (let i = 0; i < this.group.members.length; i++) takeForResync(this.env.systemDir, this.group, slot, i);
      this.journal.resetReplica(slot, { mode: Mode.Journal, epoch: m.epoch + 1, consistentAt: Number.MAX_SAFE_INTEGER, resyncing: true, reason: m.reason });
    });
  }

  /** Copy the regions of the resync maps, source to replica, then say when the replica is consistent again. */
  private async resync(report: (s: Partial<LinkState>) => void, stopping: () => boolean): Promise<void> {
    const slot = this.replica.slot;
    const lists = this.group.members.map((_, i) => markedRegions(regionMapPath(this.env.systemDir, this.group, slot, i, true)));
    const total = lists.reduce((n, l) => n + l.length, 0);
    let done = 0;
    report({ resyncDone: 0, resyncTotal: total });
    for (const [i, regions] of lists.entries()) {
      const src = this.source(i);
      const size = Math.min(src.size(), this.group.members[i]!.size);
      const target = this.targets[i]!;
      const chunk = Math.max(1, Math.floor(maxWrite(target) / this.group.regionSize));
      for (let k = 0; k < regions.length;) {
        if (stopping()) return;
        // A run of consecutive regions, read under the group lock (no write is half done then).
        let n = 1;
        while (n < chunk && k + n < regions.length && regions[k + n] === regions[k]! + n) n++;
        const offset = regions[k]! * this.group.regionSize;
        const length = Math.min(n * this.group.regionSize, size - offset);
        if (length > 0) {
          const buf = Buffer.allocUnsafe(length);
          this.locked(() => src.readAt(buf, offset));
          await timed(target.pwriteInRequests(buf, offset, requestBytes(target)), 'resync write');
        }
        k += n;
        done += n;
        report({ resyncDone: done, resyncTotal: total });
      }
    }
    for (const t of this.targets) await timed(t.flush(), 'flush');
    this.locked(() => {
      const m = this.journal.mode(slot);
      for (let i = 0; i < this.group.members.length; i++) dropResyncMap(this.env.systemDir, this.group, slot, i);
      if (m.mode !== Mode.Journal) return;
      // Consistent once every record journaled during the copy is applied.
      this.journal.writeMode(slot, { ...m, resyncing: false, consistentAt: this.journal.currentHead().nextSeq });
    });
    report({ resyncDone: undefined, resyncTotal: undefined });
  }

  /** Read the next records and send them through the window; false when there was nothing to do. */
  private async shipBatch(stopping: () => boolean): Promise<boolean> {
    const slot = this.replica.slot;
    const from = this.window.size && this.issued ? this.issued : this.applied();
    const ops = readOps(this.journal, from, BATCH_BYTES, (m) => Math.min(REQUEST_BYTES, maxWrite(this.targets[m]!)));
    this.keepDone(ops);
    if (!ops.length) {
      // Nothing journaled, or the next Ref's writer is still at it: let the window empty meanwhile.
      if (!this.window.size) return false;
      await this.window.drain();
      return true;
    }
    const reads = new BatchReads(this.journal, ops, (m) => this.source(m), this.buffers, READ_AHEAD);
    try {
      for (const op of ops) {
        if (stopping()) break;
        if (this.journal.mode(slot).mode !== Mode.Journal) return true;
        if (op.kind === 'write') {
          await reads.ready(op);
          const t = this.targets[op.member]!;
          const data = op.data!;
          const pooled = op.pooled;
          op.pooled = undefined; // the window gives it back once the replica has the write
          // Cut into several NBD requests for a server that runs them in parallel (target.ts requestBytes).
          const per = requestBytes(t);
          await this.window.add(op.member, op.offset, op.length, op.after,
            () => timed(t.pwriteInRequests(data, op.offset, per), 'write'),
            pooled && (() => this.buffers.give(pooled)), Math.ceil(op.length / per));
          this.written.add(op.member);
          this.unflushed = true;
        } else if (op.kind === 'flush' && this.window.inOrder && this.written.size <= 1 && (this.written.size || this.window.size)) {
          // A barrier to a server that runs requests in order, everything since the last one on one
          // connection: sent behind the writes in flight; its answer says them durable (ship-window.ts).
          const m = this.written.size ? [...this.written][0]! : this.window.member!;
          const t = this.targets[m]!;
          this.flushSent();
          await this.window.addFlush(m, op.after, () => timed(t.flush(), 'flush'));
        } else {
          // A barrier (or records that are not writes): everything before it is on the replica first.
          await this.window.drain();
          if (op.kind === 'flush') await this.flushTargets(op.after);
          if (this.journal.mode(slot).mode !== Mode.Journal) return true;
          this.progress(appliedOffset(slot), this.unordered(op.after, 0));
        }
        this.issued = op.after;
      }
      // The end of what was journaled: let the replica be a prefix again (sync replicas wait for it).
      if (ops.reduce((n, op) => n + op.length, 0) < BATCH_BYTES / 2) await this.window.drain();
      // A long stream without barriers is made durable on the replica now and then (the journal's
      // space is freed up to what the replica flushed).
      if (this.unflushed && Date.now() - this.lastFlush >= FLUSH_EVERY_MS) {
        await this.window.drain();
        await this.flushTargets(this.applied());
      }
    } catch (e) {
      this.window.reset();
      this.issued = null;
      throw e;
    } finally {
      await reads.settle();
    }
    return true;
  }

  /**
   * Cut `ops` to those whose Refs have their bytes on the LV (the rest waits for a later batch). A Ref record is in the journal
   * before its writer's local write, and a writer says it done (local-done.ts) at the end of that
   * write, still holding the group lock; a Ref not said done within TAIL_WAIT_MS (its writer died
   * between the two, or is slow) waits instead for a moment of holding the group lock: a writer
   * holds it from its record to the end of its local write. Read earlier, the shipper could send
   * the bytes from before that write and call them applied. The LV is read after this, without the
   * lock, so that writers never wait for these reads: a write that overwrites bytes an unapplied
   * Ref needs preserves them in the journal first, and BatchReads puts them back after its reads
   * (ship-reads.ts). Write records carry their bytes: small writes need none of this.
   */
  private keepDone(ops: Op[]): void {
    const refSeq = (op: Op) => (op.kind === 'write' ? op.pieces.reduce((m, p) => (p.data ? m : Math.max(m, p.seq)), 0) : 0);
    const newest = ops.reduce((m, op) => Math.max(m, refSeq(op)), 0);
    if (!newest) return;
    const done = this.localDone.read();
    const cut = newest <= done ? -1 : ops.findIndex((op) => refSeq(op) > done);
    if (cut < 0) {
      this.tail = null;
    } else if (cut > 0) {
      ops.length = cut;
    } else {
      const seq = refSeq(ops[0]!);
      const now = Date.now();
      if (this.tail?.seq !== seq) this.tail = { seq, since: now };
      if (now - this.tail.since < TAIL_WAIT_MS) {
        ops.length = 0;
        return;
      }
      this.locked(() => undefined);
      this.tail = null;
    }
  }

  /** Flush the targets written since the last flush; what was applied is now durable there. */
  private async flushTargets(upTo: Progress): Promise<void> {
    for (const i of this.written) await timed(this.targets[i]!.flush(), 'flush');
    this.flushSent();
    this.progress(flushedOffset(this.replica.slot), upTo);
  }

  /** A flush of every target written since the last one has gone out: nothing is left to flush. */
  private flushSent(): void {
    this.written.clear();
    this.unflushed = false;
    this.lastFlush = Date.now();
  }

  async close(): Promise<void> {
    this.progressRecords.close();
    this.window.reset();
    for (const t of this.targets) {
      const bye = t.disconnect();
      const gone = await Promise.race([bye.then(() => true, () => true), sleep(2000).then(() => false)]);
      if (!gone) t.destroy();
    }
    for (const s of this.sources) s?.close();
    this.run.close();
    this.journal.close();
  }
}

const seqnoQueries = new WeakMap<Db, ReturnType<Db['prepare']>>();

/** seqno of the VGs a group's journal and members live in, by VG uuid (asked at every step). */
function vgSeqnos(db: Db, group: Group): Map<string, number> {
  const out = new Map<string, number>();
  let q = seqnoQueries.get(db);
  if (!q) seqnoQueries.set(db, (q = db.prepare('SELECT seqno FROM vg WHERE uuid = ?')));
  for (const ref of [group.journal, ...group.members]) {
    const row = q.get(ref.vgUuid) as { seqno: number } | undefined;
    out.set(ref.vgUuid, row?.seqno ?? -1);
  }
  return out;
}
