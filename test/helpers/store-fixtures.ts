// A small VG for the store's tests (metadata-store, vg-carry): one PV, LVs of one striped segment,
// and the rows the store leaves, to compare two stores table by table.
import type { LogicalVolume, VolumeGroup } from '../../src/model/types.js';
import type { MetadataStore } from '../../src/store/metadata-store.js';

/** A linear LV `name` of `len` extents at extent `pe` of pv-1. */
export const lv = (name: string, pe: number, len = 1): LogicalVolume => ({
  uuid: `uuid-${name}`, name, visible: true, writable: true, alloc: 'inherit', active: false, creationTime: 1, creationHost: 'h',
  tags: [], readAhead: 'auto', flags: [],
  segments: [{ startLe: 0, extentCount: len, type: 'striped', stripeSize: 0, regionSize: 0, mirrorLog: null,
    areas: [{ kind: 'pv', pvUuid: 'pv-1', pe }] }],
});

/** VG `vg` on one 1 GiB PV (pv-1, 255 extents of 4 MiB) holding `lvs`. */
export function vg(lvs: LogicalVolume[]): VolumeGroup {
  return {
    uuid: 'vg-1', name: 'vg', extentSize: 8192, seqno: 0, alloc: 'normal', maxLv: 0, maxPv: 0, resizeable: true, exported: false,
    tags: [], systemId: '', creationTime: 1, creationHost: 'h', lvs,
    pvs: [{ uuid: 'pv-1', name: '/dev/a', path: '/x/a', devSize: 1 << 30, peStart: 2048, peCount: 255, allocatable: true,
      missing: false, tags: [], vgName: 'vg' }],
  };
}

/** Every row of the store's VG, PV, LV, segment and area tables, in key order. */
export function rows(s: MetadataStore): string {
  return ['vg', 'pv', 'lv', 'seg', 'area']
    .map((t) => JSON.stringify(s.db.prepare(`SELECT * FROM ${t} ORDER BY 1, 2, 3`).raw().all()))
    .join('\n');
}

/**
 * Changes a command may make to an LV: one of each member of the types (those sameLv compares;
 * the compiler keeps other members out of the commands' LVs, store/vg-carry.ts).
 */
export const memberEdits: ((l: LogicalVolume, n: number) => void)[] = [
  (l, n) => (l.name = `r${n}_${l.uuid}`),
  (l) => (l.visible = !l.visible),
  (l) => (l.writable = !l.writable),
  (l) => (l.alloc = l.alloc === 'inherit' ? 'contiguous' : 'inherit'),
  (l) => (l.active = !l.active),
  (l, n) => (l.creationTime = n),
  (l, n) => (l.creationHost = `h${n}`),
  (l, n) => (l.shownUuid = l.shownUuid ? undefined : `shown-${n}`),
  (l, n) => l.tags.push(`t${n}`),
  (l, n) => (l.readAhead = l.readAhead === 'auto' ? n : 'auto'),
  (l) => l.flags.push('LOCKED'),
  (l) => (l.segments[0]!.extentCount += 1),
  (l) => (l.segments[0]!.startLe += 1),
  (l) => (l.segments[0]!.type = l.segments[0]!.type === 'striped' ? 'mirror' : 'striped'),
  (l) => (l.segments[0]!.stripeSize += 8),
  (l) => (l.segments[0]!.regionSize += 8),
  (l, n) => (l.segments[0]!.mirrorLog = `log${n}`),
  (l, n) => (l.segments[0]!.extentsMoved = n),
  (l, n) => ((l.segments[0]!.metaAreas ??= []).push(`m${n}`)),
  (l, n) => (l.segments[0]!.writebehind = n),
  (l, n) => (l.segments[0]!.minRecoveryRate = n),
  (l, n) => (l.segments[0]!.maxRecoveryRate = n),
  (l, n) => ((l.segments[0]!.areas[0] as { pe: number }).pe = 100 + n),
  (l, n) => l.segments[0]!.areas.push({ kind: 'lv', lvName: `sub${n}`, le: n }),
  (l, n) => l.segments.push({ startLe: 1, extentCount: 1, type: 'striped', stripeSize: 0, regionSize: 0, mirrorLog: null, areas: [{ kind: 'pv', pvUuid: 'pv-1', pe: 200 + n }] }),
  (l) => l.segments.length > 1 && l.segments.pop(),
];

/** memberEdits, and members outside the types (as an LV read from an odd line may hold). */
export const edits: ((l: LogicalVolume, n: number) => void)[] = [
  ...memberEdits,
  (l, n) => ((l as unknown as Record<string, unknown>).unknownMember = n),
  (l, n) => ((l.segments[0] as unknown as Record<string, unknown>).unknownMember = n),
];
