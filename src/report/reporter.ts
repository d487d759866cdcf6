// lvs / pvs / vgs (LVM2 tools/reporter.c): pick the report type and fields, collect the objects
// named on the command line, select, sort and print. One row per LV, segment, PV, PV segment or VG.
import { deviceExists, orphansInUse, scannedOrphans, scanVgs, unusedDuplicatePvs } from '../cli/pv-tools.js';
import { nameError } from '../model/names.js';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Args } from '../cli/args.js';
import type { Context } from '../cli/context.js';
import { InvalidCommandLine } from '../cli/errors.js';
import { splitLvArg, vgNameArg } from '../cli/toollib.js';
import { addTaggedLvs, hasTag, splitTagArgs } from '../cli/tag-args.js';
import type { VolumeGroup } from '../model/types.js';
import {
  buildFieldList, buildSortKeys, fieldHelp, renderReport, resolveField, sortRows, UnknownFieldError, type SortKey,
} from './engine.js';
import { type Env, type FieldDef, type Row } from './fields.js';
import { finalRowType, type RowType } from './report-type.js';
import { parseSelection, SelectionError, type Selection } from './select.js';
import { loadStatusSource } from './status.js';
import { deviceView } from './device-view.js';
import { parseUnits } from './units.js';
import { pvRuns, vgInfo, type VgInfo } from './vg-info.js';

export type ReportCommand = 'lvs' | 'pvs' | 'vgs';

const PREFIX: Record<RowType, string> = { lv: 'lv_', seg: 'seg_', pv: 'pv_', pvseg: 'pvseg_', vg: 'vg_' };

/** lib/config/defaults.h DEFAULT_*_COLS. */
const DEFAULT_COLS: Record<string, [key: string, cols: string]> = {
  lv: ['lvs_cols', 'lv_name,vg_name,lv_attr,lv_size,pool_lv,origin,data_percent,metadata_percent,move_pv,mirror_log,copy_percent,convert_lv'],
  lvV: ['lvs_cols_verbose', 'lv_name,vg_name,seg_count,lv_attr,lv_size,lv_major,lv_minor,lv_kernel_major,lv_kernel_minor,pool_lv,origin,data_percent,metadata_percent,move_pv,copy_percent,mirror_log,convert_lv,lv_uuid,lv_profile'],
  seg: ['segs_cols', 'lv_name,vg_name,lv_attr,stripes,segtype,seg_size'],
  segV: ['segs_cols_verbose', 'lv_name,vg_name,lv_attr,seg_start,seg_size,stripes,segtype,stripesize,chunksize'],
  pv: ['pvs_cols', 'pv_name,vg_name,pv_fmt,pv_attr,pv_size,pv_free'],
  pvV: ['pvs_cols_verbose', 'pv_name,vg_name,pv_fmt,pv_attr,pv_size,pv_free,dev_size,pv_uuid'],
  pvseg: ['pvsegs_cols', 'pv_name,vg_name,pv_fmt,pv_attr,pv_size,pv_free,pvseg_start,pvseg_size'],
  pvsegV: ['pvsegs_cols_verbose', 'pv_name,vg_name,pv_fmt,pv_attr,pv_size,pv_free,pvseg_start,pvseg_size,lv_name,seg_start_pe,segtype,seg_pe_ranges'],
  vg: ['vgs_cols', 'vg_name,pv_count,lv_count,snap_count,vg_attr,vg_size,vg_free'],
  vgV: ['vgs_cols_verbose', 'vg_name,vg_attr,vg_extent_size,pv_count,lv_count,snap_count,vg_size,vg_free,vg_uuid,vg_profile'],
};

const DEFAULT_SORT: Record<RowType, [string, string]> = {
  lv: ['lvs_sort', 'vg_name,lv_name'],
  seg: ['segs_sort', 'vg_name,lv_name,seg_start'],
  pv: ['pvs_sort', 'pv_name'],
  pvseg: ['pvsegs_sort', 'pv_name,pvseg_start'],
  vg: ['vgs_sort', 'vg_name'],
};

function printHelp(ctx: Context, types: boolean): void {
  for (const l of fieldHelp(types)) ctx.out.error(l);
}

/** Names on the command line: VG names, vg/lv pairs (lvs) or devices (pvs). */
interface Targets {
  vgs: string[] | null;
  lvs: Map<string, Set<string>>;
  /** An LV argument was refused ("Invalid path for Logical Volume."): the command fails. */
  invalid?: boolean;
}

function lvsTargets(ctx: Context, args: Args): Targets {
  if (!args.positionals.length) return { vgs: null, lvs: new Map() };
  const { names, tags } = splitTagArgs(ctx, args.positionals);
  const vgs: string[] = [];
  const lvs = new Map<string, Set<string>>();
  let invalid = false;
  for (const a of names) {
    const n = splitLvArg(ctx, a);
    if ('invalid' in n) {
      ctx.out.error(n.invalid);
      invalid = true;
      continue;
    }
    // ("vg/" names an LV "", which is not found, as in LVM2)
    const v = n.lv === null ? vgNameArg(n.vg) : n.vg;
    if (!vgs.includes(v)) vgs.push(v);
    let set = lvs.get(v);
    if (!set) lvs.set(v, (set = new Set()));
    if (n.lv !== null) set.add(n.lv);
  }
  // process_each_lv stops before any VG when an argument is refused
  if (invalid) return { vgs: [], lvs: new Map(), invalid };
  if (tags.length) addTaggedLvs(ctx.reader.loadAllVgs(), tags, vgs, lvs);
  return { vgs, lvs, invalid };
}

/** VG arguments and @tags of vgs and pvs --segments-less VG reports. */
function vgsTargets(ctx: Context, args: Args): Targets {
  if (!args.positionals.length) return { vgs: null, lvs: new Map() };
  const { names, tags } = splitTagArgs(ctx, args.positionals);
  const vgs = names.map(vgNameArg);
  if (tags.length) for (const vg of ctx.reader.loadAllVgs()) if (hasTag(vg, tags) && !vgs.includes(vg.name)) vgs.push(vg.name);
  return { vgs, lvs: new Map() };
}

export async function runReport(ctx: Context, args: Args, cmd: ReportCommand): Promise<number> {
  const units = parseUnits(args.str('units') ?? ctx.config.str('global/units', 'r'), args.has('nosuffix'));
  if (!units) throw new InvalidCommandLine('Invalid units specification', `Run \`${cmd} --help' for more information.`);
  const segments = args.has('segments');
  const verbose = args.count('verbose') > 0;
  const base: RowType = cmd === 'lvs' ? (segments ? 'seg' : 'lv') : cmd === 'pvs' ? (segments ? 'pvseg' : 'pv') : 'vg';
  const prefix = PREFIX[base];
  const [colKey, colDefault] = DEFAULT_COLS[base + (verbose ? 'V' : '')]!;
  const defaults = ctx.config.str(`report/${colKey}`, colDefault).split(',');

  let fields: FieldDef[];
  let sortKeys: SortKey[];
  try {
    const built = buildFieldList(defaults, args.all('options'), prefix);
    if (built === 'help') {
      printHelp(ctx, false);
      return 0;
    }
    fields = built;
    const [sortKey, sortDefault] = DEFAULT_SORT[base];
    sortKeys = buildSortKeys(args.str('sort') ?? ctx.config.str(`report/${sortKey}`, sortDefault), prefix);
  } catch (e) {
    if (!(e instanceof UnknownFieldError)) throw e;
    printHelp(ctx, false);
    ctx.out.error(e.where === 'sort' ? `dm_report: Unrecognised field: ${e.field}` : `Unrecognised field: ${e.field}`);
    return 5;
  }

  const selFields: FieldDef[] = [];
  let selection: Selection | null = null;
  const selText = args.str('select');
  if (selText !== undefined) {
    try {
      selection = parseSelection(selText, (n) => {
        const f = resolveField(n, prefix);
        if (f) selFields.push(f);
        return f;
      });
    } catch (e) {
      if (!(e instanceof SelectionError)) throw e;
      if (e.unknownField) printHelp(ctx, true);
      for (const l of e.lines) ctx.out.error(l);
      return 5;
    }
  }

  const rowType = finalRowType(base, [...fields, ...sortKeys.map((k) => k.field), ...selFields]);

  let code = 0;
  const rows: Row[] = [];
  if (cmd === 'pvs') code = collectPvRows(ctx, args, rowType, rows);
  else code = collectVgRows(ctx, args, cmd, rowType, rows);

  const env: Env = {
    units,
    // The mirror engine (region logs, syncer) is loaded only when a VG reported on has a mirror.
    status: await loadStatusSource(ctx, hasMirrors(rows)),
    markHidden: ctx.config.bool('report/mark_hidden_devices', true),
    binary: args.has('binary') || ctx.config.bool('report/binary_values_as_numeric', false),
    warn: (l) => ctx.out.error(l),
  };
  if ([...fields, ...sortKeys.map((k) => k.field), ...selFields].some((f) => f.id.startsWith('repl_'))) {
    const { replicaStatusByLv } = await import('../repl/status.js');
    env.repl = replicaStatusByLv(ctx.systemDir, ctx.store.db);
  }

  const selected = selection ? rows.filter((r) => selection!(r, env)) : rows;
  // _report: --unbuffered without --sort prints rows as they come (libdm's unbuffered report)
  const unbuffered = args.has('unbuffered') && !args.has('sort');
  const sorted = unbuffered ? selected : sortRows(selected, sortKeys, env);
  const json = args.str('reportformat') === 'json';
  renderReport(fields, sorted, env, {
    headings: !args.has('noheadings'), separator: args.str('separator'), aligned: args.has('aligned'),
    nameprefixes: args.has('nameprefixes'), unquoted: args.has('unquoted'), rows: args.has('rows'), json, unbuffered,
  }, base, (line) => ctx.out.print(line));
  return code;
}

/** Whether any VG of the rows has a mirror segment (the only LVs whose status is not metadata). */
function hasMirrors(rows: Row[]): boolean {
  const seen = new Set<VolumeGroup>();
  for (const r of rows) {
    if (!r.vg || seen.has(r.vg)) continue;
    seen.add(r.vg);
    if (r.vg.lvs.some((lv) => lv.segments.some((s) => s.type === 'mirror' || s.type === 'raid1'))) return true;
  }
  return false;
}

function lvRows(info: VgInfo, rowType: RowType, all: boolean, names: Set<string> | undefined, rows: Row[]): string[] {
  const vg = info.vg;
  const missing: string[] = [];
  let lvs = vg.lvs;
  if (names && names.size) {
    lvs = [];
    for (const n of names) {
      const lv = info.lvByName.get(n);
      if (lv) lvs.push(lv);
      else missing.push(n);
    }
  } else if (!all) lvs = lvs.filter((lv) => lv.visible);
  for (const lv of lvs) {
    if (rowType === 'seg') for (const seg of lv.segments) rows.push({ vg, info, lv, seg });
    else rows.push({ vg, info, lv });
  }
  return missing;
}

function collectVgRows(ctx: Context, args: Args, cmd: ReportCommand, rowType: RowType, rows: Row[]): number {
  const targets: Targets = cmd === 'lvs' ? lvsTargets(ctx, args) : vgsTargets(ctx, args);
  let code = targets.invalid ? 5 : 0;
  let vgs: VolumeGroup[];
  if (targets.vgs === null) vgs = scanVgs(ctx, ctx.reader.loadAllVgs());
  else {
    vgs = [];
    for (const name of [...targets.vgs].sort()) {
      if (nameError(name)) {
        ctx.out.error(`Volume group name "${name}" has invalid characters.`);
        ctx.out.error(`Cannot process volume group ${name}`);
        code = 5;
        continue;
      }
      const loaded = ctx.reader.loadVg(name);
      const [vg] = loaded ? scanVgs(ctx, [loaded.vg]) : [];
      if (!vg) {
        ctx.out.error(`Volume group "${name}" not found`);
        ctx.out.error(`Cannot process volume group ${name}`);
        code = 5;
        continue;
      }
      if (vg.exported && rowType !== 'vg' && rowType !== 'pv') {
        ctx.out.error(`Volume group ${name} is exported`);
        code = 5;
        continue;
      }
      vgs.push(vg);
    }
  }
  // (process_each_lv passes over exported VGs)
  if (rowType !== 'vg' && rowType !== 'pv') vgs = vgs.filter((vg) => !vg.exported);
  const all = args.has('all');
  const devices = deviceView(ctx.systemDir);
  for (const vg of vgs) {
    const info = vgInfo(vg, devices);
    if (rowType === 'vg') rows.push({ vg, info });
    else if (rowType === 'pv') for (const pv of vg.pvs) rows.push({ vg, info, pv });
    else if (rowType === 'pvseg') for (const pv of vg.pvs) pushPvsegRows({ vg, info, pv }, rows);
    else {
      for (const n of lvRows(info, rowType, all, targets.lvs.get(vg.name), rows)) {
        ctx.out.error(`Failed to find logical volume "${vg.name}/${n}"`);
        code = 5;
      }
    }
  }
  return code;
}

/** pvs -a: devices under TSVM_DEV_DIR that are not PVs, shown with blank format and zero sizes. */
function otherDevices(devDir: string, known: Row[]): Row[] {
  const names = new Set(known.map((r) => r.pv!.name));
  let files: string[];
  try {
    files = readdirSync(devDir).sort();
  } catch {
    return [];
  }
  return files.filter((f) => !names.has(`/dev/${f}`)).map((f) => ({
    vg: null, info: null,
    pv: { uuid: '', name: `/dev/${f}`, path: join(devDir, f), devSize: 0, peStart: 0, peCount: 0, allocatable: false,
      missing: false, tags: [], vgName: null, mdaCount: 0 },
  }));
}

function collectPvRows(ctx: Context, args: Args, rowType: RowType, rows: Row[]): number {
  const vgs = scanVgs(ctx, ctx.reader.loadAllVgs());
  const devices = deviceView(ctx.systemDir);
  const infos = new Map(vgs.map((vg) => [vg.name, vgInfo(vg, devices)]));
  const all: Row[] = [];
  for (const info of infos.values()) for (const pv of info.vg.pvs) all.push({ vg: info.vg, info, pv });
  for (const pv of [...scannedOrphans(ctx, ctx.reader.orphanPvs()), ...orphansInUse(ctx)]) all.push({ vg: null, info: null, pv });
  // duplicates not used are shown with -a or when named (_process_duplicate_pvs)
  const duplicates: Row[] = unusedDuplicatePvs(ctx).map((pv) => ({ vg: null, info: null, pv }));
  if (args.has('all')) all.push(...duplicates);
  if (args.has('all') && ctx.devDir) all.push(...otherDevices(ctx.devDir, [...all, ...duplicates]));
  let code = 0;
  let chosen = all;
  if (args.positionals.length) {
    chosen = [];
    const { names, tags } = splitTagArgs(ctx, args.positionals);
    for (const r of all) if (tags.length && hasTag(r.pv!, tags)) chosen.push(r);
    for (const a of names) {
      const dev = ctx.device(a);
      const row = [...all, ...duplicates].find((r) => r.pv!.name === dev.name || r.pv!.path === dev.path);
      if (!row) {
        ctx.out.error(deviceExists(dev) ? `Failed to find physical volume "${dev.name}".` : `Cannot use ${a}: device not found`);
        code = 5;
      } else if (!chosen.includes(row)) chosen.push(row);
    }
  }
  for (const r of chosen) {
    if (rowType !== 'pvseg') rows.push(r);
    else pushPvsegRows(r, rows);
  }
  return code;
}

/** One row per PV segment (free runs included) of a PV row. */
function pushPvsegRows(r: Row, rows: Row[]): void {
  if (!r.info) {
    rows.push({ ...r, pvseg: { start: 0, len: 0, lvName: null, le: 0 } });
    return;
  }
  for (const run of pvRuns(r.info, r.pv!)) {
    const lv = run.lvName ? r.info.lvByName.get(run.lvName) : undefined;
    const seg = lv?.segments.find((s) => s.startLe === run.le);
    rows.push({ ...r, pvseg: run, lv, seg });
  }
}
