// LVM2's rules for moving PVs and LVs between two VGs (tools/vgsplit.c _move_raids, _move_lvs,
// _move_mirrors, _move_one_lv; lib/metadata/metadata.c move_pv, move_pvs_used_by_lv, vgs_are_compatible). Pure:
// each function works on the two VG objects and returns LVM2's error line, or null when it could
// move everything; the caller commits nothing unless all steps succeed.
import type { LogicalVolume, PhysicalVolume, VolumeGroup } from './types.js';
import { findLv, isMirror, isRaid1, parentLv, topLv, visibleLvCount } from './vg-query.js';
import { duplicateLvIdLines } from './lv-id.js';

/** Whether an LV is active: its own state or its top LV's (sub-LVs are active with their mirror). */
export function lvActive(vg: VolumeGroup, lv: LogicalVolume): boolean {
  return lv.active || topLv(vg, lv).active;
}

/** Move one PV from `from` to `to` (append, as add_pvl_to_vgs). */
export function movePv(from: VolumeGroup, to: VolumeGroup, pv: PhysicalVolume): void {
  from.pvs = from.pvs.filter((p) => p !== pv);
  to.pvs.push(pv);
  pv.vgName = to.name;
}

/** LVM2's vg_bad_status_bits(vg, RESIZEABLE_VG) message, or null. */
export function notResizeable(vg: VolumeGroup): string | null {
  return vg.resizeable ? null : `Volume group ${vg.name} is not resizeable.`;
}

/**
 * The PVs an LV uses, in the order move_pvs_used_by_lv visits them: its sub-LVs first (for each
 * segment, the log then the data areas, each sub-LV before its own sub-LVs), then the LV itself.
 */
export function pvsUsedByLv(vg: VolumeGroup, lv: LogicalVolume): PhysicalVolume[] {
  const out: PhysicalVolume[] = [];
  const own = (l: LogicalVolume) => {
    for (const seg of l.segments) {
      for (const a of seg.areas) {
        if (a.kind !== 'pv') continue;
        const pv = vg.pvs.find((p) => p.uuid === a.pvUuid);
        if (pv && !out.includes(pv)) out.push(pv);
      }
    }
  };
  const subs = (l: LogicalVolume) => {
    for (const seg of l.segments) {
      // (for_each_sub_lv: the log, the data areas, then a raid segment's metadata areas)
      const names = [...(seg.mirrorLog ? [seg.mirrorLog] : []), ...seg.areas.flatMap((a) => (a.kind === 'lv' ? [a.lvName] : [])),
        ...(seg.metaAreas ?? [])];
      for (const n of names) {
        const sub = findLv(vg, n);
        if (!sub) continue;
        own(sub);
        subs(sub);
      }
    }
  };
  subs(lv);
  own(lv);
  return out;
}

const inVg = (vg: VolumeGroup, lv: LogicalVolume | undefined) => !!lv && vg.lvs.includes(lv);

/** Whether an LV has extents (through its sub-LVs, log and raid metadata) on one of `pvs` (lv_is_on_pvs). */
function lvOnPvs(lvs: LogicalVolume[], lv: LogicalVolume, pvs: PhysicalVolume[]): boolean {
  const uuids = new Set(pvs.map((p) => p.uuid));
  const byName = (n: string) => lvs.find((l) => l.name === n);
  const on = (l: LogicalVolume, depth: number): boolean =>
    depth < 16 && l.segments.some((seg) => {
      const log = seg.mirrorLog ? byName(seg.mirrorLog) : undefined;
      if (log && on(log, depth + 1)) return true;
      if ((seg.metaAreas ?? []).some((n) => !!byName(n) && on(byName(n)!, depth + 1))) return true;
      return seg.areas.some((a) => (a.kind === 'pv' ? uuids.has(a.pvUuid) : !!byName(a.lvName) && on(byName(a.lvName)!, depth + 1)));
    });
  return on(lv, 0);
}

/** _move_one_lv: move an LV and the sub-LVs of its data areas still in `from` (_lv_tree_move). */
function moveOneLv(from: VolumeGroup, to: VolumeGroup, lv: LogicalVolume, all: LogicalVolume[]): string | null {
  if (lvActive(from, lv)) {
    const parent = parentLv(from, lv);
    return parent ? `Logical volume ${from.name}/${lv.name} (part of ${parent.name}) must be inactive.`
      : `Logical volume ${from.name}/${lv.name} must be inactive.`;
  }
  if (lvOnPvs(all, lv, from.pvs)) return `Can't split LV ${lv.name} between two Volume Groups`;
  const tree = (l: LogicalVolume): boolean => {
    from.lvs = from.lvs.filter((x) => x !== l);
    to.lvs.push(l);
    const seg = l.segments[0];
    for (const a of seg?.areas ?? []) {
      if (a.kind !== 'lv') continue;
      const sub = all.find((x) => x.name === a.lvName);
      if (inVg(from, sub)) {
        if (!tree(sub!)) return false;
      } else if (!inVg(to, sub)) return false;
    }
    return true;
  };
  // (LVM2 fails here without a message)
  return tree(lv) ? null : `Internal error: ${lv.name} has a sub-LV in neither VG`;
}

/**
 * Move the LVs that must follow the PVs already moved to `to`: first raid LVs with any extent there,
 * with their images (_move_raids; their rmetas follow as plain LVs), then LVs all of whose extents
 * are now there (_move_lvs), then mirrors whose images and log all are (_move_mirrors). An LV left
 * with extents in both VGs is refused, with LVM2's words.
 */
export function moveLvsWithPvs(from: VolumeGroup, to: VolumeGroup): string | null {
  // every LV of both VGs, by name, for sub-LV lookups while they move
  const all = [...from.lvs, ...to.lvs];
  const pvIn = (vg: VolumeGroup, uuid: string) => vg.pvs.some((p) => p.uuid === uuid);
  for (const lv of [...from.lvs]) {
    if (!from.lvs.includes(lv) || !isRaid1(lv) || !lvOnPvs(all, lv, to.pvs)) continue;
    const err = moveOneLv(from, to, lv, all);
    if (err) return err;
  }
  for (const lv of [...from.lvs]) {
    if (!from.lvs.includes(lv) || isMirror(lv) || isRaid1(lv)) continue;
    let withVg: VolumeGroup | null = null;
    for (const seg of lv.segments) {
      for (const a of seg.areas) {
        if (a.kind !== 'pv') continue;
        if (withVg) {
          if (!pvIn(withVg, a.pvUuid)) return `Can't split Logical Volume ${lv.name} between two Volume Groups`;
          continue;
        }
        if (pvIn(from, a.pvUuid)) withVg = from;
        else if (pvIn(to, a.pvUuid)) withVg = to;
        else return `Physical Volume ${a.pvUuid} not found`;
      }
    }
    if (withVg === from) continue;
    const err = moveOneLv(from, to, lv, all);
    if (err) return err;
  }
  for (const lv of [...from.lvs]) {
    if (!from.lvs.includes(lv) || !isMirror(lv) || !lvOnPvs(all, lv, to.pvs)) continue;
    const seg = lv.segments[0]!;
    const byName = (n: string) => all.find((x) => x.name === n);
    const segIn = seg.areas.filter((a) => a.kind === 'lv' && inVg(to, byName(a.lvName))).length;
    const log = seg.mirrorLog ? byName(seg.mirrorLog) : undefined;
    let logIn = !log;
    if (log) {
      const logSeg = log.segments[0];
      logIn = logSeg && logSeg.type === 'mirror'
        ? logSeg.areas.every((a) => a.kind === 'lv' && inVg(to, byName(a.lvName)))
        : inVg(to, log);
    }
    if ((segIn && segIn < seg.areas.length) || (segIn && log && !logIn) || (!segIn && log && logIn)) {
      return `Can't split mirror ${lv.name} between two Volume Groups`;
    }
    if (segIn === seg.areas.length && logIn) {
      const err = moveOneLv(from, to, lv, all);
      if (err) return err;
    }
  }
  return null;
}

/** vgs_are_compatible: may `from` be merged into `to` (vgmerge, vgsplit into an existing VG)? */
export function vgsIncompatible(from: VolumeGroup, to: VolumeGroup): string | null {
  if (from.lvs.some((lv) => lv.active)) return `Logical volumes in "${from.name}" must be inactive`;
  if (to.extentSize !== from.extentSize) {
    return `Extent sizes differ: ${to.extentSize} (${to.name}) and ${from.extentSize} (${from.name})`;
  }
  if (to.maxPv && to.maxPv < to.pvs.length + from.pvs.length) {
    return `Maximum number of physical volumes (${to.maxPv}) exceeded  for "${to.name}" and "${from.name}"`;
  }
  if (to.maxLv && to.maxLv < visibleLvCount(to) + visibleLvCount(from)) {
    return `Maximum number of logical volumes (${to.maxLv}) exceeded  for "${to.name}" and "${from.name}"`;
  }
  for (const a of to.lvs) {
    if (from.lvs.some((b) => b.name === a.name)) return `Duplicate logical volume name "${a.name}" in "${to.name}" and "${from.name}"`;
  }
  return null;
}

/**
 * vg_validate's check_lv_segments on the VGs being written (vg_to first, then vg_from; LVM2 stops
 * at the first that fails), then its LV id checks (lv-id.ts): an LV area whose sub-LV ended up in
 * the other VG, two LVs with one UUID (a copy's LV split in beside its original). LVM2's _move_lvs can
 * leave one so (it moves an area-less sub-LV, such as a raid image vgreduce --removemissing turned
 * into an error segment, without its raid LV); the split is then refused and nothing is written.
 */
export function splitConsistency(from: VolumeGroup, to: VolumeGroup): string[] | null {
  for (const vg of [to, from]) {
    const lines: string[] = [];
    for (const lv of vg.lvs) {
      let bad = false;
      lv.segments.forEach((seg, i) => {
        seg.areas.forEach((a, s) => {
          if (a.kind !== 'lv') return;
          const sub = vg.lvs.find((l) => l.name === a.lvName);
          if (sub && sub !== lv) return;
          lines.push(`LV ${lv.name}: segment ${i + 1} has inconsistent LV area ${s}`);
          bad = true;
        });
      });
      if (bad) lines.push(`Internal error: LV segments corrupted in ${lv.name}.`);
    }
    if (lines.length) return lines;
    const ids = duplicateLvIdLines(vg);
    if (ids.length) return ids;
  }
  return null;
}
