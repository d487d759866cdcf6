// LVs read on demand (model/unread-lv.ts): an unread LV behaves as the LV parsed from its JSON,
// whatever a command does to it; the space LVs use is counted without reading them; and a VG read
// for update from the read cache reaches its commit without its untouched LVs being read, storing
// what a VG read from SQLite stores.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDb } from '../src/store/db.js';
import { MetadataStore } from '../src/store/metadata-store.js';
import { plainLv, segmentsOf, textIfUnread, unreadLv } from '../src/model/unread-lv.js';
import { vgFreeExtents, vgUsedRuns } from '../src/model/pv-map.js';
import { areaUser, logUser, metaUser } from '../src/model/vg-query.js';
import { renameInVg } from '../commands/lvrename.js';
import type { LogicalVolume } from '../src/model/types.js';
import { edits, lv, rows, vg } from './helpers/store-fixtures.js';
import { lcg } from './helpers/lcg.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
function store(): MetadataStore {
  const d = mkdtempSync(join(tmpdir(), 'tsvm-unread-'));
  dirs.push(d);
  return new MetadataStore(openDb(d));
}

/** LVs of every shape a line may have: linear, mirror, raid1, sub-LV areas, members in another order or unknown. */
function shapes(): LogicalVolume[] {
  const linear = lv('a', 3, 2);
  const mirror = lv('m', 10, 4);
  mirror.segments[0] = { ...mirror.segments[0]!, type: 'mirror', regionSize: 1024, mirrorLog: 'm_mlog',
    areas: [{ kind: 'lv', lvName: 'm_mimage_0', le: 0 }, { kind: 'lv', lvName: 'm_mimage_1', le: 0 }] };
  const raid = lv('r', 20, 4);
  raid.segments[0] = { ...raid.segments[0]!, type: 'raid1', metaAreas: ['r_rmeta_0', 'r_rmeta_1'],
    areas: [{ kind: 'lv', lvName: 'r_rimage_0', le: 0 }, { kind: 'lv', lvName: 'r_rimage_1', le: 0 }] };
  const striped = lv('s', 30, 4);
  striped.segments[0]!.stripeSize = 128;
  striped.segments[0]!.areas.push({ kind: 'pv', pvUuid: 'pv-1', pe: 40 });
  striped.segments.push({ startLe: 4, extentCount: 1, type: 'striped', stripeSize: 0, regionSize: 0, mirrorLog: null,
    areas: [{ kind: 'pv', pvUuid: 'pv-1', pe: 50 }] });
  const hidden = { ...lv('h', 60), visible: false, tags: ['t1', 't2'], flags: ['LOCKED' as const], readAhead: 256 };
  const reordered = { name: 'o', uuid: 'uuid-o', ...lv('o', 70) };
  const memberAfter = { ...lv('x', 80), later: 1 } as LogicalVolume;
  return [linear, mirror, raid, striped, hidden, reordered, memberAfter];
}

describe('an unread LV', () => {
  it('behaves as the LV parsed from its JSON, whatever is done to it', () => {
    const ops: ((l: LogicalVolume, n: number) => unknown)[] = [
      ...edits,
      (l) => ({ ...l }),
      (l) => Object.keys(l),
      (l) => Object.entries(l).length,
      (l) => ['segments' in l, 'later' in l, 'nothing' in l],
      (l) => delete (l as unknown as Record<string, unknown>).tags,
      (l) => Object.getPrototypeOf(l) === Object.prototype,
      (l) => structuredClone(plainLv(l)),
      (l, n) => Object.assign(l, { name: `z${n}` }),
    ];
    for (const shape of shapes()) {
      const text = JSON.stringify(shape);
      ops.forEach((op, n) => {
        const unread = unreadLv(text);
        const parsed = JSON.parse(text) as LogicalVolume;
        expect(op(unread, n)).toEqual(op(parsed, n));
        expect(JSON.stringify(unread)).toBe(JSON.stringify(parsed));
        expect(Object.keys(unread)).toEqual(Object.keys(parsed));
        expect({ ...unread }).toEqual({ ...parsed });
        expect(textIfUnread(unread)).toBeUndefined();
      });
    }
  });

  it('answers uuid, name and visible from its line; anything else reads it', () => {
    for (const shape of shapes()) {
      const text = JSON.stringify(shape);
      const unread = unreadLv(text);
      // (an LV whose line does not start with uuid, name, visible is parsed at once)
      const startsAsWritten = shape.name !== 'o';
      expect([unread.uuid, unread.name, unread.visible]).toEqual([shape.uuid, shape.name, shape.visible]);
      expect(textIfUnread(unread)).toBe(startsAsWritten ? text : undefined);
      void unread.tags;
      expect(textIfUnread(unread)).toBeUndefined();
    }
  });

  it('is parsed at once when its uuid or name has what JSON escapes (no LVM2 name has it), as the LV it is', () => {
    const shapes = [lv('q"x', 90), { ...lv('b\\k', 92), visible: false }, { ...lv('u', 94), uuid: 'uu\\id' }, { ...lv('v', 96), visible: false }];
    const unread = shapes.map((shape) => unreadLv(JSON.stringify(shape)));
    expect(unread.map((l) => [l.uuid, l.name, l.visible])).toEqual(shapes.map((l) => [l.uuid, l.name, l.visible]));
    expect(unread.map((l) => textIfUnread(l) !== undefined)).toEqual([false, false, false, true]);
    expect(unread.map(plainLv)).toEqual(shapes);
  });

  it("answers shownUuid (a copy's LV, model/lv-id.ts) from its line, unread", () => {
    const copy = { ...lv('c', 0), uuid: 'key-c', shownUuid: 'uuid-c' };
    for (const [shape, shown] of [[copy, 'uuid-c'], [lv('d', 1), undefined]] as const) {
      const text = JSON.stringify(shape);
      const unread = unreadLv(text);
      expect(unread.shownUuid).toBe(shown);
      expect(textIfUnread(unread)).toBe(text);
      expect(segmentsOf(unread)).toEqual(shape.segments);
      expect(unread.shownUuid).toBe(shown);
    }
  });

  it('read for update, answers shownUuid as the parsed LV, whether or not the text has any (looked for once in the text)', () => {
    for (const copies of [0, 1]) {
      const s = store();
      const lvs = Array.from({ length: 4 }, (_, i) => lv(`lv${i}`, 2 * i, 2));
      if (copies) lvs[2] = { ...lvs[2]!, shownUuid: 'shown-2' };
      s.commitVg(null, vg(structuredClone(lvs)), 'create');
      const read = s.loadVgForUpdate('vg')!;
      expect(read.vg.lvs.map((l) => textIfUnread(l) !== undefined)).toEqual([true, true, true, true]);
      expect(read.vg.lvs.map((l) => l.shownUuid)).toEqual(lvs.map((l) => l.shownUuid));
      expect(read.vg.lvs.every((l) => textIfUnread(l) !== undefined)).toBe(true);
    }
  });

  it("gives its segments to look at without being read, equal to the parsed LV's", () => {
    for (const shape of shapes()) {
      const text = JSON.stringify(shape);
      const unread = unreadLv(text);
      expect(segmentsOf(unread)).toEqual(shape.segments);
      // a member after the segments: the line's segments are not JSON on their own, the LV is read
      const readOnly = shape.name !== 'o' && shape.name !== 'x';
      expect(textIfUnread(unread)).toBe(readOnly ? text : undefined);
    }
  });

  it("is found by the questions about who uses an LV, which hand out the LV's own segment", () => {
    const v = vg(shapes().map((l) => unreadLv(JSON.stringify(l))));
    expect(logUser(v, 'm_mlog')?.name).toBe('m');
    expect(metaUser(v, 'r_rmeta_1')?.name).toBe('r');
    const user = areaUser(v, 'm_mimage_1')!;
    expect([user.lv.name, user.index]).toEqual(['m', 1]);
    user.seg.areas[user.index] = { kind: 'lv', lvName: 'renamed', le: 0 };
    expect(JSON.stringify(v.lvs[1])).toContain('"lvName":"renamed"');
  });
});

describe('lvrename of unread LVs', () => {
  it('reads only the LVs renamed and those naming them, and renames as with parsed LVs', () => {
    const subs = ['m_mimage_0', 'm_mimage_1', 'm_mlog', 'r_rimage_0', 'r_rimage_1', 'r_rmeta_0', 'r_rmeta_1']
      .map((n, i) => ({ ...lv(n, 100 + i), visible: false }));
    const lvs = [...shapes().filter((l) => l.name !== 'o' && l.name !== 'x'), ...subs];
    for (const [from, to, read] of [['a', 'b', ['a']], ['m', 'n', ['m', 'm_mimage_0', 'm_mimage_1', 'm_mlog']],
      ['r', 'q', ['r', 'r_rimage_0', 'r_rimage_1', 'r_rmeta_0', 'r_rmeta_1']]] as const) {
      const unread = vg(lvs.map((l) => unreadLv(JSON.stringify(l))));
      const parsed = vg(structuredClone(lvs));
      renameInVg(unread, from, to);
      renameInVg(parsed, from, to);
      const wasRead = lvs.filter((_, i) => textIfUnread(unread.lvs[i]!) === undefined).map((l) => l.name);
      expect(wasRead).toEqual(lvs.map((l) => l.name).filter((n) => (read as readonly string[]).includes(n)));
      expect(JSON.stringify(unread.lvs)).toBe(JSON.stringify(parsed.lvs));
    }
  });
});

describe('a VG read for update from the read cache', () => {
  /** `s`'s VG read for update, its LVs parsed at once (what the store did before unread LVs). */
  const readPlain = (s: MetadataStore) => {
    const loaded = s.loadVgForUpdate('vg')!;
    loaded.vg.lvs = loaded.vg.lvs.map((l) => JSON.parse(JSON.stringify(l)) as LogicalVolume);
    return loaded;
  };
  const versions = (s: MetadataStore) => JSON.stringify(s.history('vg').map((h) => [h.seqno, h.description, h.vg]));

  it('reaches the commit of a new LV with no other LV read, and stores what a VG of parsed LVs stores', () => {
    const a = store();
    const b = store();
    const lvs = Array.from({ length: 50 }, (_, i) => lv(`lv${i}`, 2 * i, 2));
    lvs.push(...shapes().map((l, i) => ({ ...l, uuid: `${l.uuid}-${i}`, name: `${l.name}${i}` })));
    for (const s of [a, b]) s.commitVg(null, vg(structuredClone(lvs)), 'create');
    const la = a.loadVgForUpdate('vg')!;
    const lb = readPlain(b);
    const unreadCount = () => la.vg.lvs.filter((l) => textIfUnread(l) !== undefined).length;
    // every LV but the one whose line starts otherwise is unread
    expect(unreadCount()).toBe(lvs.length - 1);
    expect(JSON.stringify(vgUsedRuns(la.vg).get('pv-1'))).toBe(JSON.stringify(vgUsedRuns(lb.vg).get('pv-1')));
    expect(vgFreeExtents(la.vg)).toBe(vgFreeExtents(lb.vg));
    // counting the space read only the LV with a member after its segments
    const unread = unreadCount();
    expect(unread).toBe(lvs.length - 2);
    for (const l of [la, lb]) l.vg.lvs.push(lv('new', 200));
    a.commitVg(la, la.vg, 'lvcreate');
    b.commitVg(lb, lb.vg, 'lvcreate');
    expect(unreadCount()).toBe(unread);
    expect(rows(a)).toBe(rows(b));
    // then any change, on LVs read or not, with the store's copy of the text compared too
    const rnd = lcg(3);
    for (let round = 0; round < 60; round++) {
      const ra = a.loadVgForUpdate('vg')!;
      const rb = readPlain(b);
      const e = rnd(edits.length);
      const i = rnd(ra.vg.lvs.length);
      for (const r of [ra, rb]) {
        if (round % 5 === 4) r.vg.lvs.splice(i, 1);
        else edits[e]!(r.vg.lvs[i]!, round);
      }
      a.commitVg(ra, ra.vg, `round ${round}`);
      b.commitVg(rb, rb.vg, `round ${round}`);
      expect(rows(a)).toBe(rows(b));
      expect(a.loadVgForUpdate('vg')!.snapshot).toBe(b.loadVgForUpdate('vg')!.snapshot);
    }
    expect(versions(a)).toBe(versions(b));
  });
});
