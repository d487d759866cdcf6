// LVM2 metadata text -> VG model (lib/format_text/import_vsn1.c): the VG section, its PVs (pvN
// names resolved to UUIDs), LVs with their striped and mirror segments. What tsvm has no model for
// (raid, thin, cache, snapshots...) is refused by name rather than half-imported.
import { isSection, parseConfigText, type ConfigSection, type ConfigValue } from './config-text.js';
import type {
  AllocPolicy, LogicalVolume, LvSegment, LvStatusFlag, PhysicalVolume, SegmentArea, VolumeGroup,
} from '../model/types.js';

export class MetadataImportError extends Error {}

/** Where a PV is now: its device name and backing path, or null when no device carries it. */
export type PvLocator = (uuid: string, hint: string) => { name: string; path: string } | null;

export interface ImportedText {
  vg: VolumeGroup;
  description: string;
  creationHost: string;
  creationTime: number;
}

function num(s: ConfigSection, key: string, def?: number): number {
  const v = s.entries.get(key);
  if (typeof v === 'number') return v;
  if (v === undefined && def !== undefined) return def;
  throw new MetadataImportError(`Couldn't read '${key}'`);
}

function str(s: ConfigSection, key: string, def?: string): string {
  const v = s.entries.get(key);
  if (typeof v === 'string') return v;
  if (v === undefined && def !== undefined) return def;
  throw new MetadataImportError(`Couldn't read '${key}'`);
}

function strs(s: ConfigSection, key: string): string[] {
  const v = s.entries.get(key);
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new MetadataImportError(`Couldn't read '${key}'`);
  return v as string[];
}

function section(s: ConfigSection, key: string): ConfigSection {
  const v = s.entries.get(key);
  if (!isSection(v)) throw new MetadataImportError(`Couldn't find ${key} section.`);
  return v;
}

function sections(s: ConfigSection): [string, ConfigSection][] {
  return [...s.entries].filter((e): e is [string, ConfigSection] => isSection(e[1]));
}

const POLICIES = ['contiguous', 'cling', 'cling_by_tags', 'normal', 'anywhere', 'inherit'];

function alloc(s: ConfigSection, def: AllocPolicy): AllocPolicy {
  const a = str(s, 'allocation_policy', def);
  if (!POLICIES.includes(a)) throw new MetadataImportError(`Unrecognised allocation policy ${a}`);
  return a as AllocPolicy;
}

/** The VG section of a parsed text: the one section at the top level. */
function vgSection(top: ConfigSection): [string, ConfigSection] {
  const s = sections(top);
  if (s.length !== 1) throw new MetadataImportError('Couldn\'t find volume group in file.');
  return s[0]!;
}

function importPv(s: ConfigSection, vgName: string, locate: PvLocator): PhysicalVolume {
  const uuid = str(s, 'id');
  const hint = str(s, 'device', '[unknown]');
  const where = locate(uuid, hint);
  const flags = strs(s, 'flags');
  const pv: PhysicalVolume = {
    uuid, name: where?.name ?? hint, path: where?.path ?? hint, devSize: num(s, 'dev_size') * 512, peStart: num(s, 'pe_start'),
    peCount: num(s, 'pe_count'), allocatable: strs(s, 'status').includes('ALLOCATABLE'),
    missing: flags.includes('MISSING') || strs(s, 'status').includes('MISSING') || !where, tags: strs(s, 'tags'), vgName,
  };
  if (!where) pv.absent = true;
  return pv;
}

function areas(list: ConfigValue | ConfigSection | undefined, pvUuids: Map<string, string>, what: string): SegmentArea[] {
  if (!Array.isArray(list) || list.length % 2) throw new MetadataImportError(`Couldn't read ${what} list`);
  const out: SegmentArea[] = [];
  for (let i = 0; i < list.length; i += 2) {
    const name = list[i];
    const at = list[i + 1];
    if (typeof name !== 'string' || typeof at !== 'number') throw new MetadataImportError(`Couldn't read ${what} list`);
    const pv = pvUuids.get(name);
    out.push(pv ? { kind: 'pv', pvUuid: pv, pe: at } : { kind: 'lv', lvName: name, le: at });
  }
  return out;
}

function importSegment(lvName: string, s: ConfigSection, pvUuids: Map<string, string>): LvSegment {
  const type = str(s, 'type');
  const base = { startLe: num(s, 'start_extent'), extentCount: num(s, 'extent_count') };
  if (type === 'striped') {
    const a = areas(s.entries.get('stripes'), pvUuids, 'stripes');
    if (a.length !== num(s, 'stripe_count')) throw new MetadataImportError(`Segment stripe count mismatch in ${lvName}`);
    return { ...base, type, stripeSize: a.length > 1 ? num(s, 'stripe_size') : 0, regionSize: 0, mirrorLog: null, areas: a };
  }
  if (type === 'mirror') {
    const a = areas(s.entries.get('mirrors'), pvUuids, 'mirrors');
    if (a.length !== num(s, 'mirror_count')) throw new MetadataImportError(`Segment mirror count mismatch in ${lvName}`);
    return {
      ...base, type, stripeSize: 0, regionSize: num(s, 'region_size', 0), mirrorLog: str(s, 'mirror_log', '') || null, areas: a,
    };
  }
  if (type === 'raid1') return raid1Segment(lvName, s, base);
  if (type === 'error') return { ...base, type, stripeSize: 0, regionSize: 0, mirrorLog: null, areas: [] };
  throw new MetadataImportError(`Segment type ${type} of LV ${lvName} is not supported by tsvm.`);
}

/** lib/raid/raid.c _raid_text_import: `raids = [ "rmeta_0", "rimage_0", ... ]` pairs, device_count, rates. */
function raid1Segment(lvName: string, s: ConfigSection, base: { startLe: number; extentCount: number }): LvSegment {
  const list = s.entries.get('raids');
  if (!Array.isArray(list) || list.length % 2 || list.some((v) => typeof v !== 'string')) {
    throw new MetadataImportError(`Couldn't find RAID array for segment ${lvName}.`);
  }
  const names = list as string[];
  const metaAreas: string[] = [];
  const a: SegmentArea[] = [];
  for (let i = 0; i < names.length; i += 2) {
    metaAreas.push(names[i]!);
    a.push({ kind: 'lv', lvName: names[i + 1]!, le: 0 });
  }
  if (a.length !== num(s, 'device_count', a.length)) throw new MetadataImportError(`Segment device count mismatch in ${lvName}`);
  const seg: LvSegment = { ...base, type: 'raid1', stripeSize: 0, regionSize: num(s, 'region_size', 0), mirrorLog: null, areas: a, metaAreas };
  const wb = num(s, 'writebehind', 0);
  const min = num(s, 'min_recovery_rate', 0);
  const max = num(s, 'max_recovery_rate', 0);
  if (wb) seg.writebehind = wb;
  if (min) seg.minRecoveryRate = min;
  if (max) seg.maxRecoveryRate = max;
  return seg;
}

const LV_STATUS: LvStatusFlag[] = ['LOCKED', 'NOTSYNCED', 'REBUILD', 'WRITEMOSTLY'];

function importLv(name: string, s: ConfigSection, pvUuids: Map<string, string>): LogicalVolume {
  const status = strs(s, 'status');
  const flags = strs(s, 'flags');
  const ra = s.entries.get('read_ahead');
  const segs = sections(s).filter(([k]) => /^segment\d+$/.test(k)).map(([, seg]) => importSegment(name, seg, pvUuids));
  if (segs.length !== num(s, 'segment_count')) throw new MetadataImportError(`Segment count mismatch in LV ${name}`);
  return {
    uuid: str(s, 'id'), name, visible: status.includes('VISIBLE'), writable: status.includes('WRITE'), alloc: alloc(s, 'inherit'),
    active: false, creationTime: num(s, 'creation_time', 0), creationHost: str(s, 'creation_host', ''), tags: strs(s, 'tags'),
    readAhead: ra === undefined ? 'auto' : ra === -1 ? 0 : Number(ra),
    flags: [...LV_STATUS.filter((f) => status.includes(f)), ...(flags.includes('ACTIVATION_SKIP') ? ['ACTIVATION_SKIP' as const] : [])],
    segments: segs,
  };
}

/** Parse and import a metadata text (from a metadata area or a backup file). */
export function importVgText(text: string, locate: PvLocator): ImportedText {
  const top = parseConfigText(text);
  const [name, s] = vgSection(top);
  const status = strs(s, 'status');
  const pvSecs = sections(section(s, 'physical_volumes'));
  const pvUuids = new Map(pvSecs.map(([k, p]) => [k, str(p, 'id')]));
  const vg: VolumeGroup = {
    uuid: str(s, 'id'), name, extentSize: num(s, 'extent_size'), seqno: num(s, 'seqno'),
    alloc: alloc(s, 'normal') as VolumeGroup['alloc'], maxLv: num(s, 'max_lv', 0), maxPv: num(s, 'max_pv', 0),
    resizeable: status.includes('RESIZEABLE'), exported: status.includes('EXPORTED'), tags: strs(s, 'tags'),
    systemId: str(s, 'system_id', ''), creationTime: num(top, 'creation_time', 0), creationHost: str(top, 'creation_host', ''),
    mdaCopies: num(s, 'metadata_copies', 0),
    pvs: pvSecs.map(([, p]) => importPv(p, name, locate)),
    lvs: s.entries.has('logical_volumes') ? sections(section(s, 'logical_volumes')).map(([k, l]) => importLv(k, l, pvUuids)) : [],
  };
  return {
    vg, description: str(top, 'description', ''), creationHost: str(top, 'creation_host', ''), creationTime: num(top, 'creation_time', 0),
  };
}
