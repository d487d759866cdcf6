// A VG's metadata areas against the database (lib/metadata/metadata.c vg_read: the newest seqno
// wins, "ignoring metadata seqno", "Inconsistent metadata found"). The database commits first and
// the areas follow (store/commit-writer.ts): areas holding an older version that tsvm committed
// are a crash in between, and the command's commit updates them ("updating old metadata to N").
// Areas holding anything else were written by someone else (the real LVM2 on these disks, a
// vgcfgrestore there): their version is taken into the database, as LVM2 would read it.
import { FileDevice } from '../device/file-device.js';
import { readPvHeaderOf, type DiskLocn } from '../device/pv-label.js';
import type { Context } from '../cli/context.js';
import type { PhysicalVolume, VolumeGroup } from '../model/types.js';
import { vgCommitWriter } from '../store/commit-writer.js';
import { committedLocn, MDA_HEADER_SIZE } from './layout.js';
import { readMdaHeader, readMdaText } from './mda-io.js';
import { textSummary } from './scan.js';
import { importVgText } from './import.js';
import { sameMetadata } from './vg-compare.js';

/** One metadata area of a PV of the VG, as found. */
export interface AreaCopy {
  pv: PhysicalVolume;
  area: DiskLocn;
  /** raw_locn checksum of the committed text; null: no text for this VG (or no readable header). */
  checksum: number | null;
  size: number;
  /** Read only when the checksum is not the one the database recorded. */
  seqno?: number;
  text?: string;
  vgUuid?: string;
}

/** The committed copy of each area of the VG's present PVs; texts read only where they differ. */
export function areaCopies(vg: VolumeGroup): AreaCopy[] {
  const out: AreaCopy[] = [];
  for (const pv of vg.pvs) {
    if (pv.missing || pv.absent) continue;
    let dev: FileDevice;
    try {
      dev = new FileDevice(pv.path, false);
    } catch {
      continue;
    }
    try {
      const h = readPvHeaderOf(dev, pv.uuid);
      for (const area of h?.mdas ?? []) {
        const mh = readMdaHeader(dev, area);
        const r = typeof mh === 'string' ? null : committedLocn(mh);
        if (typeof mh === 'string' || !r || r.offset < MDA_HEADER_SIZE) {
          out.push({ pv, area, checksum: null, size: 0 });
          continue;
        }
        const copy: AreaCopy = { pv, area, checksum: r.checksum, size: r.size };
        if (r.checksum !== vg.mdaTextCrc) {
          const text = readMdaText(dev, mh, r);
          if (typeof text !== 'string') {
            copy.text = text.toString('utf8');
            const s = textSummary(copy.text);
            if (s) Object.assign(copy, { seqno: s.seqno, vgUuid: s.vgUuid });
          }
        }
        out.push(copy);
      }
    } catch {
      // an unreadable device is the missing-PV scan's business
    } finally {
      dev.close();
    }
  }
  return out;
}

export type Verdict = 'same' | 'newer-on-disk' | 'foreign' | 'database-newer';

/** What a disk copy (at its seqno) is to the database's version of the VG. */
export function judgeCopy(ctx: Context, db: VolumeGroup, disk: VolumeGroup): Verdict {
  if (disk.seqno > db.seqno) return 'newer-on-disk';
  const then = disk.seqno === db.seqno ? db
    : ctx.store.history(db.name).find((h) => h.vg.uuid === db.uuid && h.seqno === disk.seqno)?.vg;
  if (then && sameMetadata(then, disk)) return disk.seqno === db.seqno ? 'same' : 'database-newer';
  return 'foreign';
}

/**
 * Bring the database to the newest version the VG's areas hold, if that is not one tsvm wrote:
 * returns that version once it is committed (the caller reads the VG again), else null. Areas
 * that hold older versions tsvm committed get LVM2's warnings, and the command's commit updates them.
 */
export function reconcileWithAreas(ctx: Context, vg: VolumeGroup): VolumeGroup | null {
  const copies = areaCopies(vg);
  const differ = copies.filter((c) => c.checksum !== null && c.checksum !== vg.mdaTextCrc && c.vgUuid === vg.uuid && c.text);
  if (!differ.length) return null;
  const newest = differ.reduce((a, b) => ((b.seqno ?? 0) > (a.seqno ?? 0) ? b : a));
  let disk: VolumeGroup;
  try {
    disk = importVgText(newest.text!, (uuid) => {
      const pv = vg.pvs.find((p) => p.uuid === uuid);
      return pv && !pv.missing && !pv.absent ? { name: pv.name, path: pv.path } : null;
    }).vg;
  } catch {
    ctx.out.warn(`WARNING: invalid metadata text from ${newest.pv.name} at ${newest.area.offset}.`);
    return null;
  }
  const verdict = judgeCopy(ctx, vg, disk);
  if (verdict === 'same') return null;
  if (verdict === 'database-newer') {
    staleWarnings(ctx, vg, copies);
    return null;
  }
  return adoptDiskVersion(ctx, vg, disk, newest, verdict);
}

/** LVM2's lines for the areas behind the VG's seqno; the commit then says it updates them. */
function staleWarnings(ctx: Context, vg: VolumeGroup, copies: AreaCopy[]): void {
  const current = copies.find((c) => c.checksum === vg.mdaTextCrc);
  const where = current ? current.pv.name : ctx.store.db.name;
  const stale = copies.filter((c) => c.seqno !== undefined && c.seqno < vg.seqno && c.vgUuid === vg.uuid);
  for (const c of stale) {
    ctx.out.warn(`WARNING: ignoring metadata seqno ${c.seqno} on ${c.pv.name} for seqno ${vg.seqno} on ${where} for VG ${vg.name}.`);
  }
  if (stale.length) {
    ctx.out.warn(`WARNING: Inconsistent metadata found for VG ${vg.name}.`);
    ctx.out.warn('See vgck --updatemetadata to correct inconsistency.');
    staleByVg.set(vg, new Set(stale.map((c) => c.pv.uuid)));
  }
}

/**
 * The areas' version becomes the database's. A newer seqno is taken as it is (LVM2's rule); a
 * version tsvm never committed at a seqno it has passed (the disks were changed elsewhere) is
 * committed as the next seqno and written back, so that every copy agrees.
 */
export function adoptDiskVersion(ctx: Context, db: VolumeGroup | null, disk: VolumeGroup, from: { pv: { name: string }; size: number; checksum: number | null },
  verdict: Verdict): VolumeGroup {
  for (const pv of disk.pvs) {
    const known = db?.pvs.find((p) => p.uuid === pv.uuid);
    if (known) Object.assign(pv, { mdaCount: known.mdaCount, mdaSize: known.mdaSize, mdaIgnored: known.mdaIgnored, peStart: pv.peStart });
  }
  if (verdict === 'foreign' && db) {
    ctx.out.warn(`WARNING: Metadata of VG ${disk.name} on ${from.pv.name} (seqno ${disk.seqno}) is not a version tsvm wrote `
      + `(tsvm has seqno ${db.seqno}): using it, as seqno ${db.seqno + 1}.`);
    disk.seqno = db.seqno + 1;
    const write = vgCommitWriter()?.prepare(disk, []);
    ctx.store.replaceVg(disk, `metadata of ${disk.name} read from ${from.pv.name}`);
    write?.();
    return disk;
  }
  disk.mdaTextSize = from.size;
  if (from.checksum !== null) disk.mdaTextCrc = from.checksum;
  ctx.store.replaceVg(disk, `metadata of ${disk.name} seqno ${disk.seqno} read from ${from.pv.name}`);
  return disk;
}

/** PVs found with old metadata for this VG object (the commit then says it updates them). */
const staleByVg = new WeakMap<VolumeGroup, Set<string>>();

export function stalePvUuids(vg: VolumeGroup): Set<string> | undefined {
  return staleByVg.get(vg);
}
