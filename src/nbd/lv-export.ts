// An active LV served over NBD: the NbdExport over an LvDevice from src/lv-io, so that every request
// has `tsvm dd`'s guarantees (the mirror engine's log-before-legs, all legs before the reply,
// leases, fault policies). Like a device-mapper table that LVM2 reloads on a metadata change, the
// device is opened again when another process changed this LV's layout (lvextend, lvreduce, a
// split or a conversion): the VG's seqno is compared before a request when anything was committed
// since it was last looked at (store/commit-stamp.ts: one 96-byte read of SQLite's WAL index header
// instead of a read transaction per request).
import { dbFile, type Db } from '../store/db.js';
import { CommitStamp } from '../store/commit-stamp.js';
import { MetadataStore } from '../store/metadata-store.js';
import { openLv, LvIoError, type IoEnv, type LvDevice } from '../lv-io/index.js';
import type { LogicalVolume, VolumeGroup } from '../model/types.js';
import { lvLayoutKey } from '../model/vg-query.js';
import { replicationRole, type ReplicationRole } from '../lv-io/replica-hook.js';
import type { NbdExport } from './export.js';

/** Zeroes are written through the LV in pieces of this size (WRITE_ZEROES, a mirror's legs alike). */
const ZERO_CHUNK = 1024 * 1024;

export class LvExport implements NbdExport {
  readonly readOnly: boolean;
  private dev: LvDevice;
  private key: string;
  private seqno: number;
  private gone: string | null = null;
  private zeroes: Buffer | null = null;
  private seqnoQuery: ReturnType<Db['prepare']> | null = null;
  /** Moves with every commit to the database (this export's connection stays open: the stamp holds). */
  private readonly stamp: CommitStamp;
  /** Its part in replication (src/repl) when opened: reopened through the journal or not when that changes. */
  private role: ReplicationRole | null;

  constructor(private readonly env: IoEnv, private readonly db: Db, private vg: VolumeGroup, private lv: LogicalVolume, readOnly: boolean) {
    this.readOnly = readOnly || !lv.writable;
    this.dev = openLv(env, vg, lv, { writable: !this.readOnly });
    this.role = replicationRole(env.systemDir, lv.uuid);
    this.key = lvLayoutKey(vg, lv);
    this.seqno = vg.seqno;
    this.stamp = new CommitStamp(dbFile(env.systemDir));
  }

  get name(): string {
    return `${this.vg.name}/${this.lv.name}`;
  }

  get lvUuid(): string {
    return this.lv.uuid;
  }

  /** What a client is told at NBD_OPT_GO: a replication shipper reads the LV's role here. */
  get description(): string {
    const role = replicationRole(this.env.systemDir, this.lv.uuid);
    return `tsvm logical volume ${this.name}${role ? `; replication: ${role}` : ''}`;
  }

  size(): number {
    return this.dev.size();
  }

  pread(buf: Buffer, offset: number): void {
    this.fresh().readAt(buf, offset);
  }

  pwrite(buf: Buffer, offset: number, fua: boolean): void {
    const dev = this.writableDevice();
    dev.writeAt(buf, offset);
    if (fua) dev.flush();
  }

  flush(): void {
    this.fresh().flush();
  }

  /** Advisory, and a mirror's legs must stay identical: nothing is discarded. */
  trim(_offset: number, _length: number, fua: boolean): void {
    if (fua) this.flush();
  }

  zero(offset: number, length: number, fua: boolean): void {
    const dev = this.writableDevice();
    this.zeroes ??= Buffer.alloc(ZERO_CHUNK);
    for (let pos = offset; pos < offset + length; pos += ZERO_CHUNK) {
      const n = Math.min(ZERO_CHUNK, offset + length - pos);
      dev.writeAt(n === ZERO_CHUNK ? this.zeroes : this.zeroes.subarray(0, n), pos);
    }
    if (fua) dev.flush();
  }

  idle(): void {
    this.dev.idle?.();
  }

  close(): void {
    this.stamp.close();
    try {
      this.dev.flush();
    } finally {
      this.dev.close();
    }
  }

  /** fresh(), for a write: an LV made read-only since the client connected refuses it (EROFS). */
  private writableDevice(): LvDevice {
    const dev = this.fresh();
    if (!dev.writable) throw new LvIoError('EROFS', `${this.name} is read-only`);
    return dev;
  }

  /** The device for the LV's current layout; EIO once the LV is removed or deactivated. */
  private fresh(): LvDevice {
    if (this.gone) throw new LvIoError('ENXIO', this.gone);
    // Nothing committed since the last query: the seqno is what it said. The header is read before
    // the query, so a commit racing the query moves it and the next request asks again.
    if (this.stamp.unchanged()) return this.dev;
    const row = (this.seqnoQuery ??= this.db.prepare('SELECT seqno, name FROM vg WHERE uuid = ?')).get(this.vg.uuid) as { seqno: number; name: string } | undefined;
    this.stamp.keep();
    if (row && row.seqno === this.seqno) return this.dev;
    const vg = row && new MetadataStore(this.db).loadVg(row.name)?.vg;
    const lv = vg?.lvs.find((l) => l.uuid === this.lv.uuid);
    if (!vg || !lv || !lv.active) {
      this.gone = `${this.name} is no longer ${lv ? 'active' : 'there'}`;
      this.close();
      throw new LvIoError('ENXIO', this.gone);
    }
    const key = lvLayoutKey(vg, lv);
    this.seqno = vg.seqno;
    const role = replicationRole(this.env.systemDir, lv.uuid);
    // A new layout, lvchange -p, or a new replication role: the table is reloaded.
    if (key !== this.key || lv.writable !== this.lv.writable || role !== this.role) {
      this.close();
      this.dev = openLv(this.env, vg, lv, { writable: !this.readOnly && lv.writable });
      this.key = key;
      this.role = role;
    }
    this.vg = vg;
    this.lv = lv;
    return this.dev;
  }
}
