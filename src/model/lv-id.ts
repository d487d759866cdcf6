// An LV's UUID as LVM2 shows and writes it, and tsvm's key for the LV (types.ts). LVM2 ids an LV
// by its VG's id and its own (lib/metadata/metadata-exported.h union lvid): only the LV's own part
// is lv_uuid and the text's `id`, so two VGs may hold LVs with the same one (vgimportclone keeps
// them, tools/vgimportclone.c). tsvm keys an LV by one UUID unique across the database.
import type { LogicalVolume, VolumeGroup } from './types.js';
import { newUuid } from './uuid.js';

/** lv_uuid: what reports, lvdisplay and the metadata text say. */
export function shownLvUuid(lv: LogicalVolume): string {
  return lv.shownUuid ?? lv.uuid;
}

/**
 * The keys of the LVs of a VG read from a metadata text (a metadata area, a backup file), whose
 * `uuid`s are the text's ids: an LV the database already has in this VG (`known`: key by shown
 * UUID) keeps its key; an id another LV already has as key (`inUse`: another VG's, a copy's
 * original) gets a new key, the id kept as the shown UUID; any other id is the key.
 */
export function keyImportedLvs(vg: VolumeGroup, known: ReadonlyMap<string, string>, inUse: (key: string) => boolean): void {
  const given = new Set<string>();
  for (const lv of vg.lvs) {
    const id = shownLvUuid(lv);
    let key = known.get(id);
    if (key === undefined || given.has(key)) key = inUse(id) || given.has(id) ? newUuid() : id;
    given.add(key);
    lv.uuid = key;
    if (key === id) delete lv.shownUuid;
    else lv.shownUuid = id;
  }
}

/**
 * vgmerge (tools/vgmerge.c "Fix up LVIDs"): an LV of the VG merged in whose UUID an LV of the
 * other VG shows gets a new one. Its key stays (nothing but the shown UUID is LVM2's).
 */
export function renewClashingLvUuids(into: VolumeGroup, from: VolumeGroup): void {
  const shown = new Set(into.lvs.map(shownLvUuid));
  for (const lv of from.lvs) {
    if (!shown.has(shownLvUuid(lv))) continue;
    // a key never shown by any LV (a fresh one, or one a copy was given) becomes its UUID
    if (lv.shownUuid !== undefined && !shown.has(lv.uuid)) delete lv.shownUuid;
    else lv.shownUuid = newUuid();
  }
}

/**
 * vg_validate's LV id checks (lib/metadata/metadata.c): each LV whose UUID an LV before it in the
 * VG shows ("Duplicate LV id"); then, walking the LVs as _lv_postorder_vg does (each LV after its
 * log and sub-LVs, a failure ending its parent's walk), each LV that is not the last to show its
 * UUID (LVM2's id hash keeps the last: "Referenced LV ... not listed"). A VG a copy's LVs are split
 * into beside their originals has such pairs; LVM2 refuses to write it.
 */
export function duplicateLvIdLines(vg: VolumeGroup): string[] {
  const last = new Map<string, LogicalVolume>();
  const lines: string[] = [];
  for (const lv of vg.lvs) {
    const id = shownLvUuid(lv);
    if (last.has(id)) lines.push(`Internal error: Duplicate LV id ${id} detected for ${lv.name} in ${vg.name}.`);
    last.set(id, lv);
  }
  if (!lines.length) return lines;
  const byName = new Map(vg.lvs.map((lv) => [lv.name, lv]));
  const seen = new Set<LogicalVolume>();
  const visit = (lv: LogicalVolume): boolean => {
    if (seen.has(lv)) return true;
    seen.add(lv);
    for (const seg of lv.segments) {
      for (const dep of [seg.mirrorLog, ...seg.areas.map((a) => (a.kind === 'lv' ? a.lvName : null))]) {
        const sub = dep ? byName.get(dep) : undefined;
        if (sub && !visit(sub)) return false;
      }
    }
    if (last.get(shownLvUuid(lv)) === lv) return true;
    lines.push(`Internal error: Referenced LV ${lv.name} not listed in VG ${vg.name}.`);
    return false;
  };
  for (const lv of vg.lvs) visit(lv);
  return lines;
}
