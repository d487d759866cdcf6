// An LV's UUID as LVM2 has it and tsvm's key (model/lv-id.ts): what an imported text's ids become,
// and vgmerge's renewal of the UUIDs both VGs show.
import { describe, expect, it } from 'vitest';
import { duplicateLvIdLines, keyImportedLvs, renewClashingLvUuids, shownLvUuid } from '../src/model/lv-id.js';
import { lv, vg } from './helpers/store-fixtures.js';

describe('keyImportedLvs', () => {
  it("keeps this VG's keys, gives an id another LV has as key a new one, and the id is what is shown", () => {
    const v = vg([lv('a', 0), lv('b', 1), lv('c', 2)]);
    // a: this VG's LV (stored under another key), b: another VG's key, c: free
    keyImportedLvs(v, new Map([['uuid-a', 'key-a']]), (k) => k === 'uuid-b' || k === 'uuid-a');
    const [a, b, c] = v.lvs;
    expect([a!.uuid, a!.shownUuid]).toEqual(['key-a', 'uuid-a']);
    expect(b!.uuid).not.toBe('uuid-b');
    expect(b!.shownUuid).toBe('uuid-b');
    expect([c!.uuid, 'shownUuid' in c!]).toEqual(['uuid-c', false]);
    expect(v.lvs.map(shownLvUuid)).toEqual(['uuid-a', 'uuid-b', 'uuid-c']);
    // the same again (keys already given): nothing changes
    const again = structuredClone(v);
    keyImportedLvs(again, new Map(v.lvs.map((l) => [shownLvUuid(l), l.uuid])), () => true);
    expect(again).toEqual(v);
  });

  it('gives one key once, even to a text with an id twice', () => {
    const v = vg([lv('a', 0), { ...lv('b', 1), uuid: 'uuid-a' }]);
    keyImportedLvs(v, new Map([['uuid-a', 'key-a']]), () => false);
    expect(v.lvs[0]!.uuid).toBe('key-a');
    expect(v.lvs[1]!.uuid).not.toBe('key-a');
    expect(v.lvs.map(shownLvUuid)).toEqual(['uuid-a', 'uuid-a']);
  });
});

describe('renewClashingLvUuids', () => {
  it('gives the LVs merged in a new UUID where the other VG shows theirs, keeping every key', () => {
    const into = vg([lv('a', 0), { ...lv('b', 1), uuid: 'key-b', shownUuid: 'uuid-x' }]);
    const from = vg([{ ...lv('a2', 2), uuid: 'key-a2', shownUuid: 'uuid-a' }, { ...lv('x', 3), uuid: 'uuid-x' }, lv('c', 4)]);
    renewClashingLvUuids(into, from);
    const [a2, x, c] = from.lvs;
    expect([a2!.uuid, shownLvUuid(a2!)]).toEqual(['key-a2', 'key-a2']);
    expect(x!.uuid).toBe('uuid-x');
    expect(shownLvUuid(x!)).not.toBe('uuid-x');
    expect([c!.uuid, c!.shownUuid]).toEqual(['uuid-c', undefined]);
    const all = [...into.lvs, ...from.lvs].map(shownLvUuid);
    expect(new Set(all).size).toBe(all.length);
  });
});

describe('duplicateLvIdLines (vg_validate)', () => {
  it('names each later LV of a UUID, then each earlier one in postorder, a failing sub-LV ending its parent\'s walk', () => {
    const mirror = (name: string, key: string, shown?: string) => {
      const top = { ...lv(name, 0), uuid: `${key}-top`, ...(shown ? { shownUuid: `${shown}-top` } : {}) };
      top.segments = [{ startLe: 0, extentCount: 1, type: 'mirror', stripeSize: 0, regionSize: 1024, mirrorLog: `${name}_mlog`,
        areas: [{ kind: 'lv', lvName: `${name}_mimage_0`, le: 0 }, { kind: 'lv', lvName: `${name}_mimage_1`, le: 0 }] }];
      const sub = (n: string) => ({ ...lv(`${name}_${n}`, 1), uuid: `${key}-${n}`, visible: false, ...(shown ? { shownUuid: `${shown}-${n}` } : {}) });
      return [top, sub('mimage_0'), sub('mimage_1'), sub('mlog')];
    };
    const v = vg([lv('a', 0), ...mirror('m', 'k1'), ...mirror('c', 'k2', 'k1')]);
    expect(duplicateLvIdLines(v)).toEqual([
      'Internal error: Duplicate LV id k1-top detected for c in vg.',
      'Internal error: Duplicate LV id k1-mimage_0 detected for c_mimage_0 in vg.',
      'Internal error: Duplicate LV id k1-mimage_1 detected for c_mimage_1 in vg.',
      'Internal error: Duplicate LV id k1-mlog detected for c_mlog in vg.',
      // m's walk: its log first, which fails, so m itself is not checked; then its images
      'Internal error: Referenced LV m_mlog not listed in VG vg.',
      'Internal error: Referenced LV m_mimage_0 not listed in VG vg.',
      'Internal error: Referenced LV m_mimage_1 not listed in VG vg.',
    ]);
    expect(duplicateLvIdLines(vg([lv('a', 0), lv('b', 1)]))).toEqual([]);
  });
});
