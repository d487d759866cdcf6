// Which metadata areas of a VG hold its metadata (lib/metadata/metadata.c _vg_adjust_ignored_mdas,
// pv_change_metadataignore): vgchange --metadatacopies N keeps N areas in use and marks the others
// ignored, choosing at random as LVM2 does; "unmanaged" keeps at least one in use.
import { randomInt } from 'node:crypto';
import type { PhysicalVolume, VolumeGroup } from '../model/types.js';
import { mdaIsIgnored, pvMdas, pvMdaUsedCount, pvSoundMdas } from './pv-layout.js';

/** VGMETADATACOPIES_ALL: the command-line value "all" (never stored: it becomes unmanaged). */
export const VGMETADATACOPIES_ALL = 0xffffffff;

/** The value of --vgmetadatacopies (vgmetadatacopies_arg): a number, "all" or "unmanaged" (0). */
export function mdaCopiesArg(v: string): number {
  if (/^all$/i.test(v)) return VGMETADATACOPIES_ALL;
  if (/^unmanaged$/i.test(v)) return 0;
  return Number(v.replace(/^\+/, ''));
}

interface MdaRef {
  pv: PhysicalVolume;
  i: number;
}

/** The PVs whose areas the VG's format instance has: those with a device. */
function presentPvs(vg: VolumeGroup): PhysicalVolume[] {
  return vg.pvs.filter((pv) => !pv.missing && !pv.absent);
}

function vgMdaRefs(vg: VolumeGroup): MdaRef[] {
  return presentPvs(vg).flatMap((pv) => pvSoundMdas(pv).map(({ i }) => ({ pv, i })));
}

/** vg_mda_count: every metadata area of the VG's present PVs. */
export function vgMdaCount(vg: VolumeGroup): number {
  return vgMdaRefs(vg).length;
}

/** vg_mda_used_count: those not marked ignored. */
export function vgMdaUsedCount(vg: VolumeGroup): number {
  return presentPvs(vg).reduce((n, pv) => n + pvMdaUsedCount(pv), 0);
}

function setIgnored(r: MdaRef, on: boolean): void {
  const bits = on ? (r.pv.mdaIgnored ?? 0) | (1 << r.i) : (r.pv.mdaIgnored ?? 0) & ~(1 << r.i);
  if (bits) r.pv.mdaIgnored = bits;
  else delete r.pv.mdaIgnored;
}

/**
 * Flip `n` areas chosen uniformly at random among `from` (_bitset_with_random_bits). LVM2's choice
 * is random, so what a command prints afterwards can differ from run to run (a PV whose only area
 * got ignored is "marked in use but no VG was found using it" for vgcreate/vgextend). With
 * TSVM_MDA_CHOICE=ordered (set by the golden replay, never by a user) the last areas in VG order
 * are ignored and the first ones taken back, so that a replay does not depend on chance.
 */
function flipRandom(from: MdaRef[], n: number, ignore: boolean): void {
  const pool = [...from];
  const ordered = process.env.TSVM_MDA_CHOICE === 'ordered';
  for (let k = 0; k < n && pool.length; k++) {
    const at = ordered ? (ignore ? pool.length - 1 : 0) : randomInt(pool.length);
    setIgnored(pool.splice(at, 1)[0]!, ignore);
  }
}

/** _vg_adjust_ignored_mdas, run by every VG write: the in-use areas brought to metadata_copies. */
export function adjustIgnoredMdas(vg: VolumeGroup): void {
  const refs = vgMdaRefs(vg);
  const used = refs.filter((r) => !mdaIsIgnored(r.pv, r.i));
  const ignored = refs.filter((r) => mdaIsIgnored(r.pv, r.i));
  const copies = vg.mdaCopies ?? 0;
  if (!copies) {
    if (!used.length && refs.length) flipRandom(ignored, 1, false);
    return;
  }
  if (copies === VGMETADATACOPIES_ALL || copies >= refs.length) flipRandom(ignored, ignored.length, false);
  else if (used.length < copies) flipRandom(ignored, copies - used.length, false);
  else if (used.length > copies) flipRandom(used, used.length - copies, true);
  if (copies === VGMETADATACOPIES_ALL) delete vg.mdaCopies;
}

/**
 * pv_change_metadataignore: every area of the PV marked ignored or in use, with LVM2's refusals
 * (thrown as their message). A PV in a VG whose copies are managed takes the VG's count along,
 * and the returned line is LVM2's warning about it.
 */
export function changePvMetadataIgnore(vg: VolumeGroup | null, pv: PhysicalVolume, ignore: boolean, name: string): string | null {
  const count = pvMdas(pv).length;
  const used = pvMdaUsedCount(pv);
  if (ignore && !used) throw new MdaIgnoreRefused(`Metadata areas on physical volume "${name}" already ignored.`);
  if (!ignore && used === count) throw new MdaIgnoreRefused(`Metadata areas on physical volume "${name}" already marked as in-use.`);
  if (!count) throw new MdaIgnoreRefused(`Physical volume "${name}" has no metadata areas.`);
  if (vg && used === vgMdaUsedCount(vg)) throw new MdaIgnoreRefused(`Cannot disable all metadata areas in volume group ${vg.name}.`);
  for (let i = 0; i < count; i++) setIgnored({ pv, i }, ignore);
  if (!vg || !vg.mdaCopies) return null;
  const now = vgMdaUsedCount(vg);
  const line = `WARNING: Changing preferred number of copies of VG ${vg.name} metadata from ${vg.mdaCopies} to ${now}`;
  vg.mdaCopies = now;
  return line;
}

export class MdaIgnoreRefused extends Error {}
