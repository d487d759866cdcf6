// Field getters (LVM2 lib/report/report.c _*_disp functions): each turns a report row into the
// display string and a value used for sorting and selection. Fields tsvm cannot answer print
// LVM2's value for an LV with no device-mapper state.
import { statSync } from 'node:fs';
import type { LogicalVolume, LvSegment, PhysicalVolume, SegmentArea, VolumeGroup } from '../model/types.js';
import type { PvExtentRun } from '../model/pv-map.js';
import { shownLvUuid } from '../model/lv-id.js';
import { mdaFreeSectors } from '../format-text/layout.js';
import { mdaIsIgnored, pvMdas, pvSoundMdas } from '../format-text/pv-layout.js';
import { FIELD_TABLE, type FieldEntry, type FieldKind, type FieldSection } from './field-table.js';
import { lvAttr, pvAttr, vgAttr } from './lv-attr.js';
import type { LvStatusSource } from './status.js';
import {
  convertLv, isActive, isMirrored, isMirrorImage, isMirrorLog, isPartial, parentOf, type VgInfo, isRaid, isRaidImage, isRaidMeta, isRaidType,
} from './vg-info.js';

/** DevSize is the device's real size now (PSize may differ after pvresize --setphysicalvolumesize). */
function deviceBytes(pv: { path: string; devSize: number; missing: boolean }): number {
  if (pv.missing) return pv.devSize;
  try {
    const st = statSync(pv.path);
    return st.isFile() ? st.size : pv.devSize;
  } catch {
    return pv.devSize;
  }
}
import { formatUnits, type ReportUnits } from './units.js';
import type { ReplicaStatus } from '../repl/status.js';
import { REPL_FIELD_TABLE, REPL_PICKS } from './repl-fields.js';

export interface Row {
  vg: VolumeGroup | null;
  info: VgInfo | null;
  pv?: PhysicalVolume;
  lv?: LogicalVolume;
  seg?: LvSegment;
  pvseg?: PvExtentRun;
}

export interface Env {
  units: ReportUnits;
  /** Replication statuses by LV uuid (src/repl), when a repl_* field is reported. */
  repl?: Map<string, ReplicaStatus[]>;
  status: LvStatusSource;
  markHidden: boolean;
  binary: boolean;
  warn(line: string): void;
}

/** A display string and the value sort and selection use (numbers for NUM/SIZ/PCT, else string). */
export interface Value {
  s: string;
  v: number | string;
}

export interface FieldDef {
  section: FieldSection;
  kind: FieldKind;
  heading: string;
  width: number;
  id: string;
  desc: string;
  get: (r: Row, e: Env) => Value;
  /** tsvm's own field (not in LVM2's catalogue, not listed by -o help). */
  tsvm?: boolean;
}


/** The PVs of a VG whose metadata areas count (LVM2 counts the areas of the PVs it found). */
function vgMdaPvs(vg: VolumeGroup | undefined | null): PhysicalVolume[] {
  return vg ? vg.pvs.filter((pv) => !pv.missing && pvMdas(pv).length) : [];
}

function minOf(values: number[]): number {
  return values.length ? Math.min(...values) : 0;
}

/** pv_mda_size: the smallest of the PV's areas, in sectors. */
/** pv_mda_used_count of the areas LVM2 read (damaged ones left out). */
function soundUsedCount(pv: PhysicalVolume): number {
  return pvSoundMdas(pv).filter(({ i }) => !mdaIsIgnored(pv, i)).length;
}

function pvMdaSize(pv: PhysicalVolume): number {
  return minOf(pvSoundMdas(pv).map(({ area }) => Math.floor(area.size / 512)));
}

/**
 * pv_mda_free: what the text written at the VG's seqno leaves in the PV's smallest area; an
 * ignored area is not read, and counts as none free (its free_sectors stays 0 in LVM2).
 */
function pvMdaFree(pv: PhysicalVolume, vg: VolumeGroup | undefined | null): number {
  return minOf(pvSoundMdas(pv).map(({ area, i }) => (mdaIsIgnored(pv, i) ? 0 : mdaFreeSectors(area.size, vg?.mdaTextSize ?? 0))));
}

/** The VG's areas in use (metadata_areas_in_use as read: ignored ones are on the other list). */
function vgUsedMdas(vg: VolumeGroup | undefined | null): number[] {
  return vgMdaPvs(vg).flatMap((pv) => pvSoundMdas(pv).filter(({ i }) => !mdaIsIgnored(pv, i)).map(({ area }) => area.size));
}

const str = (s: string): Value => ({ s, v: s });
const num = (n: number): Value => ({ s: String(n), v: n });
const blankNum: Value = { s: '', v: NaN };
const size = (e: Env, sectors: number): Value => ({ s: formatUnits(sectors, e.units), v: sectors });

function bin(e: Env, on: boolean, word: string): Value {
  if (e.binary) return num(on ? 1 : 0);
  return { s: on ? word : '', v: on ? 1 : 0 };
}

export function lvDisplayName(lv: LogicalVolume, e: Env): string {
  return !lv.visible && e.markHidden ? `[${lv.name}]` : lv.name;
}

function pvDisplayName(pv: PhysicalVolume | undefined): string {
  return !pv || (pv.absent ?? pv.missing) ? '[unknown]' : pv.name;
}

const lvNameValue = (lv: LogicalVolume, e: Env): Value => ({ s: lvDisplayName(lv, e), v: lv.name });

function extentSize(r: Row): number {
  return r.vg?.extentSize ?? 0;
}

/** The VG column of a PV row without a VG: a duplicate names its PV's, an orphan in use `[unknown]`. */
function orphanVgName(pv: PhysicalVolume | undefined): string {
  if (pv?.duplicate) return pv.vgName ?? '[unknown]';
  return pv?.usedUnknown ? '[unknown]' : '';
}

function pvSize(r: Row): number {
  const pv = r.pv!;
  if (!pv.uuid || pv.duplicate) return 0; // pvs -a: a device that is not a PV, a duplicate not used
  return r.vg ? pv.peCount * r.vg.extentSize : Math.floor(pv.devSize / 512);
}

function pvUsed(r: Row): number {
  if (r.pv?.usedUnknown) return pvSize(r);
  return r.vg ? (r.info!.pvAlloc.get(r.pv!.uuid) ?? 0) * r.vg.extentSize : 0;
}

function segtype(seg: LvSegment): string {
  if (seg.type === 'mirror' || seg.type === 'raid1' || seg.type === 'error') return seg.type;
  return seg.areas.length > 1 ? 'striped' : 'linear';
}

function areaLen(seg: LvSegment): number {
  return seg.type === 'striped' ? seg.extentCount / seg.areas.length : seg.extentCount;
}

/**
 * _format_pvsegs(): a PV area is its PEs; an LV area is named with extent 0 and the sub-LV's whole
 * length, whatever LE the area starts at (LVs on pvmove's layer show "pvmove0(0)"). With brackets
 * for hidden sub-LVs, LVM2 keeps the last LV area's visibility for a PV area after it (a striped LV
 * half on pvmove's layer shows "[pvmove0]:0-10,[/dev/sdc]:0-1").
 */
function segAreas(r: Row, fmt: (name: string, start: number, len: number) => string, markHidden = false): string[] {
  const seg = r.seg;
  if (!seg) return [];
  const len = areaLen(seg);
  let visible = true;
  return seg.areas.map((a) => {
    if (a.kind === 'pv') {
      const name = pvDisplayName(r.info!.pvByUuid.get(a.pvUuid));
      return fmt(markHidden && !visible ? `[${name}]` : name, a.pe, len);
    }
    const sub = r.info!.lvByName.get(a.lvName);
    const subLen = sub ? sub.segments.reduce((n, s) => n + s.extentCount, 0) : len;
    visible = !sub || sub.visible;
    return fmt(markHidden && !visible ? `[${a.lvName}]` : a.lvName, 0, subLen);
  });
}

function lvLayout(r: Row, e: Env): string {
  const lv = r.lv!;
  if (isTmpLayer(lv)) {
    e.warn(`Internal error: WARNING: Failed to properly detect layout and role for LV ${r.vg!.name}/${lv.name}.`);
    return 'unknown';
  }
  if (isMirrored(lv)) return 'mirror';
  if (isRaid(lv)) return 'raid,raid1';
  return lv.segments.some((s) => s.type === 'striped' && s.areas.length > 1) ? 'striped' : 'linear';
}

function isTmpLayer(lv: LogicalVolume): boolean {
  return /_mimagetmp_[0-9]+$/.test(lv.name);
}

function lvRole(r: Row, e: Env): string {
  const lv = r.lv!;
  const info = r.info!;
  if (isTmpLayer(lv)) {
    e.warn(`Internal error: WARNING: Failed to properly detect layout and role for LV ${r.vg!.name}/${lv.name}.`);
    return 'private,mirror,image';
  }
  if (lv.flags.includes('PVMOVE')) return 'private,pvmove';
  if (isMirrorImage(info, lv)) return 'private,mirror,image';
  if (isMirrorLog(info, lv)) return 'private,mirror,log';
  if (isRaidImage(info, lv)) return lv.visible ? 'public' : 'private,raid,image';
  if (isRaidMeta(info, lv)) return 'private,raid,metadata';
  return lv.visible ? 'public' : 'private';
}

/** lv_move_pv_dup(): the source PV of a pvmove LV (first area of its first segment; --atomic: of its source image). */
function movePv(r: Row): PhysicalVolume | undefined {
  const lv = r.lv!;
  if (!lv.flags.includes('PVMOVE')) return undefined;
  let a: SegmentArea | undefined = lv.segments[0]?.areas[0];
  if (a?.kind === 'lv') a = r.info!.lvByName.get(a.lvName)?.segments[0]?.areas[0];
  return a?.kind === 'pv' ? r.info!.pvByUuid.get(a.pvUuid) : undefined;
}

function lvTime(t: number): string {
  if (!t) return '';
  const d = new Date(t * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  const z = `${sign}${p(Math.floor(Math.abs(off) / 60))}${p(Math.abs(off) % 60)}`;
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())} ${z}`;
}

function copyPercent(r: Row, e: Env): Value {
  const lv = r.lv!;
  if (!isMirrored(lv) && !isRaid(lv)) return blankNum;
  const p = e.status.copyPercent(r.vg!, lv);
  return p === undefined ? blankNum : { s: p.toFixed(2), v: p };
}

/** _lvhealthstatus_disp(). */
function healthStatus(r: Row, e: Env): string {
  const lv = r.lv!;
  const info = r.info!;
  if (isPartial(info, lv)) return 'partial';
  if (!isRaidType(info, lv)) return '';
  if (!e.status.raidHealthy(r.vg!, lv)) return 'refresh needed';
  if (isRaid(lv)) return (e.status.raidMismatches(r.vg!, lv) ?? 0) > 0 ? 'mismatches exist' : '';
  return '';
}

/** raid_write_behind, raid_{min,max}_recovery_rate: the raid1 LV's value, blank when unset. */
function raidNum(r: Row, v: number | undefined): Value {
  return isRaid(r.lv!) && v ? num(v) : blankNum;
}

type Getter = (r: Row, e: Env) => Value;

const GETTERS: Record<string, Getter> = {
  // Logical volumes
  lv_uuid: (r) => str(shownLvUuid(r.lv!)),
  lv_name: (r, e) => lvNameValue(r.lv!, e),
  lv_full_name: (r) => str(`${r.vg!.name}/${r.lv!.name}`),
  lv_path: (r) => str(r.lv!.visible ? `/dev/${r.vg!.name}/${r.lv!.name}` : ''),
  lv_dm_path: (r) => str(`/dev/mapper/${r.vg!.name.replace(/-/g, '--')}-${r.lv!.name.replace(/-/g, '--')}`),
  lv_parent: (r, e) => {
    const parent = parentOf(r.info!, r.lv!);
    return parent ? lvNameValue(parent, e) : str('');
  },
  lv_layout: (r, e) => str(lvLayout(r, e)),
  lv_role: (r, e) => str(lvRole(r, e)),
  move_pv: (r) => str(movePv(r) ? pvDisplayName(movePv(r)) : ''),
  move_pv_uuid: (r) => str(movePv(r)?.uuid ?? ''),
  lv_initial_image_sync: (r, e) => bin(e, (isMirrored(r.lv!) || isRaid(r.lv!)) && !r.lv!.flags.includes('NOTSYNCED'), 'initial image sync'),
  lv_image_synced: (r, e) => bin(e, (isMirrorImage(r.info!, r.lv!) || isRaidImage(r.info!, r.lv!)) && e.status.imageInSync(r.vg!, r.lv!), 'image synced'),
  lv_merging: (_r, e) => bin(e, false, 'merging'),
  lv_converting: (r, e) => bin(e, !!convertLv(r.info!, r.lv!), 'converting'),
  lv_allocation_policy: (r) => str(r.lv!.alloc),
  lv_allocation_locked: (r, e) => bin(e, r.lv!.flags.includes('LOCKED'), 'allocation locked'),
  lv_fixed_minor: (_r, e) => bin(e, false, 'fixed minor'),
  lv_skip_activation: (r, e) => bin(e, r.lv!.flags.includes('ACTIVATION_SKIP'), 'skip activation'),
  lv_autoactivation: (_r, e) => bin(e, true, 'enabled'),
  lv_active: (r) => str(isActive(r.info!, r.lv!) ? 'active' : ''),
  lv_active_locally: (r, e) => bin(e, isActive(r.info!, r.lv!), 'active locally'),
  lv_active_remotely: (_r, e) => bin(e, false, 'active remotely'),
  lv_active_exclusively: (r, e) => bin(e, isActive(r.info!, r.lv!), 'active exclusively'),
  lv_major: () => num(-1),
  lv_minor: () => num(-1),
  lv_read_ahead: (r, e) => (r.lv!.readAhead === 'auto' ? { s: 'auto', v: -1 } : size(e, r.lv!.readAhead as number)),
  lv_size: (r, e) => size(e, r.lv!.segments.reduce((n, s) => n + s.extentCount, 0) * extentSize(r)),
  seg_count: (r) => num(r.lv!.segments.length),
  lv_tags: (r) => str(r.lv!.tags.join(',')),
  lv_time: (r) => ({ s: lvTime(r.lv!.creationTime), v: r.lv!.creationTime }),
  lv_host: (r) => str(r.lv!.creationHost),
  lv_modules: (r) => str(isMirrored(r.lv!) ? 'mirror' : isRaid(r.lv!) ? 'raid' : ''),
  lv_historical: (_r, e) => bin(e, false, 'historical'),
  mirror_log: (r, e) => {
    const name = r.lv!.segments.find((s) => s.mirrorLog)?.mirrorLog;
    const log = name ? r.info!.lvByName.get(name) : undefined;
    return log ? lvNameValue(log, e) : str('');
  },
  mirror_log_uuid: (r) => {
    const name = r.lv!.segments.find((s) => s.mirrorLog)?.mirrorLog;
    const log = name && r.info!.lvByName.get(name);
    return str(log ? shownLvUuid(log) : '');
  },
  convert_lv: (r, e) => {
    const c = convertLv(r.info!, r.lv!);
    return c ? lvNameValue(c, e) : str('');
  },
  convert_lv_uuid: (r) => {
    const c = convertLv(r.info!, r.lv!);
    return str(c ? shownLvUuid(c) : '');
  },
  lv_kernel_major: (r) => num(r.info!.devices.kernelDevice(r.lv!)?.major ?? -1),
  lv_kernel_minor: (r) => num(r.info!.devices.kernelDevice(r.lv!)?.minor ?? -1),
  lv_kernel_read_ahead: () => num(-1),
  lv_permissions: (r) => str(!r.lv!.writable ? 'read-only' : isActive(r.info!, r.lv!) ? 'writeable' : 'unknown'),
  lv_suspended: (_r, e) => bin(e, false, 'suspended'),
  lv_live_table: (r, e) => bin(e, isActive(r.info!, r.lv!), 'live table present'),
  lv_inactive_table: (_r, e) => bin(e, false, 'inactive table present'),
  lv_device_open: (r, e) => bin(e, isActive(r.info!, r.lv!) && (!!parentOf(r.info!, r.lv!) || r.info!.devices.openCount(r.lv!) > 0), 'open'),
  copy_percent: copyPercent,
  sync_percent: copyPercent,
  lv_health_status: (r, e) => str(healthStatus(r, e)),
  raid_sync_action: (r, e) => str(e.status.raidSyncAction(r.vg!, r.lv!) ?? ''),
  raid_mismatch_count: (r, e) => {
    const n = e.status.raidMismatches(r.vg!, r.lv!);
    return n === undefined ? blankNum : num(n);
  },
  raid_mismatch_regions: (r, e) => str(e.status.raidMismatchRegions(r.vg!, r.lv!) ?? ''),
  raid_heal_count: (r, e) => {
    const h = e.status.heals(r.vg!, r.lv!);
    return h ? num(h.healed) : blankNum;
  },
  raid_unrecoverable_count: (r, e) => {
    const h = e.status.heals(r.vg!, r.lv!);
    return h ? num(h.unrecoverable) : blankNum;
  },
  raid_write_behind: (r) => raidNum(r, r.lv!.segments[0]?.writebehind),
  raid_min_recovery_rate: (r) => raidNum(r, r.lv!.segments[0]?.minRecoveryRate),
  raid_max_recovery_rate: (r) => raidNum(r, r.lv!.segments[0]?.maxRecoveryRate),
  lv_attr: (r, e) => str(lvAttr(r.info!, r.lv!, e.status)),
  // PV label and PV
  pv_fmt: (r) => str(r.pv!.uuid ? 'lvm2' : ''),
  pv_uuid: (r) => str(r.pv!.uuid),
  dev_size: (r, e) => size(e, Math.floor(deviceBytes(r.pv!) / 512)),
  pv_name: (r) => str(pvDisplayName(r.pv)),
  pv_mda_free: (r, e) => size(e, pvMdaFree(r.pv!, r.vg)),
  pv_mda_size: (r, e) => size(e, pvMdaSize(r.pv!)),
  pv_ext_vsn: () => num(2),
  pe_start: (r, e) => size(e, r.pv!.peStart),
  pv_size: (r, e) => size(e, pvSize(r)),
  pv_free: (r, e) => size(e, pvSize(r) - pvUsed(r)),
  pv_used: (r, e) => size(e, pvUsed(r)),
  pv_attr: (r) => str(pvAttr(r.pv!, r.vg)),
  pv_allocatable: (r, e) => bin(e, !!r.vg && r.pv!.allocatable, 'allocatable'),
  pv_exported: (r, e) => bin(e, !!r.vg?.exported, 'exported'),
  pv_missing: (r, e) => bin(e, r.pv!.missing, 'missing'),
  pv_pe_count: (r) => num(r.pv!.peCount),
  pv_pe_alloc_count: (r) => num(r.info?.pvAlloc.get(r.pv!.uuid) ?? 0),
  pv_tags: (r) => str(r.pv!.tags.join(',')),
  pv_mda_count: (r) => num(pvSoundMdas(r.pv!).length),
  pv_mda_used_count: (r) => num(soundUsedCount(r.pv!)),
  pv_ba_start: (_r, e) => size(e, 0),
  pv_ba_size: (_r, e) => size(e, 0),
  pv_in_use: (r, e) => bin(e, !!r.vg || !!r.pv!.duplicate || !!r.pv!.usedUnknown, 'used'),
  pv_duplicate: (r, e) => bin(e, !!r.pv!.duplicate, 'duplicate'),
  // VG
  vg_fmt: (r) => str(r.vg ? 'lvm2' : ''),
  vg_uuid: (r) => str(r.vg?.uuid ?? ''),
  vg_name: (r) => str(r.vg?.name ?? orphanVgName(r.pv)),
  vg_attr: (r) => str(r.vg ? vgAttr(r.vg, r.info!.missingPvs) : ''),
  vg_permissions: (r) => str(r.vg ? 'writeable' : ''),
  vg_extendable: (r, e) => bin(e, !!r.vg?.resizeable, 'extendable'),
  vg_exported: (r, e) => bin(e, !!r.vg?.exported, 'exported'),
  vg_autoactivation: (r, e) => bin(e, !!r.vg, 'enabled'),
  vg_partial: (r, e) => bin(e, (r.info?.missingPvs ?? 0) > 0, 'partial'),
  vg_allocation_policy: (r) => str(r.vg?.alloc ?? ''),
  vg_clustered: (_r, e) => bin(e, false, 'clustered'),
  vg_shared: (_r, e) => bin(e, false, 'shared'),
  vg_size: (r, e) => size(e, (r.info?.extentCount ?? 0) * extentSize(r)),
  vg_free: (r, e) => size(e, (r.info?.freeExtents ?? 0) * extentSize(r)),
  vg_sysid: (r) => str(r.vg?.systemId ?? ''),
  vg_systemid: (r) => str(r.vg?.systemId ?? ''),
  vg_extent_size: (r, e) => size(e, extentSize(r)),
  vg_extent_count: (r) => num(r.info?.extentCount ?? 0),
  vg_free_count: (r) => num(r.info?.freeExtents ?? 0),
  max_lv: (r) => num(r.vg?.maxLv ?? 0),
  max_pv: (r) => num(r.vg?.maxPv ?? 0),
  pv_count: (r) => num(r.vg?.pvs.length ?? 0),
  vg_missing_pv_count: (r) => num(r.info?.missingPvs ?? 0),
  lv_count: (r) => num(r.vg ? r.vg.lvs.reduce((n, lv) => n + (lv.visible ? 1 : 0), 0) : 0),
  snap_count: () => num(0),
  vg_seqno: (r) => num(r.vg?.seqno ?? 0),
  vg_tags: (r) => str(r.vg?.tags.join(',') ?? ''),
  vg_mda_count: (r) => num(vgMdaPvs(r.vg).reduce((n, pv) => n + pvSoundMdas(pv).length, 0)),
  vg_mda_used_count: (r) => num(vgMdaPvs(r.vg).reduce((n, pv) => n + soundUsedCount(pv), 0)),
  vg_mda_free: (r, e) => size(e, minOf(vgUsedMdas(r.vg).map((b) => mdaFreeSectors(b, r.vg?.mdaTextSize ?? 0)))),
  vg_mda_size: (r, e) => size(e, minOf(vgUsedMdas(r.vg).map((b) => Math.floor(b / 512)))),
  vg_mda_copies: (r) => (r.vg?.mdaCopies ? num(r.vg.mdaCopies) : str('unmanaged')),
  // LV segments
  segtype: (r) => str(r.seg ? segtype(r.seg) : r.pvseg ? 'free' : ''),
  stripes: (r) => (r.seg ? num(r.seg.areas.length) : num(0)),
  data_stripes: (r) => (r.seg ? num(r.seg.areas.length) : num(0)),
  data_copies: (r) => (r.seg ? num(r.seg.type === 'mirror' || r.seg.type === 'raid1' ? r.seg.areas.length : 1) : num(0)),
  stripe_size: (r, e) => size(e, r.seg?.type === 'striped' && r.seg.areas.length > 1 ? r.seg.stripeSize : 0),
  region_size: (r, e) => size(e, r.seg?.type === 'mirror' || r.seg?.type === 'raid1' ? r.seg.regionSize : 0),
  chunk_size: (_r, e) => size(e, 0),
  seg_start: (r, e) => size(e, (r.seg?.startLe ?? 0) * extentSize(r)),
  seg_start_pe: (r) => num(r.seg?.startLe ?? 0),
  seg_size: (r, e) => size(e, (r.seg?.extentCount ?? 0) * extentSize(r)),
  seg_size_pe: (r) => num(r.seg?.extentCount ?? 0),
  seg_monitor: (r, e) => {
    const seg = r.seg ?? r.lv?.segments[0];
    const m = seg?.type === 'mirror' || seg?.type === 'raid1' ? e.status.monitored(r.vg!, r.lv!) : undefined;
    return str(m === undefined ? '' : m ? 'monitored' : 'not monitored');
  },
  seg_pe_ranges: (r) => str(segAreas(r, (n, s, l) => `${n}:${s}-${s + l - 1}`).join(' ')),
  seg_le_ranges: (r, e) => str(segAreas(r, (n, s, l) => `${n}:${s}-${s + l - 1}`, e.markHidden).join(',')),
  devices: (r) => str(segAreas(r, (n, s) => `${n}(${s})`).join(',')),
  // PV segments
  pvseg_start: (r) => num(r.pvseg?.start ?? 0),
  pvseg_size: (r) => num(r.pvseg?.len ?? 0),
};

function fallback(kind: FieldKind): Getter {
  // One shared value per field: getters' results are read, never changed.
  const value: Value = kind === 'SNUM' ? num(-1) : { s: '', v: kind === 'STR' || kind === 'STR_LIST' || kind === 'TIM' ? '' : NaN };
  return () => value;
}

/** A row without the object a field describes (an LV field on a free PV segment) shows blank. */
function guarded(section: FieldSection, kind: FieldKind, g: Getter): Getter {
  const blank: Value = kind === 'NUM' || kind === 'SIZ' || kind === 'PCT' || kind === 'BIN' || kind === 'SNUM'
    ? blankNum : { s: '', v: '' };
  switch (section) {
    case 'LVS': case 'LVSINFO': case 'LVSSTATUS': case 'LVSINFOSTATUS': return (r, e) => (r.lv ? g(r, e) : blank);
    case 'LABEL': case 'PVS': return (r, e) => (r.pv ? g(r, e) : blank);
    default: return g;
  }
}

/** Fields tsvm adds for the checksums of issue 11: same shape as LVM2's, after them. */
const CSUM_FIELDS: readonly FieldEntry[] = [
  ["LVS", "STR", "MismatchRegions", 0, "raid_mismatch_regions",
    "For RAID1 with checksums (tsvm), the regions the last check or repair found mismatched and the images wrong there."],
  ["LVS", "NUM", "Healed", 0, "raid_heal_count",
    "For RAID1 and mirrors with checksums (tsvm), number of blocks reads found bad on an image and rewrote from a good copy."],
  ["LVS", "NUM", "Unrecoverable", 0, "raid_unrecoverable_count",
    "For RAID1 and mirrors with checksums (tsvm), number of blocks reads found right on no image (the read failed)."],
];

/** A replication field: one value per replica of the LV's group, joined by commas. */
function replGetter(id: string, kind: FieldKind): Getter {
  const pick = REPL_PICKS[id]!;
  return (r, e) => {
    const list = e.repl?.get(r.lv!.uuid) ?? [];
    const full = `${r.vg?.name}/${r.lv!.name}`;
    if (!list.length) return kind === 'STR' ? str('') : blankNum;
    const vals = list.map((s) => pick(s, full));
    if (kind !== 'STR' && vals.every((v) => v === '')) return blankNum; // no failback yet
    if (kind === 'SIZ') return { s: vals.map((v) => formatUnits(v as number, e.units)).join(','), v: Math.max(...(vals as number[])) };
    if (kind === 'NUM') return { s: vals.join(','), v: Math.max(...(vals as number[])) };
    return str(vals.join(','));
  };
}

export const FIELDS: readonly FieldDef[] = [
  ...FIELD_TABLE.map((f: FieldEntry) => ({
    section: f[0], kind: f[1], heading: f[2], width: f[3] || f[2].length, id: f[4], desc: f[5],
    get: guarded(f[0], f[1], GETTERS[f[4]] ?? fallback(f[1])),
  })),
  ...REPL_FIELD_TABLE.map((f: FieldEntry) => ({
    section: f[0], kind: f[1], heading: f[2], width: f[3] || f[2].length, id: f[4], desc: f[5],
    get: guarded(f[0], f[1], replGetter(f[4], f[1])), tsvm: true,
  })),
  ...CSUM_FIELDS.map((f: FieldEntry) => ({
    section: f[0], kind: f[1], heading: f[2], width: f[3] || f[2].length, id: f[4], desc: f[5],
    get: guarded(f[0], f[1], GETTERS[f[4]] ?? fallback(f[1])), tsvm: true,
  })),
];

export const FIELD_BY_ID: ReadonlyMap<string, FieldDef> = new Map(FIELDS.map((f) => [f.id, f]));

/** Which object a field's section needs: 'lv', 'pv', 'vg', 'seg' or 'pvseg'. */
export function fieldObject(f: FieldDef): 'lv' | 'pv' | 'vg' | 'seg' | 'pvseg' {
  switch (f.section) {
    case 'LVS': case 'LVSINFO': case 'LVSSTATUS': case 'LVSINFOSTATUS': return 'lv';
    case 'LABEL': case 'PVS': return 'pv';
    case 'VGS': return 'vg';
    case 'SEGS': return 'seg';
    default: return 'pvseg';
  }
}
