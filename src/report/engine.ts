// The generic report engine (LVM2 libdm/libdm-report.c): field lists from -o, sort keys from -O,
// selection, and output as aligned columns, separated values, name=value pairs, rows or JSON.
import { FIELDS, type Env, type FieldDef, type Row, type Value } from './fields.js';
import type { FieldSection } from './field-table.js';

export interface SortKey {
  field: FieldDef;
  desc: boolean;
}

export interface OutputOptions {
  headings: boolean;
  separator: string | undefined;
  aligned: boolean;
  nameprefixes: boolean;
  unquoted: boolean;
  rows: boolean;
  json: boolean;
  /** --unbuffered without -O: each row as it comes, columns sized by the first row only. */
  unbuffered?: boolean;
}

export class UnknownFieldError extends Error {
  constructor(readonly field: string, readonly where: 'field' | 'sort') {
    super(`Unrecognised field: ${field}`);
  }
}

/** Canonical name: LVM2 compares field names case-insensitively with '_' removed. */
function canon(s: string): string {
  return s.replace(/_/g, '').toLowerCase();
}

const CANON = FIELDS.map((f) => canon(f.id));

/** Resolve a field name as LVM2's _get_field does: exact, or with the report's prefix left out. */
export function resolveField(name: string, prefix: string): FieldDef | undefined {
  const c = canon(name);
  const p = canon(prefix);
  for (let i = 0; i < FIELDS.length; i++) {
    const fc = CANON[i]!;
    if (fc === c || (fc.startsWith(p) && fc.slice(p.length) === c)) return FIELDS[i];
  }
  return undefined;
}

/** Apply several -o values to the default list: "a,b" replaces, "+a" appends, "-a" removes. */
export function buildFieldList(defaults: string[], opts: string[], prefix: string): FieldDef[] | 'help' {
  let names = [...defaults];
  for (const o of opts) {
    if (o === 'help' || o === '?') return 'help';
    if (o.startsWith('+')) names.push(...o.slice(1).split(',').filter(Boolean));
    else if (o.startsWith('-')) {
      const drop = o.slice(1).split(',').filter(Boolean).map((n) => {
        const f = resolveField(n, prefix);
        if (!f) throw new UnknownFieldError(n, 'field');
        return f.id;
      });
      names = names.filter((n) => !drop.includes(resolveField(n, prefix)?.id ?? n));
    } else names = o.split(',').filter(Boolean);
  }
  const out: FieldDef[] = [];
  for (const n of names) {
    if (n === 'help' || n === '?') return 'help';
    const f = resolveField(n, prefix);
    if (!f) throw new UnknownFieldError(n, 'field');
    out.push(f);
  }
  return out;
}

export function buildSortKeys(spec: string, prefix: string): SortKey[] {
  return spec.split(',').filter(Boolean).map((s) => {
    const desc = s.startsWith('-');
    const name = s.replace(/^[+-]/, '');
    const field = resolveField(name, prefix);
    if (!field) throw new UnknownFieldError(name, 'sort');
    return { field, desc };
  });
}

const SECTION_TITLES: [FieldSection, string, string][] = [
  ['LVS', 'Logical Volume Fields', 'lv_all'],
  ['LVSINFO', 'Logical Volume Device Info Fields', 'lv_all'],
  ['LVSSTATUS', 'Logical Volume Device Status Fields', 'lv_all'],
  ['LVSINFOSTATUS', 'Logical Volume Device Info and Status Combined Fields', 'lv_all'],
  ['LABEL', 'Physical Volume Label Fields', 'pv_all'],
  ['PVS', 'Physical Volume Fields', 'pv_all'],
  ['VGS', 'Volume Group Fields', 'vg_all'],
  ['SEGS', 'Logical Volume Segment Fields', 'seg_all'],
  ['PVSEGS', 'Physical Volume Segment Fields', 'pvseg_all'],
];

const KIND_NAMES: Record<string, string> = {
  STR: 'string', STR_LIST: 'string list', NUM: 'number', BIN: 'number', SNUM: 'number', SIZ: 'size', PCT: 'percent',
  TIM: 'time',
};

/** LVM2's field help (dm_report _display_fields); `types` adds the value types, as for -S help. */
export function fieldHelp(types: boolean): string[] {
  const w = 27;
  const line = (id: string, desc: string) => `  ${id.padEnd(w)} - ${desc}`;
  const out: string[] = [];
  for (const [section, title, all] of SECTION_TITLES) {
    out.push(title, '-'.repeat(title.length));
    if (!types) out.push(line(all, 'All fields in this section.'));
    for (const f of FIELDS) if (f.section === section && !f.tsvm) out.push(line(f.id, types ? `${f.desc} [${KIND_NAMES[f.kind]}]` : f.desc));
    out.push(' ');
  }
  out.push('Special Fields', '--------------');
  out.push(line('selected', types ? 'Set if item passes selection criteria. [number]' : 'Set if item passes selection criteria.'));
  out.push(line('help', types ? 'Show help. [unselectable number]' : 'Show help.'));
  out.push(line('?', types ? 'Show help. [unselectable number]' : 'Show help.'));
  out.push(' ');
  return out;
}

function compareValues(a: Value, b: Value): number {
  const x = a.v;
  const y = b.v;
  if (typeof x === 'string' && typeof y === 'string') return x < y ? -1 : x > y ? 1 : 0;
  if (typeof x === 'number' && typeof y === 'number') {
    const xn = Number.isNaN(x) ? -Infinity : x;
    const yn = Number.isNaN(y) ? -Infinity : y;
    return xn < yn ? -1 : xn > yn ? 1 : 0;
  }
  const xs = String(x);
  const ys = String(y);
  return xs < ys ? -1 : xs > ys ? 1 : 0;
}

/** Sort rows in place by the keys (stable, as the order rows were collected in breaks ties). */
export function sortRows(rows: Row[], keys: SortKey[], env: Env): Row[] {
  const n = rows.length;
  const nk = keys.length;
  if (n < 2 || !nk) return rows.slice();
  // Sort keys computed once per row, flat (row i's key k at i * nk + k).
  const vals: Value[] = new Array(n * nk);
  for (let i = 0; i < n; i++) for (let k = 0; k < nk; k++) vals[i * nk + k] = keys[k]!.field.get(rows[i]!, env);
  const desc = keys.map((k) => k.desc);
  const idx = new Array<number>(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  idx.sort((i, j) => {
    for (let k = 0; k < nk; k++) {
      const c = compareValues(vals[i * nk + k]!, vals[j * nk + k]!);
      if (c) return desc[k] ? -c : c;
    }
    return i - j;
  });
  const out = new Array<Row>(n);
  for (let i = 0; i < n; i++) out[i] = rows[idx[i]!]!;
  return out;
}

function rightAligned(f: FieldDef): boolean {
  return f.kind === 'NUM' || f.kind === 'SIZ' || f.kind === 'PCT' || f.kind === 'SNUM' || f.kind === 'BIN';
}

/**
 * Render the report, handing out each line as it is made (without LVM2's two-space log prefix):
 * at 10,000 LVs the lines of `lvs -a -o +devices` were all kept until the end, each built by `+=`
 * as a tree of some 25 pieces, which every scavenge copied until it was printed.
 * The cells are kept: the columns' widths need every row before the first line.
 */
export function renderReport(fields: FieldDef[], rows: Row[], env: Env, o: OutputOptions, jsonKey: string, emit: (line: string) => void): void {
  const nf = fields.length;
  const getters = fields.map((f) => f.get);
  const cells: string[][] = new Array(rows.length);
  for (let n = 0; n < rows.length; n++) {
    const r = rows[n]!;
    const c: string[] = new Array(nf);
    for (let i = 0; i < nf; i++) c[i] = getters[i]!(r, env).s;
    cells[n] = c;
  }
  if (o.json) {
    for (const l of renderJson(fields, cells, jsonKey)) emit(l);
    return;
  }
  if (!rows.length) return;
  const sep = o.separator ?? ' ';
  if (o.rows) {
    const q = o.unquoted ? '' : "'";
    for (let i = 0; i < fields.length; i++) {
      const name = `LVM2_${fields[i]!.id.toUpperCase()}=`;
      const vals = cells.map((c) => (o.nameprefixes ? `${name}${q}${c[i]!}${q}` : c[i]!));
      emit([o.headings ? [fields[i]!.heading] : [], vals].flat().join(sep));
    }
    return;
  }
  if (o.nameprefixes) {
    const q = o.unquoted ? '' : "'";
    if (o.headings) emit(fields.map((f) => f.heading).join(sep));
    for (const c of cells) emit(fields.map((f, i) => `LVM2_${f.id.toUpperCase()}=${q}${c[i]}${q}`).join(sep));
    return;
  }
  const align = o.separator === undefined || o.aligned;
  if (!align) {
    if (o.headings) emit(fields.map((f) => f.heading).join(sep));
    for (const c of cells) emit(c.join(sep));
    return;
  }
  const widths = fields.map((f) => f.width);
  // unbuffered, libdm sizes the columns once, when the headings go out with the first row
  for (const c of o.unbuffered ? cells.slice(0, 1) : cells) {
    for (let i = 0; i < nf; i++) if (c[i]!.length > widths[i]!) widths[i] = c[i]!.length;
  }
  const right = fields.map(rightAligned);
  if (o.headings) emit(fields.map((f, i) => f.heading.slice(0, widths[i]).padEnd(widths[i]!)).join(sep));
  const parts: string[] = new Array(nf);
  // (an empty cell, most of a default `lvs` row, is its column's blanks: one string, not one a row)
  const blanks = widths.map((w) => ''.padEnd(w));
  for (let n = 0; n < cells.length; n++) {
    const c = cells[n]!;
    for (let i = 0; i < nf; i++) {
      const v = c[i]!;
      parts[i] = v === '' ? blanks[i]! : right[i] ? v.padStart(widths[i]!) : v.padEnd(widths[i]!);
    }
    cells[n] = EMPTY;
    emit(parts.join(sep));
  }
}

const EMPTY: string[] = [];

function jsonString(s: string): string {
  if (!s.includes('\\') && !s.includes('"')) return '"' + s + '"';
  return '"' + s.replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"';
}

function renderJson(fields: FieldDef[], cells: string[][], key: string): string[] {
  const out = ['{', '    "report": [', '        {', `            "${key}": [`];
  const keys = fields.map((f, i) => (i ? ', "' : '{"') + f.id + '":');
  const last = cells.length - 1;
  cells.forEach((c, n) => {
    let obj = '                ';
    for (let i = 0; i < keys.length; i++) obj += keys[i]! + jsonString(c[i]!);
    out.push(obj + (keys.length ? '}' : '{}') + (n < last ? ',' : ''));
  });
  out.push('            ]', '        }', '    ]', '}');
  return out;
}
