// Mirrors whose segments hold PV areas directly: pvmove's temporary mirror (LVM2 lib/mirror/mirrored.c
// with seg->status PVMOVE: one 2-area mirror segment per moved piece, area 0 the source, area 1 the
// destination). The engine sees such a mirror as one mirror of the whole LV whose legs are "views":
// leg k is the linear mapping of area k of every segment. Views are built here, never stored.
import type { LogicalVolume, VolumeGroup } from '../model/types.js';
import { findLv } from '../model/vg-query.js';

/** A mirror LV whose segments' areas are on PVs (a pvmove LV). */
export function hasPvLegs(lv: LogicalVolume): boolean {
  return lv.segments.length > 0 && lv.segments.every((s) => s.type === 'mirror' && s.areas.every((a) => a.kind === 'pv'));
}

/** pvmove's temporary mirror (PV-area segments, or with --atomic one segment over two image LVs). */
export function isPvmoveLayer(lv: LogicalVolume): boolean {
  return lv.flags.includes('PVMOVE') && lv.segments.length > 0 && lv.segments.every((s) => s.type === 'mirror');
}

/** Leg k of a PV-area mirror as a linear LV (name `<lv>:k`, not in the VG). */
export function pvLegView(lv: LogicalVolume, k: number): LogicalVolume {
  return {
    ...lv,
    uuid: `${lv.uuid}:${k}`,
    name: `${lv.name}:${k}`,
    visible: false,
    flags: [],
    segments: lv.segments.map((s) => ({
      startLe: s.startLe, extentCount: s.extentCount, type: 'striped' as const, stripeSize: 0, regionSize: 0, mirrorLog: null,
      areas: [{ ...s.areas[k]! }],
    })),
  };
}

/** The legs of a mirror, in area order: its image sub-LVs, or the views of a PV-area mirror. */
export function mirrorLegLvs(vg: VolumeGroup, lv: LogicalVolume): LogicalVolume[] {
  if (hasPvLegs(lv)) return lv.segments[0]!.areas.map((_, k) => pvLegView(lv, k));
  return lv.segments[0]!.areas.map((a) => {
    if (a.kind !== 'lv') throw new Error(`${vg.name}/${lv.name}: mirror area on a PV is not supported`);
    const sub = findLv(vg, a.lvName);
    if (!sub) throw new Error(`Internal error: ${vg.name}/${a.lvName} not found`);
    return sub;
  });
}
