// A VG's metadata areas against the database (lib/metadata/metadata.c _vg_read_orphans... vg_read:
// "ignoring metadata seqno", "Inconsistent metadata found"). The database commits first and the
// areas follow (store/commit-writer.ts), so a crash in between leaves areas with an older seqno;
// a command about to change the VG finds them here, says so as LVM2 does, and its commit, which
// rewrites every area, repairs them ("updating old metadata to N").
import { FileDevice } from '../device/file-device.js';
import { readPvHeaderOf } from '../device/pv-label.js';
import type { PhysicalVolume, VolumeGroup } from '../model/types.js';
import { committedLocn, MDA_HEADER_SIZE, textRanges } from './layout.js';
import { readMdaHeader } from './mda-io.js';
import { textSummary } from './scan.js';

export interface MdaSeqno {
  pv: PhysicalVolume;
  /** The seqno of the committed text, or null when the area has none for this VG (or no header). */
  seqno: number | null;
}

/** The first KiB of the committed text of each area of the PV: enough for its VG id and seqno. */
export function pvMdaSeqnos(vg: VolumeGroup, pv: PhysicalVolume): MdaSeqno[] {
  if (pv.missing || pv.absent) return [];
  let dev: FileDevice;
  try {
    dev = new FileDevice(pv.path, false);
  } catch {
    return [];
  }
  try {
    const h = readPvHeaderOf(dev, pv.uuid);
    if (!h) return [];
    return h.mdas.map((area) => {
      const mh = readMdaHeader(dev, area);
      const r = typeof mh === 'string' ? null : committedLocn(mh);
      if (typeof mh === 'string' || !r || r.offset < MDA_HEADER_SIZE) return { pv, seqno: null };
      const head = Buffer.alloc(Math.min(r.size, 1024));
      for (const x of textRanges(mh, r.offset, head.length)) dev.readAt(head.subarray(x.from, x.from + x.len), x.at);
      const s = textSummary(head.toString('utf8'));
      return { pv, seqno: s && s.vgUuid === vg.uuid ? s.seqno : null };
    });
  } catch {
    return [];
  } finally {
    dev.close();
  }
}

/**
 * LVM2's warnings for areas behind the VG's seqno (the newest copy is named by the first area that
 * has it, else by `dbName`, the database). Returns the PVs with old metadata.
 */
export function staleMdaWarnings(vg: VolumeGroup, dbName: string, warn: (line: string) => void): PhysicalVolume[] {
  const all = vg.pvs.flatMap((pv) => pvMdaSeqnos(vg, pv));
  const newest = all.find((m) => m.seqno === vg.seqno);
  const where = newest ? newest.pv.name : dbName;
  const stale = all.filter((m) => m.seqno !== null && m.seqno < vg.seqno);
  for (const m of stale) {
    warn(`WARNING: ignoring metadata seqno ${m.seqno} on ${m.pv.name} for seqno ${vg.seqno} on ${where} for VG ${vg.name}.`);
  }
  if (stale.length) {
    warn(`WARNING: Inconsistent metadata found for VG ${vg.name}.`);
    warn('See vgck --updatemetadata to correct inconsistency.');
  }
  const pvs = [...new Set(stale.map((m) => m.pv.uuid))];
  if (pvs.length) staleByVg.set(vg, new Set(pvs));
  return vg.pvs.filter((pv) => pvs.includes(pv.uuid));
}

/** PVs found with old metadata for this VG object (the commit then says it updates them). */
const staleByVg = new WeakMap<VolumeGroup, Set<string>>();

export function stalePvUuids(vg: VolumeGroup): Set<string> | undefined {
  return staleByVg.get(vg);
}
