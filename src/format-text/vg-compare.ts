// Whether two versions of a VG say the same thing as metadata (what LVM2's text holds: PVs by UUID
// with their extents and flags, LVs by the UUID the text has with their segments), ignoring what the text does not
// carry (activation, device names) and the order LVs are written in.
import type { LogicalVolume, PhysicalVolume, VolumeGroup } from '../model/types.js';
import { shownLvUuid } from '../model/lv-id.js';

function pvKey(pv: PhysicalVolume): unknown[] {
  return [pv.uuid, pv.peStart, pv.peCount, pv.devSize, pv.allocatable, pv.missing, pv.tags];
}

function lvKey(lv: LogicalVolume): unknown[] {
  return [shownLvUuid(lv), lv.name, lv.visible, lv.writable, lv.alloc, lv.tags, lv.readAhead, [...lv.flags].sort(), lv.segments];
}

export function sameMetadata(a: VolumeGroup, b: VolumeGroup): boolean {
  const head = (v: VolumeGroup) => JSON.stringify([v.uuid, v.name, v.extentSize, v.alloc, v.maxLv, v.maxPv, v.resizeable, v.exported,
    v.tags, v.systemId, v.pvs.map(pvKey)]);
  const lvs = (v: VolumeGroup) => JSON.stringify(v.lvs.map(lvKey).sort((x, y) => String(x[0]).localeCompare(String(y[0]))));
  return head(a) === head(b) && lvs(a) === lvs(b);
}
