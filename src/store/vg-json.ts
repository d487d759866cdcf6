// The JSON text of a VG as the store keeps it (read cache files, vg_history rows): ordinary JSON
// whose LVs come one per line, after the VG's other members:
//   {"uuid":...,"pvs":[...],"lvs":[
//   {"uuid":"lv1",...},
//   {"uuid":"lv2",...}
//   ]}
// JSON.stringify never writes a raw newline, so the lines are the LVs: a commit finds what a
// command changed by comparing each LV's text with the line it was read from, and the text of
// the new version is made from the very strings compared (no LV serialised twice, none parsed).
import type { LogicalVolume, VolumeGroup } from '../model/types.js';

/**
 * A VG's text, from the JSON of each of its LVs (in order). A PV's `absent` is left out: it is what
 * this command's device scan saw, not metadata.
 */
export function vgJson(vg: VolumeGroup, lvTexts: string[] = vg.lvs.map((lv) => JSON.stringify(lv))): string {
  const pvs = vg.pvs.map((pv) => (pv.absent === undefined ? pv : { ...pv, absent: undefined }));
  const head = JSON.stringify({ ...vg, pvs, lvs: undefined });
  return `${head.slice(0, -1)},"lvs":[${lvTexts.map((t) => '\n' + t).join(',')}\n]}`;
}

/** The VG without its LVs, and each LV's text by uuid with its index; null if `text` is not vgJson's. */
export function splitVgJson(text: string): { head: Omit<VolumeGroup, 'lvs'>; lvs: Map<string, { text: string; index: number }> } | null {
  const lines = text.split('\n');
  if (lines.length < 2 || !lines[0]!.endsWith(',"lvs":[') || lines[lines.length - 1] !== ']}') return null;
  const head = JSON.parse(lines[0]!.slice(0, -',"lvs":['.length) + '}') as Omit<VolumeGroup, 'lvs'>;
  const lvs = new Map<string, { text: string; index: number }>();
  for (let i = 1; i < lines.length - 1; i++) {
    const line = lines[i]!;
    const t = line.endsWith(',') ? line.slice(0, -1) : line;
    // (the LV's own uuid: no nested object has a "uuid" member, and one inside a string is escaped)
    const m = /[{,]"uuid":"([^"\\]+)"/.exec(t);
    if (!m) return null;
    lvs.set(m[1]!, { text: t, index: i - 1 });
  }
  return { head, lvs };
}

/** The same, for a VG as an object (a version read from SQLite rows). */
export function lvTextsOf(vg: VolumeGroup): Map<string, { text: string; index: number }> {
  return new Map(vg.lvs.map((lv: LogicalVolume, index) => [lv.uuid, { text: JSON.stringify(lv), index }]));
}
