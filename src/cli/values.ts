// Option values checked as LVM2 checks them while parsing (tools/vals.h types, the *_arg functions
// of tools/lvmcmdline.c): which words each type accepts, its synonyms (-a ye is -a ey), and the
// error lines printed before "Invalid argument for --opt: value".
import { isLvm2Segtype } from '../model/segtypes.js';
import { parseSizeArg, SizeParseError, type SizeArg } from '../model/units.js';

/** A parsed -l value: a count, or a percentage of VG/FREE/PVS/LV/ORIGIN. */
export interface ExtentsArg {
  sign: '+' | '-' | '';
  value: number;
  percent?: 'VG' | 'FREE' | 'PVS' | 'LV' | 'ORIGIN';
}

/** What a value parsed to, besides its text. */
export type ParsedValue =
  | { kind: 'size'; size: SizeArg }
  | { kind: 'extents'; extents: ExtentsArg }
  | { kind: 'text'; value: string };

/** A value LVM2 refuses: the lines its parser logs before "Invalid argument for ...". */
export class BadValue extends Error {
  constructor(readonly lines: string[] = []) {
    super(lines.join('\n'));
  }
}

const bad = (...lines: string[]): never => {
  throw new BadValue(lines);
};

const UINT32_MAX = 4294967295;

/** _get_int_arg: an optional sign, then digits; `rest` is what follows the number. */
function intArg(v: string): { sign: '+' | '-' | ''; value: number; rest: string } | null {
  const m = /^([+-]?)([0-9]+)(.*)$/s.exec(v);
  if (!m) return null;
  return { sign: m[1] as '+' | '-' | '', value: Number(m[2]), rest: m[3]! };
}

const PERCENT_NAMES: Array<[RegExp, ExtentsArg['percent']]> = [
  [/^(V|VG)$/i, 'VG'], [/^(L|LV)$/i, 'LV'], [/^(P|PV|PVS)$/i, 'PVS'], [/^(F|FR|FREE)$/i, 'FREE'], [/^(O|OR|ORIGIN)$/i, 'ORIGIN'],
];

function extentsArg(v: string, signs: 'none' | 'plus' | 'minus' | 'any'): ExtentsArg {
  const n = intArg(v);
  if (!n) bad();
  const ext: ExtentsArg = { sign: n!.sign, value: n!.value };
  if (n!.rest) {
    if (n!.rest[0] !== '%') bad();
    const name = n!.rest.slice(1);
    const hit = PERCENT_NAMES.find(([re]) => re.test(name));
    if (!hit) bad(`Specified %${name} is unknown.`);
    ext.percent = hit![1];
    if (ext.value >= UINT32_MAX) bad(`Percentage is too big (>=${UINT32_MAX - 2 ** 32}%).`);
  }
  if (signs === 'none' && ext.sign) bad('Extents may not be relative/signed.');
  if (signs === 'plus' && ext.sign === '-') bad('Extents may not be negative.');
  if (signs === 'minus' && ext.sign === '+') bad('Extents may not be positive.');
  return ext;
}

function sizeArg(v: string, defaultUnit: string): SizeArg {
  const body = v[0] === '+' || v[0] === '-' ? v.slice(1) : v;
  if (body[0] === '+' || body[0] === '-') bad('Multiple sign symbols detected.');
  if (!/^[0-9.]/.test(body)) bad('Size requires number argument.');
  let size: SizeArg | null = null;
  try {
    size = parseSizeArg(v, defaultUnit);
  } catch (e) {
    if (e instanceof SizeParseError) bad(...e.lines);
    throw e;
  }
  if (!size) bad("Can't parse size argument.");
  if (size!.sectors >= 2 ** 64 / 512) bad('Size is too big (>=16EiB).');
  return size!;
}

/** Region sizes are powers of two, at least a memory page (regionsize_mb_arg). */
function regionSize(v: string): SizeArg {
  const size = sizeArg(v, 'm');
  if (size.sign === '-') bad('Region size may not be negative.');
  if (size.sectors > UINT32_MAX) bad(`Region size is too big (max ${UINT32_MAX}).`);
  const num = Math.trunc(size.sectors);
  if (!num) bad('Region size may not be zero.');
  if (num % 8) bad('Region size must be a multiple of machine memory page size (4096 bytes).');
  if (num & (num - 1)) bad('Region size must be a power of 2.');
  return size;
}

const ACTIVATION: Record<string, string> = {
  e: 'ey', ey: 'ey', ye: 'ey', s: 'sy', sy: 'sy', ys: 'sy', y: 'y', a: 'ay', ay: 'ay', ya: 'ay',
  n: 'n', en: 'n', ne: 'n', ln: 'ln', nl: 'ln', ly: 'ly', yl: 'ly',
};

const WORDS: Record<string, string[]> = {
  bool: ['y', 'n'],
  mirrorlog: ['core', 'disk', 'mirrored'],
  cachemode: ['writethrough', 'writeback', 'passthrough'],
  discards: ['ignore', 'nopassdown', 'passdown'],
  polloperation: ['pvmove', 'convert', 'merge', 'merge_thin'],
  syncaction: ['check', 'repair'],
  reportformat: ['basic', 'json'],
  configreport: ['log', 'vg', 'lv', 'pv', 'pvseg', 'seg'],
  repairtype: ['pv_header', 'metadata', 'label_header'],
  dumptype: ['headers', 'metadata', 'metadata_all', 'metadata_search'],
  locktype: ['sanlock', 'dlm', 'none'],
  metadatatype: ['lvm2', '2'],
  configtype: ['current', 'default', 'diff', 'full', 'list', 'missing', 'new', 'profilable', 'profilable-command', 'profilable-metadata'],
};

const ALLOC = ['contiguous', 'cling', 'cling_by_tags', 'normal', 'anywhere', 'inherit'];

function validTag(t: string): boolean {
  return /^[A-Za-z0-9._+\-/=!:&#]+$/.test(t);
}

function number(v: string, allowMinus: boolean): string {
  const n = intArg(v);
  if (!n || n.rest || (!allowMinus && n.sign === '-')) bad();
  return v;
}

/**
 * Check `v` as a value of LVM2 type `type` (vals.h name without _VAL) for command `cmd`; returns
 * its parsed form (synonyms replaced: -a ye gives 'ey', a tag loses its '@') or throws BadValue.
 */
export function parseValue(cmd: string, type: string, v: string): ParsedValue {
  const text = (value: string): ParsedValue => ({ kind: 'text', value });
  switch (type) {
    case 'number': return text(number(v, false));
    case 'uint32': if (Number(number(v, false).replace('+', '')) > UINT32_MAX) bad(); return text(v);
    case 'snumber': return text(number(v, true));
    case 'pnumber': {
      const n = intArg(v);
      if (!n || n.rest) bad();
      if (n!.sign === '-') bad('Number may not be negative.');
      return text(v);
    }
    case 'sizekb': case 'ssizekb': case 'sizemb': case 'ssizemb': case 'psizemb': case 'nsizemb': {
      const size = sizeArg(v, type.endsWith('kb') ? 'k' : 'm');
      if ((type === 'sizekb' || type === 'psizemb') && size.sign === '-') bad('Size may not be negative.');
      if (type === 'sizemb' && size.sign) bad('Size may not be relative/signed.');
      if (type === 'nsizemb' && size.sign === '+') bad('Size may not be positive.');
      return { kind: 'size', size };
    }
    case 'regionsizemb': return { kind: 'size', size: regionSize(v) };
    case 'extents': return { kind: 'extents', extents: extentsArg(v, 'none') };
    case 'sextents': return { kind: 'extents', extents: extentsArg(v, 'any') };
    case 'pextents': return { kind: 'extents', extents: extentsArg(v, 'plus') };
    case 'nextents': return { kind: 'extents', extents: extentsArg(v, 'minus') };
    case 'activation': if (!(v in ACTIVATION)) bad(); return text(ACTIVATION[v]!);
    case 'permission': if (v !== 'r' && v !== 'rw' && v !== 'wr') bad(); return text(v === 'wr' ? 'rw' : v);
    case 'alloc': if (!ALLOC.includes(v)) bad(`Unrecognised allocation policy ${v}`); return text(v);
    case 'mirrorlog': if (!WORDS.mirrorlog!.includes(v)) bad(`Mirror log type "${v}" is unknown.`); return text(v);
    case 'tag': {
      const t = v.startsWith('@') ? v.slice(1) : v;
      if (!t || !validTag(t)) bad();
      return text(t);
    }
    case 'readahead': {
      if (/^(auto|none)$/i.test(v)) return text(v.toLowerCase());
      const size = sizeArg(v, 's');
      if (size.sign === '-') bad();
      return text(String(Math.trunc(size.sectors)));
    }
    case 'vgmetadatacopies': if (/^(all|unmanaged)$/i.test(v)) return text(v.toLowerCase()); return text(number(v, false));
    case 'pvmetadatacopies': if (!['0', '1', '2'].includes(String(Number(number(v, false).replace('+', ''))))) bad(); return text(v);
    case 'metadatacopies':
      if (cmd.startsWith('pv')) return parseValue(cmd, 'pvmetadatacopies', v);
      if (cmd.startsWith('vg')) return parseValue(cmd, 'vgmetadatacopies', v);
      return bad();
    case 'cachemetadataformat': if (!['auto', '0', '1', '2'].includes(v)) bad(); return text(v);
    case 'segtype': if (!isLvm2Segtype(v)) bad(`WARNING: Unrecognised segment type ${v}`); return text(v);
    default:
      if (type in WORDS && !WORDS[type]!.includes(v)) bad();
      return text(v);
  }
}
