// A small state file replaced so that a power loss leaves the old text or the new one, never a
// torn or vanished file: written to a temporary file, fsync'd, renamed over the old one, and the
// directory fsync'd (the rename itself made durable). Used by the mirror engine's and the
// replication's on-disk state (lost regions, new legs, the boot id and clean-stop mark of a
// replication group).
import { closeSync, fdatasyncSync, fsyncSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** `sync` on an fd of `path` opened read-only (a directory's fsync, a file's fdatasync). */
function syncPath(path: string, sync: (fd: number) => void): void {
  const fd = openSync(path, 'r');
  try {
    sync(fd);
  } finally {
    closeSync(fd);
  }
}

/** fsync of a directory: a rename or unlink in it made durable. */
export function syncDir(dir: string): void {
  syncPath(dir, fsyncSync);
}

/** fdatasync of a file by its path: what any process wrote to it (its dirty pages) made durable. */
export function syncFile(path: string): void {
  syncPath(path, fdatasyncSync);
}

/** Replace `path` with `text`, durably (its directory made if need be). */
export function replaceFileDurably(path: string, text: string): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  syncDir(dir);
}
