// Questions asked of a loaded VG: find an LV, who uses it, what role it plays.
// Mirrors lib/metadata/lv.c / metadata.c helpers (find_lv, lv_is_mirror_image, first_seg...).
// MIRROR_IMAGE / MIRROR_LOG are never stored: like LVM2's import, they are derived from references.
import type { LogicalVolume, LvSegment, PhysicalVolume, VolumeGroup } from './types.js';
import { isUnreadLinear, segmentsOf } from './unread-lv.js';

export function findLv(vg: VolumeGroup, name: string): LogicalVolume | undefined {
  return vg.lvs.find((lv) => lv.name === name);
}

export function findPvByUuid(vg: VolumeGroup, uuid: string): PhysicalVolume | undefined {
  return vg.pvs.find((pv) => pv.uuid === uuid);
}

export function findPvByName(vg: VolumeGroup, name: string): PhysicalVolume | undefined {
  return vg.pvs.find((pv) => pv.name === name);
}

/** The LV (and segment) that uses `name` as a data area, if any. */
export function areaUser(vg: VolumeGroup, name: string): { lv: LogicalVolume; seg: LvSegment; index: number } | undefined {
  for (const lv of vg.lvs) {
    if (isUnreadLinear(lv)) continue;
    const segs = segmentsOf(lv);
    for (let i = 0; i < segs.length; i++) {
      const index = segs[i]!.areas.findIndex((a) => a.kind === 'lv' && a.lvName === name);
      if (index >= 0) return { lv, seg: lv.segments[i]!, index };
    }
  }
  return undefined;
}

/** The mirror LV that uses `name` as its log, if any. */
export function logUser(vg: VolumeGroup, name: string): LogicalVolume | undefined {
  return vg.lvs.find((lv) => !isUnreadLinear(lv) && segmentsOf(lv).some((s) => s.mirrorLog === name));
}

export function isMirror(lv: LogicalVolume): boolean {
  return lv.segments.length > 0 && lv.segments[0]!.type === 'mirror';
}

/** A raid1 LV (LVM2 lv_is_raid with segtype raid1). */
export function isRaid1(lv: LogicalVolume): boolean {
  return lv.segments.length > 0 && lv.segments[0]!.type === 'raid1';
}

/** What the mirror engine drives: a mirror, or a raid1 LV (same legs, log in its rmeta sub-LVs). */
export function isMirrorLike(lv: LogicalVolume): boolean {
  return isMirror(lv) || isRaid1(lv);
}

/** The raid1 LV that uses `name` as a metadata sub-LV (rmeta), if any. */
export function metaUser(vg: VolumeGroup, name: string): LogicalVolume | undefined {
  return vg.lvs.find((lv) => !isUnreadLinear(lv) && segmentsOf(lv).some((s) => s.metaAreas?.includes(name)));
}

export function isRaidImage(vg: VolumeGroup, lv: LogicalVolume): boolean {
  return areaUser(vg, lv.name)?.seg.type === 'raid1';
}

/** Every segment a linear piece on a PV: what lvconvert --type mirror can make a mirror image of. */
export function isLinearLv(lv: LogicalVolume): boolean {
  return lv.segments.length > 0 && lv.segments.every((s) => s.type === 'striped' && s.areas.length === 1 && s.areas[0]!.kind === 'pv');
}

/** Striped (or linear) on PVs only: what can become a mirror's first image as it is. */
export function isStripedLv(lv: LogicalVolume): boolean {
  return lv.segments.length > 0 && lv.segments.every((s) => s.type === 'striped' && s.areas.every((a) => a.kind === 'pv'));
}

/** Linear, with some extents on pvmove's temporary mirror (LVM2: an LV LOCKED by pvmove). */
export function isLinearOnPvmove(vg: VolumeGroup, lv: LogicalVolume): boolean {
  let layered = false;
  const ok = lv.segments.length > 0 && lv.segments.every((s) => {
    if (s.type !== 'striped' || s.areas.length !== 1) return false;
    const a = s.areas[0]!;
    if (a.kind === 'pv') return true;
    layered = true;
    return !!findLv(vg, a.lvName)?.flags.includes('PVMOVE');
  });
  return ok && layered;
}

export function isMirrorImage(vg: VolumeGroup, lv: LogicalVolume): boolean {
  const u = areaUser(vg, lv.name);
  return !!u && u.seg.type === 'mirror';
}

export function isMirrorLog(vg: VolumeGroup, lv: LogicalVolume): boolean {
  return !!logUser(vg, lv.name);
}

/** The LV directly above a sub-LV (lv_parent). */
export function parentLv(vg: VolumeGroup, lv: LogicalVolume): LogicalVolume | undefined {
  // pvmove's temporary mirror sits under the LVs it moves without being part of them.
  if (lv.flags.includes('PVMOVE')) return undefined;
  return areaUser(vg, lv.name)?.lv ?? logUser(vg, lv.name) ?? metaUser(vg, lv.name);
}

/** The visible LV at the top of a stack of sub-LVs. */
export function topLv(vg: VolumeGroup, lv: LogicalVolume): LogicalVolume {
  let cur = lv;
  for (let p = parentLv(vg, cur); p; p = parentLv(vg, cur)) cur = p;
  return cur;
}

/** Sub-LVs directly below an LV: data images first, then the log. */
export function subLvs(vg: VolumeGroup, lv: LogicalVolume): LogicalVolume[] {
  const names: string[] = [];
  for (const seg of lv.segments) {
    for (const a of seg.areas) if (a.kind === 'lv' && !names.includes(a.lvName)) names.push(a.lvName);
    if (seg.mirrorLog && !names.includes(seg.mirrorLog)) names.push(seg.mirrorLog);
    for (const m of seg.metaAreas ?? []) if (!names.includes(m)) names.push(m);
  }
  return names.map((n) => findLv(vg, n)).filter((x): x is LogicalVolume => !!x);
}

/** The LV and every sub-LV below it, depth first (parent before children). */
export function lvTree(vg: VolumeGroup, lv: LogicalVolume): LogicalVolume[] {
  return [lv, ...subLvs(vg, lv).flatMap((s) => lvTree(vg, s))];
}

/** PVs an LV's extents live on (through sub-LVs), in first-use order. */
export function lvPvs(vg: VolumeGroup, lv: LogicalVolume): PhysicalVolume[] {
  const out: PhysicalVolume[] = [];
  for (const l of lvTree(vg, lv)) {
    for (const seg of l.segments) {
      for (const a of seg.areas) {
        if (a.kind !== 'pv') continue;
        const pv = findPvByUuid(vg, a.pvUuid);
        if (pv && !out.includes(pv)) out.push(pv);
      }
    }
  }
  return out;
}

export function visibleLvCount(vg: VolumeGroup): number {
  return vg.lvs.filter((lv) => lv.visible).length;
}

/** What this LV's I/O depends on: its sub-LV tree with segments, areas and the PVs' missing flags. */
export function lvLayoutKey(vg: VolumeGroup, lv: LogicalVolume): string {
  return JSON.stringify(lvTree(vg, lv).map((l) => [
    l.name, l.uuid, l.visible, l.segments.map((s) => [s.type, s.startLe, s.extentCount, s.regionSize, s.mirrorLog, s.metaAreas ?? null, s.areas.map((a) =>
      a.kind === 'pv' ? [a.pvUuid, a.pe, findPvByUuid(vg, a.pvUuid)?.missing ?? true] : [a.lvName, a.le])]),
  ]));
}

/** LVM2 _sublv_is_degraded: a raid sub-LV on a missing PV or replaced by an error segment. */
export function isDegradedSubLv(vg: VolumeGroup, lv: LogicalVolume): boolean {
  return lv.segments.some((s) => s.type === 'error') || lvPvs(vg, lv).some((p) => p.missing);
}
