// LVM2's metadata backups (lib/format_text/archive.c, archiver.c): the backup file of a VG
// ($TSVM_SYSTEM_DIR/backup/<vg>, "Created *after* executing ..."), and its archive: every previous
// version, kept by the store in vg_history, shown as LVM2's archive files
// ($TSVM_SYSTEM_DIR/archive/<vg>_<NNNNN>-<id>.vg, "Created *before* executing ...").
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { hostname } from 'node:os';
import type { Context } from '../cli/context.js';
import type { VolumeGroup } from '../model/types.js';
import { ctime, exportVgFile } from './export.js';
import { unameLine } from './on-disk.js';
import { parseConfigText, isSection } from './config-text.js';

export function backupDir(ctx: Context): string {
  return join(ctx.systemDir, 'backup');
}

export function archiveDir(ctx: Context): string {
  return join(ctx.systemDir, 'archive');
}

/** Write a VG's text to a file, as a whole (a temporary file renamed over it). */
export function writeVgFile(path: string, vg: VolumeGroup, description: string, time: number): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, exportVgFile(vg, { description, time, host: hostname(), uname: unameLine() }), { mode: 0o600 });
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

/** The archive files of a VG, made from the store's history where missing; oldest first. */
export function archiveFiles(ctx: Context, vgName: string): string[] {
  const dir = archiveDir(ctx);
  const history = ctx.store.history(vgName);
  if (history.length) mkdirSync(dir, { recursive: true, mode: 0o700 });
  history.forEach((h, i) => {
    const path = join(dir, `${vgName}_${String(i).padStart(5, '0')}-${h.id}.vg`);
    if (!existsSync(path)) writeVgFile(path, h.vg, `Created *before* executing '${h.description}'`, h.savedAt);
  });
  if (!existsSync(dir)) return [];
  const re = new RegExp(`^${vgName.replace(/[.+]/g, '\\$&')}_(\\d{5})-\\d+\\.vg$`);
  return readdirSync(dir).filter((f) => re.test(f)).sort().map((f) => join(dir, f));
}

/** What vgcfgrestore --list says about one file (its name, as LVM2 2.03.16 prints it, twice over). */
export function listEntry(path: string): string[] {
  const top = parseConfigText(readFileSync(path, 'utf8'));
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
