// The SQLite store: a commit writes only what changed, and what it leaves is exactly what a full
// write of the new version would be; seqno, history and lost-update detection.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDb } from '../src/store/db.js';
import { ConcurrentUpdateError, MetadataStore } from '../src/store/metadata-store.js';
import type { LogicalVolume, VolumeGroup } from '../src/model/types.js';
import { decodeHistory } from '../src/store/history.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
function store(): MetadataStore {
  const d = mkdtempSync(join(tmpdir(), 'tsvm-store-'));
  dirs.push(d);
  return new MetadataStore(openDb(d));
}

const lv = (name: string, pe: number, len = 1): LogicalVolume => ({
  uuid: `uuid-${name}`, name, visible: true, writable: true, alloc: 'inherit', active: false, creationTime: 1, creationHost: 'h',
  tags: [], readAhead: 'auto', flags: [],
  segments: [{ startLe: 0, extentCount: len, type: 'striped', stripeSize: 0, regionSize: 0, mirrorLog: null,
    areas: [{ kind: 'pv', pvUuid: 'pv-1', pe }] }],
});

function vg(lvs: LogicalVolume[]): VolumeGroup {
  return {
    uuid: 'vg-1', name: 'vg', extentSize: 8192, seqno: 0, alloc: 'normal', maxLv: 0, maxPv: 0, resizeable: true, exported: false,
    tags: [], systemId: '', creationTime: 1, creationHost: 'h', lvs,
    pvs: [{ uuid: 'pv-1', name: '/dev/a', path: '/x/a', devSize: 1 << 30, peStart: 2048, peCount: 255, allocatable: true,
      missing: false, tags: [], vgName: 'vg' }],
  };
}

function rows(s: MetadataStore): string {
  return ['vg', 'pv', 'lv', 'seg', 'area']
    .map((t) => JSON.stringify(s.db.prepare(`SELECT * FROM ${t} ORDER BY 1, 2, 3`).raw().all()))
    .join('\n');
}

describe('MetadataStore', () => {
  it('commits only changes, leaving the rows a full write would', () => {
    const s = store();
    s.commitVg(null, vg([lv('a', 0), lv('b', 1), lv('c', 2), lv('d', 3)]), 'create');
    const loaded = s.loadVg('vg')!;
    const v = loaded.vg;
    v.lvs.splice(1, 1); // remove b: c and d move up
    v.lvs[1]!.segments[0]!.extentCount = 2; // change c
    v.lvs.push(lv('e', 10)); // add e
    v.tags.push('t');
    s.commitVg(loaded, v, 'change');
    const again = s.loadVg('vg')!.vg;
    expect(again.seqno).toBe(2);
    expect(again.lvs.map((l) => [l.name, l.segments[0]!.extentCount])).toEqual([['a', 1], ['c', 2], ['d', 1], ['e', 1]]);

    const fresh = store();
    const expected = vg([lv('a', 0), { ...lv('c', 2), segments: [{ ...lv('c', 2).segments[0]!, extentCount: 2 }] }, lv('d', 3), lv('e', 10)]);
    expected.tags = ['t'];
    fresh.commitVg(null, expected, 'create');
    fresh.db.prepare('UPDATE vg SET seqno = 2').run();
    expect(rows(s)).toBe(rows(fresh));
  });

  it('archives the version it replaced and refuses a lost update', () => {
    const s = store();
    s.commitVg(null, vg([lv('a', 0)]), 'create');
    const first = s.loadVg('vg')!;
    const second = s.loadVg('vg')!;
    first.vg.lvs.push(lv('b', 1));
    s.commitVg(first, first.vg, 'add b');
    second.vg.lvs.push(lv('c', 1));
    expect(() => s.commitVg(second, second.vg, 'add c')).toThrow(ConcurrentUpdateError);
    const hist = s.db.prepare('SELECT seqno, description, metadata FROM vg_history').all() as { seqno: number; description: string; metadata: Buffer }[];
    expect(hist.map((h) => [h.seqno, h.description])).toEqual([[1, 'add b']]);
    expect((JSON.parse(decodeHistory(hist[0]!.metadata)) as VolumeGroup).lvs.map((l) => l.name)).toEqual(['a']);
  });
});
