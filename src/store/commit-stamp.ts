// Has anything been committed to the metadata database since a given moment? Asked before every
// read of a long-lived LV device (mirror/watched-mirror.ts), where a query per read cost 10-25 ms
// per GiB read (a read transaction's locks and cache misses). The database is in WAL mode (db.ts),
// and SQLite itself tells a change by the WAL index header at the start of the -shm file (wal.c:
// walIndexTryHdr compares it with its cached copy at every read transaction): every commit
// rewrites it (iChange incremented, mxFrame and the frame checksums moved; a WAL restarted after a
// checkpoint has new salts). So a header byte for byte as it was means no commit since it was read.
// A writer updates the header's two copies in turn; both are read here, and a read torn across a
// commit differs from the copy kept, which only costs a query. The stamp is only trusted while the
// caller holds a connection open to the database: SQLite may rebuild the file when the last one closes.
import { closeSync, openSync, readSync } from 'node:fs';

/** The two copies of the WAL index header (48 bytes each). */
const HEADER_BYTES = 96;

export class CommitStamp {
  private fd: number | null | undefined;
  private readonly now = Buffer.alloc(HEADER_BYTES);
  private readonly kept = Buffer.alloc(HEADER_BYTES);
  private valid = false;
  /** `now` holds a header read by the last unchanged(). */
  private fresh = false;

  constructor(private readonly dbFile: string) {}

  /**
   * Read the header now (before the query whose answer `keep` will vouch for); false when it
   * cannot be read (no -shm file: not in WAL mode, or not yet opened), and nothing is known.
   */
  private read(): boolean {
    if (this.fd === undefined) {
      try {
        this.fd = openSync(`${this.dbFile}-shm`, 'r');
      } catch {
        this.fd = null;
      }
    }
    if (this.fd === null) return false;
    try {
      return readSync(this.fd, this.now, 0, HEADER_BYTES, 0) === HEADER_BYTES;
    } catch {
      return false;
    }
  }

  /**
   * True when nothing was committed since the last `keep()`; otherwise the header as read now is
   * held for the next keep() (call it once the database has been queried).
   */
  unchanged(): boolean {
    this.fresh = this.read();
    return this.fresh && this.valid && this.now.equals(this.kept);
  }

  /** What the database said after the last unchanged() call holds until the header moves. */
  keep(): void {
    this.valid = this.fresh;
    if (this.fresh) this.now.copy(this.kept);
  }

  close(): void {
    if (this.fd != null) closeSync(this.fd);
    this.fd = undefined;
    this.valid = false;
  }
}
