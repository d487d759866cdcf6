// Per-VG facts a report needs over and over, computed once per report (not per field call):
// who uses which sub-LV, PV allocation counts, partial LVs. LVM2 keeps the same links in memory
// (lv->segs_using_this_lv, seg->log_lv) after reading metadata.
import type { LogicalVolume, LvSegment, PhysicalVolume, VolumeGroup } from '../model/types.js';
import { areaLen } from '../model/types.js';
import { pvAllRuns, type PvExtentRun } from '../model/pv-map.js';
import { NO_DEVICES, type DeviceView } from './device-view.js';

export interface VgInfo {
  vg: VolumeGroup;
  lvByName: Map<string, LogicalVolume>;
  /** Position of each LV in the metadata (its device-mapper minor, as tsvm numbers them). */
  lvIndex: Map<LogicalVolume, number>;
  pvByUuid: Map<string, PhysicalVolume>;
  /** Sub-LV name -> the LV and segment using it as a data area. */
  areaUser: Map<string, { lv: LogicalVolume; seg: LvSegment }>;
  /** Log LV name -> the mirror using it. */
  logUser: Map<string, LogicalVolume>;
  /** raid1 metadata sub-LV (rmeta) name -> the raid1 LV using it. */
  metaUser: Map<string, LogicalVolume>;
  /** Allocated extents per PV uuid. */
  pvAlloc: Map<string, number>;
  freeExtents: number;
  extentCount: number;
  missingPvs: number;
  partial: Map<string, boolean>;
  runs: Map<string, PvExtentRun[]>;
  /** Open counts and kernel devices of active LVs. */
  devices: DeviceView;
}

export function vgInfo(vg: VolumeGroup, devices: DeviceView = NO_DEVICES): VgInfo {
  const info: VgInfo = {
    vg, lvByName: new Map(), lvIndex: new Map(), pvByUuid: new Map(), areaUser: new Map(), logUser: new Map(), metaUser: new Map(), pvAlloc: new Map(),
    freeExtents: 0, extentCount: 0, missingPvs: 0, partial: new Map(), runs: new Map(), devices,
  };
  for (const pv of vg.pvs) {
    info.pvByUuid.set(pv.uuid, pv);
    info.pvAlloc.set(pv.uuid, 0);
    info.extentCount += pv.peCount;
    if (pv.missing) info.missingPvs++;
  }
  vg.lvs.forEach((lv, i) => info.lvIndex.set(lv, i));
  for (const lv of vg.lvs) {
    info.lvByName.set(lv.name, lv);
    for (const seg of lv.segments) {
      const len = areaLen(seg);
      for (const a of seg.areas) {
        if (a.kind === 'lv') info.areaUser.set(a.lvName, { lv, seg });
        else info.pvAlloc.set(a.pvUuid, (info.pvAlloc.get(a.pvUuid) ?? 0) + len);
      }
      if (seg.mirrorLog) info.logUser.set(seg.mirrorLog, lv);
      for (const m of seg.metaAreas ?? []) info.metaUser.set(m, lv);
    }
  }
  let used = 0;
  for (const n of info.pvAlloc.values()) used += n;
  info.freeExtents = info.extentCount - used;
  return info;
}

export function parentOf(info: VgInfo, lv: LogicalVolume): LogicalVolume | undefined {
  // pvmove's temporary mirror sits under the LVs it moves without being part of them.
  if (lv.flags.includes('PVMOVE')) return undefined;
  return info.areaUser.get(lv.name)?.lv ?? info.logUser.get(lv.name) ?? info.metaUser.get(lv.name);
}

export function topOf(info: VgInfo, lv: LogicalVolume): LogicalVolume {
  let cur = lv;
  for (let p = parentOf(info, cur); p && p !== cur; p = parentOf(info, cur)) cur = p;
  return cur;
}

export function isMirrorImage(info: VgInfo, lv: LogicalVolume): boolean {
  return info.areaUser.get(lv.name)?.seg.type === 'mirror';
}

export function isRaid(lv: LogicalVolume): boolean {
  return lv.segments.some((s) => s.type === 'raid1');
}

export function isRaidImage(info: VgInfo, lv: LogicalVolume): boolean {
  return info.areaUser.get(lv.name)?.seg.type === 'raid1';
}

export function isRaidMeta(info: VgInfo, lv: LogicalVolume): boolean {
  return info.metaUser.has(lv.name);
}

/** LVM2 lv_is_raid_type(): the raid LV, its images and its metadata sub-LVs. */
export function isRaidType(info: VgInfo, lv: LogicalVolume): boolean {
  return isRaid(lv) || isRaidImage(info, lv) || isRaidMeta(info, lv);
}

export function isMirrorLog(info: VgInfo, lv: LogicalVolume): boolean {
  return info.logUser.has(lv.name);
}

export function isMirrored(lv: LogicalVolume): boolean {
  return lv.segments.some((s) => s.type === 'mirror');
}

/** The temporary layer of an up-convert (`lv_mimagetmp_N`) below a mirror, if any. */
export function convertLv(info: VgInfo, lv: LogicalVolume): LogicalVolume | undefined {
  for (const seg of lv.segments) {
    if (seg.type !== 'mirror') continue;
    for (const a of seg.areas) {
      if (a.kind === 'lv' && /_mimagetmp_[0-9]+$/.test(a.lvName)) return info.lvByName.get(a.lvName);
    }
  }
  return undefined;
}

/** An LV is partial when any extent under it is on a missing PV. */
export function isPartial(info: VgInfo, lv: LogicalVolume): boolean {
  // (no PV missing: no LV is, and a report of a big VG skips the walk below for each LV)
  if (!info.missingPvs) return false;
  const known = info.partial.get(lv.name);
  if (known !== undefined) return known;
  info.partial.set(lv.name, false);
  let p = false;
  for (const seg of lv.segments) {
    for (const a of seg.areas) {
      if (a.kind === 'pv') p ||= !!info.pvByUuid.get(a.pvUuid)?.missing;
      else {
        const sub = info.lvByName.get(a.lvName);
        p ||= !!sub && isPartial(info, sub);
      }
    }
    if (seg.mirrorLog) {
      const log = info.lvByName.get(seg.mirrorLog);
      p ||= !!log && isPartial(info, log);
    }
    for (const m of seg.metaAreas ?? []) {
      const meta = info.lvByName.get(m);
      p ||= !!meta && isPartial(info, meta);
    }
  }
  info.partial.set(lv.name, p);
  return p;
}

/** Active state: a sub-LV is active when the LV at the top of its stack is. */
export function isActive(info: VgInfo, lv: LogicalVolume): boolean {
  return lv.active || topOf(info, lv).active;
}

export function pvRuns(info: VgInfo, pv: PhysicalVolume): PvExtentRun[] {
  let r = info.runs.get(pv.uuid);
  if (!r) info.runs.set(pv.uuid, (r = pvAllRuns(info.vg, pv)));
  return r;
}
