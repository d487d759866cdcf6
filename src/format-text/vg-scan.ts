// pvscan --cache and vgscan: the database rebuilt from what the devices carry (LVM2's label scan
// and vg_read from metadata areas). Each VG's newest copy (highest seqno with a good checksum)
// replaces an older or missing database version; a database version newer than every area (a
// crash after the database commit) is written back to the areas; labelled PVs in no VG become
// orphans. Warnings for bad headers, bad texts and old copies are LVM2's.
import type { Context } from '../cli/context.js';
import type { PhysicalVolume, VolumeGroup } from '../model/types.js';
import { vgCommitWriter } from '../store/commit-writer.js';
import { committedLocn, RAW_LOCN_IGNORED } from './layout.js';
import { importVgText, MetadataImportError } from './import.js';
import { areaIsDamaged, listDevices, scanDevice, scanLines, type ScannedPv } from './scan.js';
import { existsSync } from 'node:fs';
import { ConfigParseError } from './config-text.js';
import { adoptDiskVersion, judgeCopy } from './consistency.js';

export interface ScanOutcome {
  /** VGs found on the devices, by name, in the order found. */
  vgs: string[];
  /** PVs found: in a VG or not used. */
  pvs: { name: string; vgName: string | null }[];
}

interface Copy {
  pv: ScannedPv;
  at: number;
  seqno: number;
  text: string;
  size: number;
  checksum: number | null;
}

/** Read the devices and bring the database up to what they say. */
export function scanDevices(ctx: Context, devices: { name: string; path: string }[]): ScanOutcome {
  const warn = (l: string) => ctx.out.warn(l);
  const byUuid = new Map<string, ScannedPv>();
  // the label scan (the command's first read) chose among duplicates and said so
  const unused = new Set(ctx.labelScan.duplicates.unused.map((d) => d.path));
  for (const d of devices) {
    if (unused.has(d.path)) continue;
    const s = scanDevice(d.name, d.path);
    if (!s || byUuid.has(s.header.uuid)) continue;
    byUuid.set(s.header.uuid, s);
  }
  const copies = new Map<string, Copy[]>();
  const lines = scanLines([...byUuid.values()]);
  lines.out.forEach((l) => ctx.out.print(l));
  lines.err.forEach(warn);
  for (const pv of byUuid.values()) {
    for (const m of pv.mdas) {
      if (areaIsDamaged(m) || typeof m.header === 'string') continue;
      const locn = committedLocn(m.header);
      const at = m.area.offset + (locn?.offset ?? 0);
      if (typeof m.text !== 'string' || m.vgUuid === undefined || m.seqno === undefined) continue;
      const list = copies.get(m.vgUuid) ?? [];
      list.push({ pv, at, seqno: m.seqno, text: m.text, size: locn?.size ?? 0, checksum: locn?.checksum ?? null });
      copies.set(m.vgUuid, list);
    }
  }
  const out: ScanOutcome = { vgs: [], pvs: [] };
  const inVg = new Set<string>();
  for (const [vgUuid, list] of copies) {
    const vg = loadNewest(ctx, vgUuid, list, byUuid, warn);
    if (!vg) continue;
    out.vgs.push(vg.name);
    for (const pv of vg.pvs) {
      inVg.add(pv.uuid);
      if (!pv.absent) out.pvs.push({ name: pv.name, vgName: vg.name });
    }
  }
  for (const s of byUuid.values()) {
    if (inVg.has(s.header.uuid)) continue;
    // (a PV of a VG whose areas were never written, by a tsvm older than its on-disk metadata)
    const known = ctx.store.pvByUuid(s.header.uuid);
    out.pvs.push({ name: s.name, vgName: known?.vgName ?? null });
    if (!known) addOrphan(ctx, s);
  }
  return out;
}

/**
 * What pvscan --cache and vgscan read: the named devices, else every device of the device folder
 * (TSVM_DEV_DIR) and every device the database knows.
 */
export function devicesToScan(ctx: Context, named: string[]): { name: string; path: string }[] {
  if (named.length) return named.map((a) => ctx.device(a));
  const out = ctx.devDir ? listDevices(ctx.devDir) : [];
  const paths = new Set(out.map((d) => d.path));
  for (const pv of ctx.store.allPvs()) {
    if (!paths.has(pv.path) && existsSync(pv.path)) {
      paths.add(pv.path);
      out.push({ name: pv.name, path: pv.path });
    }
  }
  return out;
}

function loadNewest(ctx: Context, vgUuid: string, list: Copy[], byUuid: Map<string, ScannedPv>, warn: (l: string) => void): VolumeGroup | null {
  const newest = list.reduce((a, b) => (b.seqno > a.seqno ? b : a));
  for (const c of list) {
    if (c.seqno < newest.seqno) {
      warn(`WARNING: ignoring metadata seqno ${c.seqno} on ${c.pv.name} for seqno ${newest.seqno} on ${newest.pv.name} for VG ${vgName(newest)}.`);
    }
  }
  if (list.some((c) => c.seqno < newest.seqno)) {
    warn(`WARNING: Inconsistent metadata found for VG ${vgName(newest)}.`);
    warn('See vgck --updatemetadata to correct inconsistency.');
  }
  let vg: VolumeGroup;
  try {
    vg = importVgText(newest.text, (uuid) => {
      const s = byUuid.get(uuid);
      return s ? { name: s.name, path: s.path } : null;
    }).vg;
  } catch (e) {
    if (!(e instanceof MetadataImportError || e instanceof ConfigParseError)) throw e;
    warn(`WARNING: invalid metadata text from ${newest.pv.name} at ${newest.at}.`);
    warn(`  ${e.message}`);
    return null;
  }
  for (const pv of vg.pvs) {
    const s = byUuid.get(pv.uuid);
    if (s) Object.assign(pv, layoutOf(s));
  }
  const row = ctx.store.loadVg(vg.name);
  if (row && row.vg.uuid !== vgUuid) {
    warn(`WARNING: VG name ${vg.name} is used by VGs ${row.vg.uuid} and ${vgUuid}.`);
    return null;
  }
  const known = ctx.store.loadAllVgs().find((v) => v.uuid === vgUuid);
  const verdict = known ? judgeCopy(ctx, known, vg) : 'newer-on-disk';
  if (verdict === 'same') return known!;
  if (verdict === 'database-newer') {
    rewriteAreas(ctx, known!, list);
    return known!;
  }
  const from = { pv: { name: newest.pv.name }, size: newest.size, checksum: newest.checksum };
  return adoptDiskVersion(ctx, known ?? null, vg, from, verdict);
}

function vgName(c: Copy): string {
  return /^([^\s{]+)/.exec(c.text)?.[1] ?? '?';
}

/** The database is ahead of every area (a crash after its commit): the areas get its version. */
function rewriteAreas(ctx: Context, vg: VolumeGroup, list: Copy[]): void {
  const writer = vgCommitWriter();
  if (!writer) return;
  for (const c of list) ctx.out.warn(`WARNING: updating old metadata to ${vg.seqno} on ${c.pv.name} for VG ${vg.name}.`);
  const write = writer.prepare(vg, []);
  ctx.store.recordMdaText(vg);
  write();
}

/**
 * pe_start and the metadata areas, as the PV header and the area headers say (pe_start: another
 * one, vgcfgrestore's from its file, the areas staying where they are).
 */
export function layoutOf(s: ScannedPv, peStartGiven?: number): Pick<PhysicalVolume, 'peStart' | 'mdaCount' | 'mdaSize' | 'mda1Size' | 'mdaIgnored'> {
  const h = s.header;
  const peStart = peStartGiven ?? (h.dataAreas[0]?.offset ?? 1024 * 1024) / 512;
  const out: Pick<PhysicalVolume, 'peStart' | 'mdaCount' | 'mdaSize' | 'mda1Size' | 'mdaIgnored'> = { peStart };
  const ignored = s.mdas.reduce((bits, m, i) => (typeof m.header !== 'string' && (m.header.rlocns[0]?.flags ?? 0) & RAW_LOCN_IGNORED ? bits | (1 << i) : bits), 0);
  if (ignored) out.mdaIgnored = ignored;
  if (h.mdas.length !== 1) out.mdaCount = h.mdas.length;
  if (h.mdas[0] && h.mdas[0].size !== peStart * 512 - h.mdas[0].offset) out.mdaSize = h.mdas[0].size;
  if (h.mdas[1]) out.mda1Size = h.mdas[1].size;
  return out;
}

function addOrphan(ctx: Context, s: ScannedPv): void {
  ctx.store.putOrphanPv({
    uuid: s.header.uuid, name: s.name, path: s.path, devSize: s.header.devSize, peCount: 0, allocatable: false,
    missing: false, tags: [], vgName: null, ...layoutOf(s),
  });
}
