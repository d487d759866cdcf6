// A mirror LV as seen by LV I/O (tsvm dd, later an NBD server) over a long life: the layout can be
// changed by other processes while it is open (split, down-convert, repair, a fault policy). Those
// commands commit under the mirror's per-LV lock; this device takes the same lock around every
// write batch and first compares the VG's seqno with the one its legs were opened at. When the
// seqno moved and this LV's layout (its sub-LV tree, segments and PV state) is not what it was, the
// old view is abandoned (legs flushed, its log left alone) and the LV is opened again: a mirror
// gets a new MirrorDevice, an LV that became linear a LinearDevice over its own segments. An LV
// that was removed or shrank below a request fails that I/O (EIO), as a removed dm device would.
// Reads check the seqno too (without the lock: a read racing a commit sees one layout or the other).
// The seqno is queried only when something was committed to the database since the last query
// (store/commit-stamp.ts: SQLite's own WAL index header, one 96-byte read instead of a read
// transaction before every read or write); any commit that changes this LV's layout moves it.
// A linear LV opened for writing is watched the same way (register.ts), so that a writer goes on
// through the mirror when `lvconvert --type mirror` converts the LV under it.
//
// It is also where a failure met by I/O turns into the fault policy (fault-policy.ts), run with no
// lock held, once per set of failed parts.
import { DeviceIoError, type BlockDevice } from '../device/block-device.js';
import type { LogicalVolume, VolumeGroup } from '../model/types.js';
import { SECTOR, lvExtents } from '../model/types.js';
import { isMirror, isMirrorLike, isRaid1, lvLayoutKey } from '../model/vg-query.js';
import { CommitStamp } from '../store/commit-stamp.js';
import { dbFile, openDb, type Db } from '../store/db.js';
import { MetadataStore } from '../store/metadata-store.js';
import { ensureSyncing } from './daemon.js';
import { handleMirrorFailure, monitoringEnabled } from './fault-policy.js';
import { logTree, mirrorImages } from './layout.js';
import { LinearDevice, type MirrorIoEnv } from './lv-device.js';
import { MirrorDevice } from './mirror-device.js';
import { mirrorFailures } from './repair-plan.js';
import { LvLease, withLvLock } from './state.js';
import { trackingRaid } from '../raid/track.js';
import { TrackedImageDevice } from '../raid/tracked-image.js';
import { handleRaidFailure, raidFailedDevices } from '../raid/fault-policy.js';
import { mirrorPercent } from './poll.js';

export class WatchedMirror {
  private dev: MirrorDevice | LinearDevice;
  private vg: VolumeGroup;
  private lv: LogicalVolume;
  private key: string;
  private db: Db | null = null;
  private seqQ: { get(uuid: string): unknown } | null = null;
  private readonly handled = new Set<string>();
  private gone: string | null = null;
  /** Moves with every commit to the database: the seqno query is needed only then. */
  private readonly stamp: CommitStamp;

  private readonly lease: LvLease;

  constructor(private readonly env: MirrorIoEnv, vg: VolumeGroup, lv: LogicalVolume) {
    this.vg = vg;
    this.lv = lv;
    this.key = lvLayoutKey(vg, lv);
    this.lease = new LvLease(env.systemDir, lv.uuid);
    this.stamp = new CommitStamp(dbFile(env.systemDir));
    this.dev = this.open();
    this.afterIo();
  }

  private open(): MirrorDevice | LinearDevice {
    if (isMirrorLike(this.lv)) {
      const dev = new MirrorDevice(this.env, this.vg, this.lv, { writable: true });
      ensureSyncing(this.env.systemDir, this.vg, this.lv, dev);
      return dev;
    }
    const raid = trackingRaid(this.vg, this.lv);
    if (raid) return new TrackedImageDevice(this.env, this.vg, this.lv, raid);
    return new LinearDevice(this.env, this.vg, this.lv, true);
  }

  private seqno(): { seqno: number; name: string } | undefined {
    if (!this.seqQ) {
      this.db = openDb(this.env.systemDir);
      this.seqQ = this.db.prepare('SELECT seqno, name FROM vg WHERE uuid = ?');
    }
    return this.seqQ.get(this.vg.uuid) as { seqno: number; name: string } | undefined;
  }

  /** Re-open if another process changed this LV's layout since it was opened (caller holds the LV lock for writes). */
  private refresh(): void {
    if (this.gone) throw new DeviceIoError(this.path, 'open', 0, new Error(this.gone));
    // Nothing committed since the last query (whose connection is still open: the stamp holds only
    // then): the VG's seqno is what it said. The header is read before the query, so a commit
    // racing the query moves it and the next refresh asks again.
    if (this.stamp.unchanged()) return;
    this.lookAgain();
    this.stamp.keep();
  }

  /** The VG's seqno as committed now; when it moved and this LV's layout with it, re-open. */
  private lookAgain(): void {
    const cur = this.seqno();
    if (cur && cur.seqno === this.vg.seqno) return;
    const loaded = cur && new MetadataStore(this.db!).loadVg(cur.name);
    const lv = loaded?.vg.lvs.find((l) => l.uuid === this.lv.uuid);
    if (!loaded || !lv) {
      this.abandon();
      this.gone = `${this.path} was removed`;
      throw new DeviceIoError(this.path, 'open', 0, new Error(this.gone));
    }
    const key = lvLayoutKey(loaded.vg, lv);
    if (key === this.key) {
      this.vg.seqno = loaded.vg.seqno;
      return;
    }
    this.abandon();
    this.vg = loaded.vg;
    this.lv = lv;
    this.key = key;
    this.dev = this.open();
  }

  private abandon(): void {
    if (this.dev instanceof MirrorDevice) this.dev.abandon();
    else {
      this.dev.flush();
      this.dev.close();
    }
  }

  get path(): string {
    return `${this.vg.name}/${this.lv.name}`;
  }

  private checkRange(offset: number, len: number, op: 'read' | 'write'): void {
    const size = lvExtents(this.lv) * this.vg.extentSize * SECTOR;
    if (offset + len > size) throw new DeviceIoError(this.path, op, offset, new Error(`beyond the end of ${this.path} (it was reduced)`));
  }

  read(buf: Uint8Array, offset: number): void {
    this.refresh();
    this.checkRange(offset, buf.length, 'read');
    try {
      this.dev.readAt(buf, offset);
    } finally {
      this.afterIo();
    }
  }

  write(buf: Uint8Array, offset: number): void {
    try {
      this.lease.run(() => {
        this.refresh();
        this.checkRange(offset, buf.length, 'write');
        this.dev.writeAt(buf, offset);
      }, () => this.flushForOthers());
    } finally {
      this.afterIo();
    }
  }

  /**
   * Before another process gets the LV's lock: what was written is flushed and its regions marked in
   * sync, so the other process sees the mirror as a suspended dm device would leave it (and not
   * this writer's published dirty regions, which a resync or a new log would not know about).
   */
  private flushForOthers(): void {
    try {
      // What is written behind (raid1 --writebehind) lands first: the other process sees the images agree.
      if (this.dev instanceof MirrorDevice) this.dev.drainBehind();
      this.dev.flush();
    } catch (e) {
      if (!(e instanceof DeviceIoError)) throw e;
    }
  }

  readBuffer(bytes: number): Uint8Array | undefined {
    return this.dev instanceof MirrorDevice ? this.dev.readBuffer(bytes) : undefined;
  }

  /** The writer may block (on its input): let other processes have the LV's lock meanwhile. */
  idle(): void {
    if (this.dev instanceof MirrorDevice) this.dev.drainBehind();
    this.lease.release();
  }

  flush(): void {
    this.dev.flush();
  }

  close(): void {
    try {
      this.dev.close();
    } finally {
      this.lease.release();
      this.stamp.close();
      this.db?.close();
      this.db = null;
      this.seqQ = null;
    }
  }

  /** A failure seen by the I/O path: run the fault policy (no lock held), then continue on the new layout. */
  private afterIo(): void {
    const dev = this.dev;
    if (!(dev instanceof MirrorDevice) || !dev.events.count) return;
    // The policy runs other commands' steps, maybe in other processes: no lock held.
    this.lease.release();
    dev.events.count = 0;
    if (!monitoringEnabled(this.env.systemDir, this.lv.uuid)) return;
    this.refreshQuietly();
    if (isRaid1(this.lv)) {
      this.afterRaidFailure();
      return;
    }
    if (!isMirror(this.lv)) return;
    const f = mirrorFailures(this.env.systemDir, this.vg, this.lv);
    const parts = [...f.images, ...f.logs];
    const sig = parts.map((p) => p.name).sort().join(',');
    if (!parts.length || this.handled.has(sig)) return;
    this.handled.add(sig);
    const images = mirrorImages(this.vg, this.lv);
    const logs = new Set(logTree(this.vg, this.lv).map((l) => l.name));
    const failed = parts.map((p) => ({
      role: logs.has(p.name) ? 'Log' : p === images[0] || images[0]?.name === p.name ? 'Primary mirror' : 'Secondary mirror',
      lv: p.name,
    }));
    const flushed = this.dev;
    try {
      flushed.flush();
    } catch {
      /* the failure is being handled */
    }
    handleMirrorFailure(this.env.systemDir, this.vg.name, this.lv.name, failed);
    this.refreshQuietly();
  }

  /** raid1: dmeventd's raid plugin, once per set of failed devices. */
  private afterRaidFailure(): void {
    const devices = raidFailedDevices(this.env.systemDir, this.vg, this.lv);
    const sig = devices.join(',');
    if (!devices.length || this.handled.has(sig)) return;
    this.handled.add(sig);
    try {
      this.dev.flush();
    } catch {
      /* the failure is being handled */
    }
    const inSync = (mirrorPercent(this.env.systemDir, this.vg, this.lv) ?? 0) >= 100;
    handleRaidFailure(this.env.systemDir, this.vg, this.lv, devices, inSync);
    this.refreshQuietly();
  }

  private refreshQuietly(): void {
    try {
      withLvLock(this.env.systemDir, this.lv.uuid, () => this.refresh());
    } catch (e) {
      if (!(e instanceof DeviceIoError)) throw e;
    }
  }
}

export type { BlockDevice };
