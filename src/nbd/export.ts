// What an NBD server serves: the one interface every export implements (nbdkit's backend.c), so
// that the wire code (server-connection.ts) knows nothing of LVs, and tests can serve a plain
// buffer. Methods throw an error with an errno `code` (EIO, ENOSPC, EROFS...) to fail a request.

export interface NbdExport {
  readonly name: string;
  readonly description: string;
  readonly readOnly: boolean;
  size(): number;
  pread(buf: Buffer, offset: number): void;
  pwrite(buf: Buffer, offset: number, fua: boolean): void;
  /** Every write acknowledged so far made durable (on every leg of a mirror). */
  flush(): void;
  /** A hint: the range's contents no longer matter. */
  trim(offset: number, length: number, fua: boolean): void;
  /** The range reads as zeroes afterwards. */
  zero(offset: number, length: number, fua: boolean): void;
  /** No request is pending: give other processes the locks held across requests. */
  idle(): void;
}

/** Where connections find exports by name (an export may be shared by several connections). */
export interface ExportCatalog {
  list(): Array<{ name: string; description: string }>;
  /** The export named `name` for a new connection, or null when there is none by that name. */
  open(name: string): Promise<NbdExport | null>;
  /** The connection that opened `exp` is gone. */
  release(exp: NbdExport): void;
}
