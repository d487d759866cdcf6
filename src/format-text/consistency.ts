// A VG's metadata areas against the database (lib/metadata/metadata.c vg_read: the newest seqno
// wins, "ignoring metadata seqno", "Inconsistent metadata found"). The database commits first and
// the areas follow (store/commit-writer.ts): areas holding an older version that tsvm committed
// are a crash in between, and the command's commit updates them ("updating old metadata to N").
// Areas holding anything else were written by someone else (the real LVM2 on these disks, a
// vgcfgrestore there): their version is taken into the database, as LVM2 would read it.
import type { DiskLocn } from '../device/pv-label.js';
import type { Context } from '../cli/context.js';
import type { PhysicalVolume, VolumeGroup } from '../model/types.js';
import { vgCommitWriter } from '../store/commit-writer.js';
import { areaIsDamaged, scanDevice, scanLines, type ScannedPv } from './scan.js';
import { CommandFailed } from '../cli/errors.js';
import { BAD_MDA_MAGIC, BAD_MDA_START } from './layout.js';
import { importVgText } from './import.js';
import { sameMetadata } from './vg-compare.js';
import { devNameOrder } from '../model/dev-order.js';

/** One metadata area of a PV of the VG, as found. */
export interface AreaCopy {
  pv: PhysicalVolume;
  area: DiskLocn;
  /** Its place on the PV: 0 for mda1, 1 for mda2. */
  index: number;
  /** raw_locn checksum of the committed text; null: no text for this VG (or no readable header). */
  checksum: number | null;
  size: number;
  seqno?: number;
  text?: string;
  vgUuid?: string;
  /** Marked ignored: LVM2 neither reads nor writes it. */
  ignored: boolean;
  /** Its header or text fails its checks. */
  damaged: boolean;
  /** LVM2's bad_fields for a damaged one. */
  badFields: number;
  headerWarnings?: string[];
}

/**
 * The VG's present PVs as the label scan finds them (a PV whose device now carries another label
 * is left out). Only texts other than the VG's own (its checksum) are read to be kept.
 */
function scanVgPvs(vg: VolumeGroup): { pv: PhysicalVolume; scan: ScannedPv }[] {
  const out: { pv: PhysicalVolume; scan: ScannedPv }[] = [];
  for (const pv of vg.pvs) {
    if (pv.missing || pv.absent) continue;
    const scan = scanDevice(pv.name, pv.path, vg.mdaTextCrc);
    if (scan && scan.header.uuid === pv.uuid) out.push({ pv, scan });
  }
  return out;
}

/** The committed copy of each area of the VG's present PVs (its text checked against its CRC). */
export function areaCopies(vg: VolumeGroup, scans = scanVgPvs(vg)): AreaCopy[] {
  return scans.flatMap(({ pv, scan }) => scan.mdas.map((m, index): AreaCopy => {
    const copy: AreaCopy = {
      pv, area: m.area, index, checksum: m.locn?.checksum ?? null, size: m.locn?.size ?? 0, ignored: !!m.ignored, damaged: areaIsDamaged(m), badFields: m.badFields,
      ...(m.headerWarnings ? { headerWarnings: m.headerWarnings } : {}),
    };
    // (a sound text is the one with a summary: its seqno)
    if (copy.damaged || m.seqno === undefined) return { ...copy, checksum: null, size: 0 };
    // (the text read only if asked for: scan.ts)
    return Object.defineProperty({ ...copy, seqno: m.seqno, vgUuid: m.vgUuid }, 'text', { get: () => m.text as string, enumerable: true });
  }));
}

export type Verdict = 'same' | 'newer-on-disk' | 'foreign' | 'database-newer';

/** What a disk copy (at its seqno) is to the database's version of the VG. */
export function judgeCopy(ctx: Context, db: VolumeGroup, disk: VolumeGroup): Verdict {
  if (disk.seqno > db.seqno) return 'newer-on-disk';
  const then = disk.seqno === db.seqno ? db : ctx.store.historyVersion(db.name, db.uuid, disk.seqno);
  if (then && sameMetadata(then, disk)) return disk.seqno === db.seqno ? 'same' : 'database-newer';
  return 'foreign';
}

/**
 * Bring the database to the newest version the VG's areas hold, if that is not one tsvm wrote:
 * returns that version once it is committed (the caller reads the VG again), else null. Areas
 * that hold older versions tsvm committed get LVM2's warnings, and the command's commit updates them.
 */
export function reconcileWithAreas(ctx: Context, vg: VolumeGroup): VolumeGroup | null {
  const scans = scanVgPvs(vg);
  const copies = areaCopies(vg, scans);
  refuseWithoutGoodCopy(ctx, vg, scans, copies);
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
    if (known) Object.assign(pv, { mdaCount: known.mdaCount, mdaSize: known.mdaSize, mda1Size: known.mda1Size, mdaIgnored: known.mdaIgnored, peStart: pv.peStart });
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

/**
 * LVM2 prints what its label scan found wrong with the VG's areas in every command, and does not
 * write a damaged area again (vgck --updatemetadata repairs it). With no sound area left in use,
 * LVM2 finds no VG at all: the command is refused and nothing is written, the database included.
 */
function refuseWithoutGoodCopy(ctx: Context, vg: VolumeGroup, scans: { scan: ScannedPv }[], copies: AreaCopy[]): void {
  const order = [...scans].sort((a, b) => devNameOrder(a.scan.name, b.scan.name));
  const l = scanLines(order.map((x) => x.scan));
  l.out.forEach((x) => ctx.out.print(x));
  l.err.forEach((x) => ctx.out.warn(x));
  const damaged = copies.filter((c) => c.damaged);
  if (!damaged.length) return;
  damagedByVg.set(vg, damaged);
  if (copies.every((c) => c.damaged || c.ignored)) throw new CommandFailed(`Volume group "${vg.name}" not found`, `Cannot process volume group ${vg.name}`);
}

/** Damaged areas found when this VG object was read: its writes leave them alone. */
const damagedByVg = new WeakMap<VolumeGroup, AreaCopy[]>();

/** Whether area `index` of the PV was found damaged when `vg` was read (and is not being repaired). */
export function areaFoundDamaged(vg: VolumeGroup, pvUuid: string, index: number): boolean {
  return !!damagedByVg.get(vg)?.some((c) => c.pv.uuid === pvUuid && c.index === index);
}

/**
 * vg_write_commit_bad_mdas (vgck --updatemetadata): the damaged areas the next write of `vg` may
 * rewrite, with LVM2's line for each; one whose magic or start is wrong is not touched (the
 * header may not be where the PV header says).
 */
export function repairDamagedAreas(vg: VolumeGroup): string[] {
  const lines: string[] = [];
  const keep: AreaCopy[] = [];
  for (const c of damagedByVg.get(vg) ?? []) {
    const hex = c.badFields.toString(16);
    if (c.badFields & (BAD_MDA_MAGIC | BAD_MDA_START)) {
      lines.push(`WARNING: not repairing bad metadata (0x${hex}) for mda${c.index + 1} on ${c.pv.name}`);
      keep.push(c);
    } else {
      // vg_write and vg_commit reread the header: its warnings come again, once each
      const again = c.headerWarnings ?? [];
      lines.push(`WARNING: repairing bad metadata (0x${hex}) in mda${c.index + 1} at ${c.area.offset} on ${c.pv.name}.`, ...again, ...again);
    }
  }
  damagedByVg.set(vg, keep);
  return lines;
}

/** PVs found with old metadata for this VG object (the commit then says it updates them). */
const staleByVg = new WeakMap<VolumeGroup, Set<string>>();

export function stalePvUuids(vg: VolumeGroup): Set<string> | undefined {
  return staleByVg.get(vg);
}
