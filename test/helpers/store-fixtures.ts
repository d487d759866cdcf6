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
