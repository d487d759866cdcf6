// "@tag" arguments, as LVM2's process_each_vg/lv/pv take them (tools/toollib.c): a tag argument
// selects every VG, LV or PV carrying that tag (an LV also when its VG carries it); VGs are then
// visited in lvmcache's order, the reverse of the order in which their first PV was scanned.
import type { Context } from './context.js';
import type { LogicalVolume, PhysicalVolume, VolumeGroup } from '../model/types.js';
import { devNameOrder } from '../model/dev-order.js';

export interface TagSplit {
  tags: string[];
  names: string[];
}

const TAG = /^[A-Za-z0-9._+\-/=!:&#]+$/;

/** Split positionals into names and tags; an invalid tag is skipped with LVM2's error. */
export function splitTagArgs(ctx: Context, positionals: string[]): TagSplit {
  const out: TagSplit = { tags: [], names: [] };
  for (const a of positionals) {
    if (!a.startsWith('@')) out.names.push(a);
    else if (TAG.test(a.slice(1))) out.tags.push(a.slice(1));
    else ctx.out.error(`Skipping invalid tag ${a}.`);
  }
  return out;
}

/** Whether any argument is a tag (then every VG has to be looked at). */
export function hasTagArg(positionals: string[]): boolean {
  return positionals.some((a) => a.startsWith('@'));
}

export function hasTag(obj: { tags: string[] }, tags: string[]): boolean {
  return obj.tags.some((t) => tags.includes(t));
}

/** The LVs of `vg` a tag selects: all visible ones when the VG has the tag, else those tagged. */
export function lvsByTag(vg: VolumeGroup, tags: string[]): LogicalVolume[] {
  const visible = vg.lvs.filter((lv) => lv.visible);
  return hasTag(vg, tags) ? visible : visible.filter((lv) => hasTag(lv, tags));
}

export function pvsByTag(pvs: PhysicalVolume[], tags: string[]): PhysicalVolume[] {
  return pvs.filter((pv) => hasTag(pv, tags));
}

/**
 * @tag arguments of lvs/lvdisplay added to `vgs` and `lvs` (VG name -> LV names, empty = all):
 * a VG with the tag stands for all its LVs, else its LVs with the tag.
 */
export function addTaggedLvs(all: VolumeGroup[], tags: string[], vgs: string[], lvs: Map<string, Set<string>>): void {
  for (const vg of all) {
    const whole = hasTag(vg, tags);
    const tagged = whole ? [] : lvsByTag(vg, tags);
    if (!whole && !tagged.length) continue;
    const set = lvs.get(vg.name);
    if (whole || (vgs.includes(vg.name) && set && !set.size)) lvs.set(vg.name, new Set());
    else lvs.set(vg.name, new Set([...(set ?? []), ...tagged.map((l) => l.name)]));
    if (!vgs.includes(vg.name)) vgs.push(vg.name);
  }
}

/** Device paths compare as the kernel numbers them: loop2 before loop10, sdb before sdc. */
const devOrder = devNameOrder;

/** VGs in lvmcache's order: each VG enters at the head of the list when its first PV is scanned. */
export function lvmcacheOrder(vgs: VolumeGroup[]): VolumeGroup[] {
  const first = (vg: VolumeGroup) => vg.pvs.map((p) => p.name).sort(devOrder)[0] ?? '';
  return [...vgs].sort((a, b) => devOrder(first(b), first(a)));
}
