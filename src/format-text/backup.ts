// LVM2's metadata backups (lib/format_text/archive.c, archiver.c): the backup file of a VG
// ($TSVM_SYSTEM_DIR/backup/<vg>, "Created *after* executing ..."), and its archive: every previous
// version, kept by the store in vg_history, shown as LVM2's archive files
// ($TSVM_SYSTEM_DIR/archive/<vg>_<NNNNN>-<id>.vg, "Created *before* executing ...").
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readSync, renameSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';
import { hostname } from 'node:os';
import type { Context } from '../cli/context.js';
import type { LogicalVolume, VolumeGroup } from '../model/types.js';
import { ctime, exportVgFilePieces, type LvStream } from './export.js';
import { vgJsonHeadMembers } from '../store/vg-json.js';
import type { HistoryVersion } from '../store/history.js';
import { unreadLv } from '../model/unread-lv.js';
import { unameLine } from './on-disk.js';
import { parseConfigText, isSection } from './config-text.js';

export function backupDir(ctx: Context): string {
  return join(ctx.systemDir, 'backup');
}

export function archiveDir(ctx: Context): string {
  return join(ctx.systemDir, 'archive');
}

/**
 * Write a VG's text to a file, as a whole (a temporary file, written as it is made, renamed over
 * it); `lvs`: its LVs in the text's order, one at a time (exportVgFilePieces).
 */
export function writeVgFile(path: string, vg: VolumeGroup, description: string, time: number, lvs?: LvStream): void {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  // Small pieces encoded into one buffer, written when full: a piece's strings then die young
  // (a scavenge of the 1 MiB young generation found the pieces of 1 MiB alive and moved them to
  // the old one, which grew by ~25 MB for each version an archive rebuilds at 10,000 LVs).
  const buf = Buffer.allocUnsafe(1 << 18);
  let at = 0;
  const flush = () => {
    for (let off = 0; off < at; ) off += writeSync(fd, buf, off, at - off);
    at = 0;
  };
  try {
    for (const piece of exportVgFilePieces(vg, { description, time, host: hostname(), uname: unameLine() }, 1 << 12, lvs)) {
      const bytes = Buffer.byteLength(piece);
      if (at + bytes > buf.length) flush();
      if (bytes > buf.length) writeSync(fd, piece);
      else at += buf.write(piece, at);
    }
    flush();
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/** vgcfgbackup without -f: the VG's backup file. */
export function writeBackup(ctx: Context, vg: VolumeGroup): string {
  const dir = backupDir(ctx);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, vg.name);
  writeVgFile(path, vg, `Created *after* executing '${ctx.cmdLine}'`, ctx.now());
  return path;
}

/**
 * The archive files of a VG, made from the store's history where missing; oldest first. LVM2
 * writes one at every change (`<vg>_<index>-<id>.vg`); tsvm writes them when asked for, so only the
 * versions without a file are rebuilt (newest first along each VG's chain of deltas, down to the
 * oldest missing one) and exported, one at a time: at 10,000 LVs a version is ~4 MB of text.
 */
export function archiveFiles(ctx: Context, vgName: string): string[] {
  const dir = archiveDir(ctx);
  const re = new RegExp(`^${vgName.replace(/[.+]/g, '\\$&')}_(\\d{5})-(\\d+)\\.vg$`);
  const files = () => (existsSync(dir) ? readdirSync(dir).filter((f) => re.test(f)).sort() : []);
  const have = new Set(files().map((f) => Number(re.exec(f)![2])));
  const rows = ctx.store.historyRows(vgName);
  const missing = new Map(rows.flatMap((r, index) => (have.has(r.id) ? [] : [[r.id, { ...r, index }] as const])));
  if (missing.size) mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const uuid of new Set([...missing.values()].map((r) => r.uuid))) {
    let left = [...missing.values()].filter((r) => r.uuid === uuid).length;
    ctx.store.eachHistoryVersion(uuid, (id, stored) => {
      const r = missing.get(id);
      if (!r) return true;
      if (stored !== null) {
        const path = join(dir, `${vgName}_${String(r.index).padStart(5, '0')}-${id}.vg`);
        const version = versionToExport(stored);
        writeVgFile(path, version.vg, `Created *before* executing '${r.description}'`, r.savedAt, version.lvs);
      }
      return --left > 0;
    });
  }
  return files().map((f) => join(dir, f));
}

/**
 * An archived version's VG to export (store/history.ts HistoryVersion): from its lines, each LV is
 * parsed afresh as its block is printed, then dropped. Parsing the version's whole text held all
 * its LVs at once, for every version rebuilt: at 10,000 LVs, with the version texts joined and
 * split again, the first `vgcfgrestore --list` after 20 commands peaked at 171 MiB.
 */
function versionToExport(v: HistoryVersion): { vg: VolumeGroup; lvs?: LvStream } {
  if ('text' in v) return { vg: JSON.parse(v.text) as VolumeGroup };
  const vg = { ...vgJsonHeadMembers(v.headLine), lvs: [] } as VolumeGroup;
  return { vg, lvs: { count: v.lvTexts.length, inTextOrder: lvsInTextOrderOf(v.lvTexts) } };
}

/**
 * export.ts lvsInTextOrder over LV lines, each parsed when its turn comes: the visible ones, then
 * the hidden ones. Whether a line is visible is read from its start without parsing it
 * (model/unread-lv.ts; its unread LV is dropped at once).
 */
function* lvsInTextOrderOf(lvTexts: string[]): Generator<LogicalVolume> {
  const hidden: number[] = [];
  for (let i = 0; i < lvTexts.length; i++) {
    if (unreadLv(lvTexts[i]!).visible) yield JSON.parse(lvTexts[i]!) as LogicalVolume;
    else hidden.push(i);
  }
  for (const i of hidden) yield JSON.parse(lvTexts[i]!) as LogicalVolume;
}

/**
 * A file's text with the insides of its top-level sections left out (`name {}` stays), read in
 * chunks: what a backup file says about itself is at its top level, and an archive of a VG of
 * 10,000 LVs is ~4 MB that need not be held, as a Buffer and a string, once per file listed.
 * Strings (which may hold braces) and comments are followed. The chunks are 64 KiB: a buffer of
 * 1 MiB a file, freed only by a later GC, added ~20 MiB to the peak of listing 21 such files.
 */
function topLevelText(path: string): string {
  const fd = openSync(path, 'r');
  const chunk = Buffer.allocUnsafe(1 << 16);
  const kept: Buffer[] = [];
  let depth = 0;
  let inString = false;
  let escaped = false;
  let comment = false;
  try {
    for (let pos = 0; ;) {
      const n = readSync(fd, chunk, 0, chunk.length, pos);
      if (n === 0) break;
      pos += n;
      let from = 0;
      for (let i = 0; i < n; i++) {
        const c = chunk[i]!;
        if (comment) comment = c !== 0x0a;
        else if (inString) {
          if (escaped) escaped = false;
          else if (c === 0x5c) escaped = true;
          else if (c === 0x22) inString = false;
        } else if (c === 0x22) inString = true;
        else if (c === 0x23) comment = true;
        else if (c === 0x7b) {
          // keep the `{` that opens a top-level section, drop what follows up to its `}`
          if (depth++ === 0) kept.push(Buffer.from(chunk.subarray(from, i + 1)));
        } else if (c === 0x7d && depth > 0 && --depth === 0) from = i;
      }
      if (depth === 0) kept.push(Buffer.from(chunk.subarray(from, n)));
    }
  } finally {
    closeSync(fd);
  }
  return Buffer.concat(kept).toString('utf8');
}

/**
 * What vgcfgrestore --list says about one file (its name, as LVM2 2.03.16 prints it, twice over).
 * Only the file's top level is read: the VG's name is its section's, the rest are top-level keys.
 */
export function listEntry(path: string): string[] {
  const top = parseConfigText(topLevelText(path));
  const vg = [...top.entries].find(([, v]) => isSection(v))?.[0] ?? '';
  const desc = top.entries.get('description');
  const time = top.entries.get('creation_time');
  return [
    ' ',
    `File:\t\t${path}/${basename(path)}`,
    `VG name:    \t${vg}`,
    `Description:\t${typeof desc === 'string' ? desc : ''}`,
    `Backup Time:\t${typeof time === 'number' ? ctime(time) : ''}`,
    '',
  ];
}
