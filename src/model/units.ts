// Size parsing and printing with LVM2's rules: `-L 10G` style arguments (tools/lvmcmdline.c
// _size_arg) and the `--units` rendering of reports and messages (libdm dm_size_to_string with
// global/si_unit_consistency=1: lower-case units are powers of 1024, upper-case powers of 1000).

export type SuffixStyle = 'long' | 'short' | 'unit';

const PREFIX_1024 = ['e', 'p', 't', 'g', 'm', 'k', 'b'];
const PREFIX_1000 = ['E', 'P', 'T', 'G', 'M', 'K', 'B'];
const LONG_1024 = [' Exbibyte', ' Pebibyte', ' Tebibyte', ' Gibibyte', ' Mebibyte', ' Kibibyte', ' Byte    '];
const SHORT_1024 = [' EiB', ' PiB', ' TiB', ' GiB', ' MiB', ' KiB', ' B'];
const LONG_1000 = [' Exabyte', ' Petabyte', ' Terabyte', ' Gigabyte', ' Megabyte', ' Kilobyte', ' Byte    '];
const SHORT_1000 = [' EB', ' PB', ' TB', ' GB', ' MB', ' kB', ' B '];

/** A parsed --units value: h/H/r/R are human-readable, anything else a fixed factor. */
export interface Units {
  type: string;
  nosuffix: boolean;
}

export const VALID_UNITS = 'hHrRbBsSkKmMgGtTpPeE';

export function isValidUnits(u: string): boolean {
  return u.length === 1 && VALID_UNITS.includes(u);
}

function fixedUnit(type: string): { factor: number; suffix: string[] } {
  const lower = PREFIX_1024.indexOf(type);
  if (type === 'b' || type === 'B') return { factor: 1, suffix: [' Byte    ', ' B ', 'B'] };
  if (type === 's' || type === 'S') return { factor: 512, suffix: [' Sectors ', ' Se', 'S'] };
  if (lower >= 0) return { factor: 1024 ** (6 - lower), suffix: [LONG_1024[lower]!, SHORT_1024[lower]!, PREFIX_1024[lower]!] };
  const upper = PREFIX_1000.indexOf(type);
  return { factor: 1000 ** (6 - upper), suffix: [LONG_1000[upper]!, SHORT_1000[upper]!, PREFIX_1000[upper]!] };
}

const STYLE_INDEX: Record<SuffixStyle, number> = { long: 0, short: 1, unit: 2 };

/** Render a size given in sectors, as dm_size_to_string does. */
export function formatSize(sectors: number, units: Units, style: SuffixStyle = 'unit'): string {
  const si = STYLE_INDEX[style];
  const human = 'hHrR'.includes(units.type);
  if (sectors === 0) {
    if (human) return '0' + [' '.repeat(9), '   ', ' '][si];
    return '0' + (units.nosuffix ? '' : fixedUnit(units.type).suffix[si]);
  }
  const size = sectors * 512;
  if (!human) {
    const { factor, suffix } = fixedUnit(units.type);
    const precision = units.type === 'b' || units.type === 'B' || units.type === 's' || units.type === 'S' ? 0 : 2;
    return (size / factor).toFixed(precision) + (units.nosuffix ? '' : suffix[si]);
  }
  const base = units.type === 'H' || units.type === 'R' ? 1000 : 1024;
  let byte = base ** 6;
  let s = 0;
  while (s < 6 && size < byte) {
    byte /= base;
    s++;
  }
  let prefix = '';
  if (s < 6 && (units.type === 'r' || units.type === 'R')) {
    const d = (100 * size) / byte;
    if (Math.floor(d) !== roundHalfEven(d)) prefix = '<';
  }
  const table = base === 1000 ? [LONG_1000, SHORT_1000, PREFIX_1000] : [LONG_1024, SHORT_1024, PREFIX_1024];
  const unitChar = table[2]![s]!;
  const precision = unitChar.toUpperCase() === 'B' ? 0 : 2;
  return prefix + cFixed(size / byte, precision) + table[si]![s]!;
}

/** nearbyintl in the default rounding mode (to nearest, ties to even). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** printf("%.*f"): glibc rounds exact binary ties to even, where toFixed rounds them up. */
function cFixed(x: number, precision: number): string {
  const scaled = x * 10 ** precision;
  if (!Number.isInteger(scaled) && Number.isInteger(scaled * 2)) {
    const down = Math.floor(scaled);
    const pick = down % 2 === 0 ? down : down + 1;
    return (pick / 10 ** precision).toFixed(precision);
  }
  return x.toFixed(precision);
}

let displayUnits: Units = { type: 'r', nosuffix: false };

/**
 * LVM2's cmd->current_settings for display_size(): global/units, or a display command's --units
 * and --nosuffix. Set once per command, before any output (src/start.ts).
 */
export function setDisplayUnits(units: Units): void {
  displayUnits = units;
}

/**
 * display_size(): how LVM2's messages and display commands print a size, in the current units
 * (default "r"): "120.00 MiB", "<59.98 GiB" when the figure was rounded up.
 */
export function displaySize(sectors: number): string {
  return formatSize(sectors, displayUnits, 'short');
}

export type Sign = '+' | '-' | '';

export interface SizeArg {
  sign: Sign;
  /** Size in sectors (may be fractional before rounding to extents). */
  sectors: number;
}

export class SizeParseError extends Error {
  constructor(readonly lines: string[]) {
    super(lines.join('\n'));
  }
}

/**
 * Parse an LVM2 size argument (-L, --size, -R ...). `defaultUnit` is what a bare number means
 * ('m' for -L, 'k' for -R and -I). Returns null when unparseable (the caller prints LVM2's error).
 */
export function parseSizeArg(value: string, defaultUnit: string): SizeArg | null {
  let v = value;
  let sign: Sign = '';
  if (v[0] === '+' || v[0] === '-') {
    sign = v[0] as Sign;
    v = v.slice(1);
  }
  // strtod: digits with an optional fraction, or a fraction alone (".1"); nothing parsed is an error at that character
  const m = /^(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/.exec(v);
  if (!m) throw new SizeParseError([`Can't parse size argument at '${v[0] ?? ''}'.`]);
  let num = Number(m[0]);
  if (!Number.isFinite(num)) return null;
  const rest = v.slice(m[0].length);
  const unit = rest.length ? rest[0]!.toLowerCase() : defaultUnit;
  const idx = 'kmgtpebs'.indexOf(unit);
  if (idx < 0) return null;
  if (unit === 's') return { sign, sectors: Math.trunc(num) };
  if (unit === 'b') {
    const bytes = Math.trunc(num);
    const adj = bytes % 512;
    if (adj) {
      const up = bytes + 512 - adj;
      throw new SizeParseError([`Size is not a multiple of 512. Try using ${up - 512} or ${up}.`]);
    }
    return { sign, sectors: bytes / 512 };
  }
  num *= 1024 ** idx * 2;
  return { sign, sectors: Math.trunc(num) };
}
