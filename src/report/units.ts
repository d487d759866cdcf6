// --units for reports: a unit letter (model/units formatSize) or a multiple of one ("4m"), which
// LVM2 prints with the custom suffix 'U' (lib/display/display.c get_units / display_size).
import { formatSize, type Units } from '../model/units.js';

export interface ReportUnits extends Units {
  /** Bytes per unit for "<n><letter>" units; 0 for plain letters. */
  custom: number;
}

/** Parse --units (default 'r'); null when LVM2 says "Invalid units specification". */
export function parseUnits(arg: string | undefined, nosuffix: boolean): ReportUnits | null {
  const u = arg ?? 'r';
  const m = /^([0-9]+(?:\.[0-9]*)?)?([hHrRbBsSkKmMgGtTpPeE])$/.exec(u);
  if (!m) return null;
  if (!m[1]) return { type: m[2]!, nosuffix, custom: 0 };
  const letter = m[2]!;
  if ('hHrR'.includes(letter)) return null;
  const lower = 'bskmgtpe'.indexOf(letter.toLowerCase());
  let unit: number;
  if (letter === 'b' || letter === 'B') unit = 1;
  else if (letter === 's' || letter === 'S') unit = 512;
  else unit = (letter === letter.toLowerCase() ? 1024 : 1000) ** (lower - 1);
  return { type: letter, nosuffix, custom: Number(m[1]) * unit };
}

/** Rendered sizes per units object: a report prints the same few sizes over and over. */
const rendered = new WeakMap<ReportUnits, Map<number, string>>();

export function formatUnits(sectors: number, units: ReportUnits): string {
  let cache = rendered.get(units);
  if (!cache) rendered.set(units, (cache = new Map()));
  let s = cache.get(sectors);
  if (s === undefined) cache.set(sectors, (s = render(sectors, units)));
  return s;
}

function render(sectors: number, units: ReportUnits): string {
  if (!units.custom) return formatSize(sectors, units);
  return ((sectors * 512) / units.custom).toFixed(2) + (units.nosuffix ? '' : 'U');
}
