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
import { plainLv, textIfUnread } from '../model/unread-lv.js';

/**
 * A VG's text, from the JSON of each of its LVs (in order). A PV's `absent` is left out: it is what
 * this command's device scan saw, not metadata.
 */
export function vgJson(vg: VolumeGroup, lvTexts: string[] = vg.lvs.map(lvJson)): string {
  return [...vgJsonParts(vg, lvTexts)].join('');
}

/** An LV's JSON: the line it was read from while it is unread (model/unread-lv.ts), else serialised. */
export function lvJson(lv: LogicalVolume): string {
  return textIfUnread(lv) ?? JSON.stringify(plainLv(lv));
}

/**
 * vgJson's text in pieces (the VG's members, then one LV a piece), for a writer that need not
 * hold the whole text at once (at 10,000 LVs it is 4 MB).
 */
export function vgJsonParts(vg: VolumeGroup, lvTexts: string[]): Generator<string> {
  return vgJsonLines(vgJsonHeadLine(vg), lvTexts);
}

/** vgJsonParts from the text's first line (vgJsonHeadLine) and its LVs' JSON. */
export function* vgJsonLines(headLine: string, lvTexts: string[]): Generator<string> {
  yield headLine;
  for (let i = 0; i < lvTexts.length; i++) yield (i ? ',\n' : '\n') + lvTexts[i];
  yield '\n]}';
}

/**
 * A vgJson text as read: its bytes (one a character, so a character's offset is its byte's), its
 * first line, and its LV lines (substrings of that text, in order).
 */
export interface ReusableLines {
  bytes: Buffer;
  headLine: string;
  lvTexts: string[];
}

/**
 * vgJsonLines's text, the runs of LV lines that are the ones `from` has at the same places given
 * as `from`'s bytes (a commit of one LV among 10,000 copies the other 4 MB as they were read,
 * with no string joined or encoded).
 */
export function* vgJsonLinesReusing(headLine: string, lvTexts: string[], from: ReusableLines): Generator<string | Buffer> {
  yield headLine;
  const old = from.lvTexts;
  let at = from.headLine.length + 1; // where old line i starts in from.bytes
  let runFrom = -1;
  let runTo = -1;
  for (let i = 0; i < lvTexts.length; i++) {
    const text = lvTexts[i]!;
    const sep = i ? ',\n' : '\n';
    if (i < old.length && old[i] === text) {
      if (runFrom < 0) {
        yield sep;
        runFrom = at;
      }
      runTo = at + text.length;
    } else {
      if (runFrom >= 0) yield from.bytes.subarray(runFrom, runTo);
      runFrom = -1;
      yield sep + text;
    }
    if (i < old.length) at += old[i]!.length + 2;
  }
  if (runFrom >= 0) yield from.bytes.subarray(runFrom, runTo);
  yield '\n]}';
}

/** vgJson's first line for `vg`: its members and PVs, up to `"lvs":[`. */
export function vgJsonHeadLine(vg: VolumeGroup): string {
  const pvs = vg.pvs.map((pv) => (pv.absent === undefined ? pv : { ...pv, absent: undefined }));
  const head = JSON.stringify({ ...vg, pvs, lvs: undefined });
  return `${head.slice(0, -1)},"lvs":[`;
}

/** The VG without its LVs, and each LV's text in order; null if `text` is not vgJson's. */
export function splitVgJson(text: string): { head: Omit<VolumeGroup, 'lvs'>; lvTexts: string[] } | null {
  const lines = text.split('\n');
  if (lines.length < 2 || !lines[0]!.endsWith(',"lvs":[') || lines[lines.length - 1] !== ']}') return null;
  const head = vgJsonHeadMembers(lines[0]!);
  const lvTexts: string[] = [];
  for (let i = 1; i < lines.length - 1; i++) {
    const line = lines[i]!;
    lvTexts.push(line.endsWith(',') ? line.slice(0, -1) : line);
  }
  return { head, lvTexts };
}

/** The VG's members but its LVs, from vgJson's first line (up to `"lvs":[`). */
export function vgJsonHeadMembers(headLine: string): Omit<VolumeGroup, 'lvs'> {
  return JSON.parse(headLine.slice(0, -',"lvs":['.length) + '}') as Omit<VolumeGroup, 'lvs'>;
}

/** The uuid of the LV whose JSON is `text` (no nested object has a "uuid" member; one in a string is escaped). */
export function lvUuidOf(text: string): string {
  if (text.startsWith('{"uuid":"')) return text.slice(9, text.indexOf('"', 9));
  const m = /[{,]"uuid":"([^"\\]+)"/.exec(text);
  if (!m) throw new Error('LV text without a uuid');
  return m[1]!;
}

/** vgJson's text from its first line (the VG's members, up to `"lvs":[`) and its LVs' JSON. */
export function vgJsonFromLines(head: string, lvTexts: string[]): string {
  return `${head}${lvTexts.length ? '\n' + lvTexts.join(',\n') : ''}\n]}`;
}

/** The first line of vgJson's text (what vgJsonFromLines takes), or null if `text` is not vgJson's. */
export function vgJsonHead(text: string): string | null {
  const nl = text.indexOf('\n');
  return nl > 0 && text.endsWith('\n]}') && text.slice(0, nl).endsWith(',"lvs":[') ? text.slice(0, nl) : null;
}
