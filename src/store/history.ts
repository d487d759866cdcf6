// vg_history rows (LVM2's /etc/lvm/archive): every previous version of a VG, as its JSON text
// (vg-json.ts), stored one of three ways in vg_history.metadata:
//   - deflated (a BLOB): the whole text; a VG's versions compress about tenfold;
//   - TEXT starting with '{': the whole text, as first stored;
//   - TEXT starting with '@': a delta, what the version had that the next version of the same VG
//     (the one committed with it) does not: its first line (the VG's members) and the LV lines
//     between the LVs both share at the start and at the end. A commit of one LV in a VG of
//     10,000 then stores a few hundred bytes instead of deflating 4 MB, and the WAL stays small.
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { splitVgJson, vgJsonFromLines, vgJsonHead } from './vg-json.js';

/** What to store in vg_history.metadata for a version's text. */
export function encodeHistory(text: string): Buffer {
  return deflateRawSync(text, { level: 1 });
}

/** The version's text from a full vg_history.metadata value (a deflated BLOB, or TEXT as first stored). */
export function decodeHistory(metadata: string | Buffer | Uint8Array): string {
  return typeof metadata === 'string' ? metadata : inflateRawSync(metadata).toString('utf8');
}

/** A delta is not worth it when it would keep more LV lines than this (a whole-VG rewrite: vgcfgrestore). */
const MAX_DELTA_LINES = 64;

/**
 * The delta that rebuilds a version (`oldHead`: the first line of its vgJson text, `oldTexts`: its
 * LVs' JSON) from the version committed with seqno `next` (`newTexts`), or null when too much differs.
 */
export function encodeHistoryDelta(next: number, oldHead: string, oldTexts: string[], newTexts: string[]): string | null {
  let prefix = 0;
  const most = Math.min(oldTexts.length, newTexts.length);
  while (prefix < most && oldTexts[prefix] === newTexts[prefix]) prefix++;
  let suffix = 0;
  while (suffix < most - prefix && oldTexts[oldTexts.length - 1 - suffix] === newTexts[newTexts.length - 1 - suffix]) suffix++;
  const middle = oldTexts.slice(prefix, oldTexts.length - suffix);
  if (middle.length > MAX_DELTA_LINES) return null;
  return [`@${next} ${prefix} ${suffix}`, oldHead, ...middle].join('\n');
}

export function isHistoryDelta(metadata: string | Buffer | Uint8Array): metadata is string {
  return typeof metadata === 'string' && metadata.startsWith('@');
}

/**
 * An archived version as vgJson's first line and its LV lines (a version rebuilt from a delta: its
 * LV lines are mostly the very strings of the version after it, no text of its own is made), or
 * a whole text that is not vgJson's, as it was stored.
 */
export type HistoryVersion = { headLine: string; lvTexts: string[] } | { text: string };

/** The version's text. */
export function historyVersionText(v: HistoryVersion): string {
  return 'text' in v ? v.text : vgJsonFromLines(v.headLine, v.lvTexts);
}

/** A whole stored text as a version: its lines when it is vgJson's. */
export function historyVersionOf(text: string): HistoryVersion {
  const headLine = vgJsonHead(text);
  return headLine === null ? { text } : { headLine, lvTexts: lvTextsOfVersion(text) };
}

/** The version's LV texts. */
export function historyVersionLvTexts(v: HistoryVersion): string[] {
  return 'text' in v ? lvTextsOfVersion(v.text) : v.lvTexts;
}

/**
 * The version from a delta and the next version's LV texts, or null when `next` is not the
 * version the delta was made against (its seqno differs).
 */
export function applyHistoryDelta(delta: string, next: { seqno: number; lvTexts: string[] }): HistoryVersion | null {
  const lines = delta.split('\n');
  const m = /^@(\d+) (\d+) (\d+)$/.exec(lines[0]!);
  if (!m || Number(m[1]) !== next.seqno) return null;
  const prefix = Number(m[2]);
  const suffix = Number(m[3]);
  if (prefix + suffix > next.lvTexts.length) return null;
  const lvTexts = [...next.lvTexts.slice(0, prefix), ...lines.slice(2), ...next.lvTexts.slice(next.lvTexts.length - suffix)];
  return { headLine: lines[1]!, lvTexts };
}

/** The LV texts of a version's text (vgJson's, or any JSON of a VG). */
export function lvTextsOfVersion(text: string): string[] {
  return splitVgJson(text)?.lvTexts ?? (JSON.parse(text) as { lvs: unknown[] }).lvs.map((lv) => JSON.stringify(lv));
}
