// A read cache of the metadata for the report commands, in $TSVM_SYSTEM_DIR/cache: opening SQLite
// (loading better-sqlite3, the query, building objects) costs a report at 1,000 LVs about as much
// as everything else it does, and reports are what lab scripts run most.
//   index.json            VG names -> uuids, the orphan PVs, every PV's device
//   vg-<uuid>.<seqno>.json one committed version of a VG
//   vg-<uuid>.<seqno>.used the extents its LVs use on each PV (used-space.ts), when a commit derived them
// Writers (MetadataStore) drop what a transaction will change *before* it commits, and publish
// the new versions only after the outermost commit, holding the VG lock (or the global lock for
// the index). A reader that finds a file missing falls back to SQLite; among several versions of
// a VG it takes the highest seqno, so a late publisher can never make a reader go back in time.
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { isAscii } from 'node:buffer';
import type { PhysicalVolume, VolumeGroup } from '../model/types.js';
import { vgJson, vgJsonHeadLine, vgJsonLines, vgJsonLinesReusing, vgJsonParts, type ReusableLines } from './vg-json.js';

export interface CacheIndex {
  vgs: Record<string, string>;
  orphans: PhysicalVolume[];
  /**
   * Where every PV the database knows is (orphans and VG members): the devices of the label scan
   * when there is no device folder, so that a report read from the cache still finds duplicates
   * (absent in an index written before: the scan then asks the database).
   */
  devices?: { name: string; path: string }[];
}

/**
 * A file's text: an all-ASCII file (nearly every one) is taken as latin1, one byte a character,
 * which makes V8 a one-byte string without decoding UTF-8 (a third of reading 4 MB).
 */
function readText(path: string): string {
  return readTextBytes(path).text;
}

/** readText's text, and the file's bytes when they are one a character (ASCII): offsets in one are offsets in the other. */
function readTextBytes(path: string): { text: string; bytes: Buffer | null } {
  const bytes = readFileSync(path);
  const ascii = isAscii(bytes);
  return { text: bytes.toString(ascii ? 'latin1' : 'utf8'), bytes: ascii ? bytes : null };
}

export class ReadCache {
  readonly dir: string;
  private files: string[] | null = null;

  constructor(systemDir: string) {
    this.dir = join(systemDir, 'cache');
  }

  // ---- readers -------------------------------------------------------------------------------

  index(): CacheIndex | null {
    return this.readJson<CacheIndex>('index.json');
  }

  /** The newest cached version of a VG, or null. */
  vg(uuid: string): VolumeGroup | null {
    const prefix = `vg-${uuid}.`;
    let best = -1;
    for (const f of this.listing()) {
      if (!f.startsWith(prefix) || !f.endsWith('.json')) continue;
      const seq = Number(f.slice(prefix.length, -5));
      if (Number.isInteger(seq) && seq > best) best = seq;
    }
    return best < 0 ? null : this.readJson<VolumeGroup>(`${prefix}${best}.json`);
  }

  /**
   * The text of one version of a VG, or null: what a writer holding the VG's lock reads instead of
   * SQLite when that version is the one SQLite has (MetadataStore.loadVgForUpdate).
   */
  vgText(uuid: string, seqno: number): { text: string; bytes: Buffer | null } | null {
    try {
      return readTextBytes(join(this.dir, `vg-${uuid}.${seqno}.json`));
    } catch {
      return null;
    }
  }

  /** The used-space index of one version of a VG (used-space.ts, its file's bytes), or null. */
  usedSpace(uuid: string, seqno: number): Buffer | null {
    try {
      return readFileSync(join(this.dir, `vg-${uuid}.${seqno}.used`));
    } catch {
      return null;
    }
  }

  private listing(): string[] {
    if (this.files) return this.files;
    try {
      this.files = readdirSync(this.dir);
    } catch {
      this.files = [];
    }
    return this.files;
  }

  private readJson<T>(name: string): T | null {
    try {
      return JSON.parse(readText(join(this.dir, name))) as T;
    } catch {
      return null;
    }
  }

  // ---- writers -------------------------------------------------------------------------------

  dropIndex(): void {
    rmSync(join(this.dir, 'index.json'), { force: true });
  }

  /** Drop every cached version of a VG. */
  dropVg(uuid: string): void {
    this.files = null;
    for (const f of this.listing()) if (f.startsWith(`vg-${uuid}.`)) rmSync(join(this.dir, f), { force: true });
    this.files = null;
  }

  /** Publish a committed version of a VG; `text` its vgJson (vg-json.ts), made from the VG if not given. */
  publishVg(vg: VolumeGroup, text = vgJson(vg)): void {
    this.write(`vg-${vg.uuid}.${vg.seqno}.json`, text);
    this.dropOlder(vg.uuid, vg.seqno);
  }

  /**
   * The same from its LVs' JSON, written a piece at a time (the whole text is never one string);
   * `from`: the cached version the commit read (its file's bytes, one a character), whose lines
   * still in their places are copied from those bytes instead of being encoded again.
   */
  publishVgTexts(vg: VolumeGroup, lvTexts: string[], from?: ReusableLines): void {
    const name = `vg-${vg.uuid}.${vg.seqno}.json`;
    this.writeParts(name, from ? vgJsonLinesReusing(vgJsonHeadLine(vg), lvTexts, from) : vgJsonParts(vg, lvTexts));
    this.dropOlder(vg.uuid, vg.seqno);
  }

  /** The same from the text's first line (vg-json.ts vgJsonHeadLine) and its LVs' JSON. */
  publishVgLines(uuid: string, seqno: number, headLine: string, lvTexts: string[]): void {
    this.writeParts(`vg-${uuid}.${seqno}.json`, vgJsonLines(headLine, lvTexts));
    this.dropOlder(uuid, seqno);
  }

  /** The used-space index of a version just published (after it: publishVg* drops older versions' files). */
  publishUsedSpace(uuid: string, seqno: number, bytes: Buffer): void {
    this.writeParts(`vg-${uuid}.${seqno}.used`, [bytes]);
  }

  /** Older versions are dead weight (a reader would skip them anyway). */
  private dropOlder(uuid: string, seqno: number): void {
    this.files = null;
    for (const f of this.listing()) {
      const m = /^vg-(.+)\.(\d+)\.(?:json|used)$/.exec(f);
      if (m && m[1] === uuid && Number(m[2]) < seqno) rmSync(join(this.dir, f), { force: true });
    }
    this.files = null;
  }

  publishIndex(index: CacheIndex): void {
    this.write('index.json', JSON.stringify(index));
  }

  private write(name: string, text: string): void {
    this.writeParts(name, [text]);
  }

  /** Write the pieces to a temporary file, a few hundred KB at a time, then rename it into place (bytes as they are). */
  private writeParts(name: string, parts: Iterable<string | Buffer>): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const tmp = join(this.dir, `.${name}.${process.pid}`);
    const fd = openSync(tmp, 'w', 0o644);
    try {
      let batch: string[] = [];
      let chars = 0;
      const flush = () => {
        if (!batch.length) return;
        const b = Buffer.from(batch.join(''));
        for (let off = 0; off < b.length; ) off += writeSync(fd, b, off, b.length - off);
        batch = [];
        chars = 0;
      };
      for (const part of parts) {
        if (typeof part !== 'string') {
          flush();
          for (let off = 0; off < part.length; ) off += writeSync(fd, part, off, part.length - off);
          continue;
        }
        batch.push(part);
        if ((chars += part.length) >= 256 * 1024) flush();
      }
      flush();
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, join(this.dir, name));
  }
}
