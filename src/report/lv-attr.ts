// lv_attr, vg_attr and pv_attr strings (LVM2 lib/metadata/lv.c lv_attr_dup_with_info_and_seg_status,
// vg.c vg_attr_dup, pv.c pv_attr_dup), for the segment types tsvm has: linear/striped and mirror.
import type { AllocPolicy, LogicalVolume, PhysicalVolume, VolumeGroup } from '../model/types.js';
import type { LvStatusSource } from './status.js';
import {
  convertLv, isActive, isMirrored, isMirrorImage, isMirrorLog, isPartial, isRaid, isRaidImage, isRaidMeta, isRaidType, parentOf,
  type VgInfo,
} from './vg-info.js';

const ALLOC_CHAR: Record<AllocPolicy, string> = {
  contiguous: 'c', cling: 'l', cling_by_tags: 'l', normal: 'n', anywhere: 'a', inherit: 'i',
};

export function allocChar(p: AllocPolicy): string {
  return ALLOC_CHAR[p];
}

function typeChar(info: VgInfo, lv: LogicalVolume, status: LvStatusSource): string {
  if (lv.flags.includes('PVMOVE')) return 'p';
  if (convertLv(info, lv)) return 'c';
  if (isRaidMeta(info, lv)) return 'e';
  if (isRaid(lv)) return lv.flags.includes('NOTSYNCED') ? 'R' : 'r';
  if (isMirrored(lv)) return lv.flags.includes('NOTSYNCED') ? 'M' : 'm';
  // lv_is_virtual: an error segment (a raid image vgreduce --removemissing replaced)
  if (lv.segments.some((s) => s.type === 'error')) return 'v';
  if (isMirrorImage(info, lv)) return status.imageInSync(info.vg, lv) ? 'i' : 'I';
  // A visible image (split off with --trackchanges) always shows 'I'.
  if (isRaidImage(info, lv)) return !lv.visible && status.imageInSync(info.vg, lv) ? 'i' : 'I';
  if (isMirrorLog(info, lv)) return 'l';
  return '-';
}

/** Part of a mirror stack: the mirror itself, its images and its log. */
function inMirror(info: VgInfo, lv: LogicalVolume): boolean {
  return isMirrored(lv) || isMirrorImage(info, lv) || isMirrorLog(info, lv);
}

export function lvAttr(info: VgInfo, lv: LogicalVolume, status: LvStatusSource): string {
  const active = isActive(info, lv);
  const alloc = allocChar(lv.alloc);
  const flags = lv.flags;
  const noFlags = flags.length === 0;
  return typeChar(info, lv, status) +
    (flags.includes('PVMOVE') ? '-' : lv.writable ? 'w' : 'r') +
    (!noFlags && flags.includes('LOCKED') ? alloc.toUpperCase() : alloc) +
    '-' +
    (active ? 'a' : '-') +
    // a tracked split raid image is out of the array: not held open by it
    (active && ((!!parentOf(info, lv) && !lv.visible) || info.devices.openCount(lv) > 0) ? 'o' : '-') +
    (isRaidType(info, lv) ? 'r' : inMirror(info, lv) ? 'm' : '-') +
    '-' +
    healthChar(info, lv, status) +
    (!noFlags && flags.includes('ACTIVATION_SKIP') ? 'k' : '-');
}

/** The 9th character: (p)artial, raid (r)efresh needed, (m)ismatches, (w)ritemostly image. */
function healthChar(info: VgInfo, lv: LogicalVolume, status: LvStatusSource): string {
  if (isPartial(info, lv)) return 'p';
  if (!isRaidType(info, lv)) return '-';
  if (!status.raidHealthy(info.vg, lv)) return 'r';
  if (isRaid(lv)) return (status.raidMismatches(info.vg, lv) ?? 0) > 0 ? 'm' : '-';
  return lv.flags.includes('WRITEMOSTLY') ? 'w' : '-';
}

export function vgAttr(vg: VolumeGroup, missingPvs: number): string {
  return [
    'w',
    vg.resizeable ? 'z' : '-',
    vg.exported ? 'x' : '-',
    missingPvs > 0 ? 'p' : '-',
    allocChar(vg.alloc),
    '-',
  ].join('');
}

/** 'a' allocatable, 'u' used (in a VG) but not allocatable; '---' for orphans and non-PV devices. */
export function pvAttr(pv: PhysicalVolume, vg: VolumeGroup | null): string {
  if (pv.duplicate) return 'd--';
  if (!vg) return pv.usedUnknown ? 'u--' : '---';
  return [pv.allocatable ? 'a' : 'u', vg.exported ? 'x' : '-', pv.missing ? 'm' : '-'].join('');
}
