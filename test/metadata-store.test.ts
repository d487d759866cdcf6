// The SQLite store: a commit writes only what changed, and what it leaves is exactly what a full
// write of the new version would be; seqno, history and lost-update detection.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDb } from '../src/store/db.js';
import { ConcurrentUpdateError, MetadataStore } from '../src/store/metadata-store.js';
import { lv, rows, vg } from './helpers/store-fixtures.js';
import Database from 'better-sqlite3';
import { MIGRATIONS, SCHEMA_VERSION } from '../src/store/schema.js';
import { shownLvUuid } from '../src/model/lv-id.js';
import type { LogicalVolume, VolumeGroup } from '../src/model/types.js';
import { setVgCommitWriter } from '../src/store/commit-writer.js';
import { lcg } from './helpers/lcg.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
function store(): MetadataStore {
  const d = mkdtempSync(join(tmpdir(), 'tsvm-store-'));
  dirs.push(d);
  return new MetadataStore(openDb(d));
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

  it("gives a removed LV's name to a new one, and swaps names, in one commit (issue 9 item 8)", () => {
    const s = store();
    s.commitVg(null, vg([lv('lv', 0), lv('lv_mlog', 1), lv('x', 2), lv('y', 3)]), 'create');
    const loaded = s.loadVg('vg')!;
    const v = loaded.vg;
    // a log replaced by another of the same name (lvconvert --mirrorlog mirrored), listed first
    v.lvs = v.lvs.filter((l) => l.name !== 'lv_mlog');
    v.lvs.unshift({ ...lv('lv_mlog', 5), uuid: 'uuid-new-log' });
    // and two LVs trading names
    v.lvs.find((l) => l.name === 'x')!.name = 'tmp';
    v.lvs.find((l) => l.name === 'y')!.name = 'x';
    v.lvs.find((l) => l.name === 'tmp')!.name = 'y';
    s.commitVg(loaded, v, 'change');
    const again = s.loadVg('vg')!.vg;
    expect(again.lvs.map((l) => [l.name, l.uuid])).toEqual([
      ['lv_mlog', 'uuid-new-log'], ['lv', 'uuid-lv'], ['y', 'uuid-x'], ['x', 'uuid-y'],
    ]);
  });

  it('any mix of removals, additions and renames in one commit is stored as given (no constraint error)', () => {
    const s = store();
    const rnd = lcg(7);
    s.commitVg(null, vg(['a', 'b', 'c', 'd', 'e'].map((n, i) => lv(n, i))), 'create');
    let uuid = 0;
    for (let round = 0; round < 60; round++) {
      // (a writer's read, from the read cache, finds unchanged LVs without serialising them)
      const loaded = round % 2 ? s.loadVgForUpdate('vg')! : s.loadVg('vg')!;
      const v = loaded.vg;
      const names = v.lvs.map((l) => l.name);
      if (v.lvs.length > 1 && rnd(2)) v.lvs.splice(rnd(v.lvs.length), 1);
      if (rnd(2)) v.lvs.splice(rnd(v.lvs.length + 1), 0, { ...lv(names[rnd(names.length)]!, 20 + round), uuid: `new-${uuid++}` });
      // a random permutation of the names (each stays unique)
      const perm = v.lvs.map((l) => l.name).sort(() => rnd(3) - 1);
      const used = new Set<string>();
      v.lvs.forEach((l, i) => {
        l.name = used.has(perm[i]!) ? `n${round}_${i}` : perm[i]!;
        used.add(l.name);
      });
      const want = v.lvs.map((l) => [l.uuid, l.name]);
      s.commitVg(loaded, v, `round ${round}`);
      expect(s.loadVg('vg')!.vg.lvs.map((l) => [l.uuid, l.name])).toEqual(want);
    }
  });

  it('tells the metadata writer which LVs are unchanged after LVs removed before them, and which were removed', () => {
    type Seen = { unchanged: string[]; readCount?: number; removed?: string[] };
    let seen: Seen | null = null;
    setVgCommitWriter({
      prepare: (_v, _released, unchanged, readCount, removed) => {
        seen = { unchanged: [...(unchanged ?? [])].map((l) => l.name).sort(), readCount, removed: removed?.map((l) => `${l.name} ${l.uuid}`) };
        return () => {};
      },
      removed: () => {},
    });
    try {
      const names = ['a', 'b', 'c', 'd', 'e', 'f'];
      const cases: [string, (lvs: LogicalVolume[]) => void, string[], string[]][] = [
        ['one in the middle', (l) => l.splice(2, 1), ['a', 'b', 'd', 'e', 'f'], ['c']],
        ['the first', (l) => l.splice(0, 1), ['b', 'c', 'd', 'e', 'f'], ['a']],
        ['the last', (l) => l.splice(5, 1), ['a', 'b', 'c', 'd', 'e'], ['f']],
        ['a run of two', (l) => l.splice(1, 2), ['a', 'd', 'e', 'f'], ['b', 'c']],
        // (two runs, or a change besides: those between are left to the text's walk)
        ['two apart', (l) => (l.splice(4, 1), l.splice(1, 1)), ['a', 'f'], []],
        ['one, and another changed', (l) => (l.splice(1, 1), (l[3]!.segments[0]!.extentCount = 2)), ['a', 'f'], []],
        ['one, and one added', (l) => (l.splice(1, 1), l.push(lv('g', 20))), ['a'], []],
      ];
      for (const [what, change, unchanged, removed] of cases) {
        const s = store();
        s.commitVg(null, vg(names.map((n, i) => lv(n, i))), 'create');
        const loaded = s.loadVgForUpdate('vg')!;
        change(loaded.vg.lvs);
        s.commitVg(loaded, loaded.vg, what);
        expect(seen, what).toEqual({ unchanged, readCount: names.length, removed: removed.map((n) => `${n} uuid-${n}`) });
      }
    } finally {
      setVgCommitWriter(null);
    }
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
    const hist = s.history('vg');
    expect(hist.map((h) => [h.seqno, h.description])).toEqual([[1, 'add b']]);
    expect(hist[0]!.vg.lvs.map((l) => l.name)).toEqual(['a']);
  });

  it('archives each version as a delta from the next and rebuilds every one exactly (issue 10)', () => {
    const s = store();
    const rnd = lcg(11);
    s.commitVg(null, vg(['a', 'b', 'c', 'd', 'e', 'f'].map((n, i) => lv(n, i))), 'create');
    const versions: string[] = [];
    for (let round = 0; round < 40; round++) {
      const loaded = round % 3 ? s.loadVgForUpdate('vg')! : s.loadVg('vg')!;
      versions.push(JSON.stringify(loaded.readVersion()));
      const v = loaded.vg;
      const op = rnd(4);
      if (op === 0 && v.lvs.length > 1) v.lvs.splice(rnd(v.lvs.length), 1);
      else if (op === 1) v.lvs.splice(rnd(v.lvs.length + 1), 0, { ...lv(`n${round}`, 20 + round), uuid: `new-${round}` });
      else if (op === 2) v.lvs[rnd(v.lvs.length)]!.segments[0]!.extentCount += 1;
      else v.tags.push(`t${round}`);
      s.commitVg(loaded, v, `round ${round}`);
    }
    // a whole-VG change of many LVs is archived in full, and the versions before it still rebuild
    for (const prefix of ['m', 'k']) {
      const loaded = s.loadVg('vg')!;
      versions.push(JSON.stringify(loaded.readVersion()));
      loaded.vg.lvs = Array.from({ length: 70 }, (_x, i) => ({ ...lv(`${prefix}${i}`, 100 + i), uuid: `${prefix}-${i}` }));
      s.commitVg(loaded, loaded.vg, 'replace all');
    }
    const kinds = s.db.prepare('SELECT typeof(metadata) AS t, substr(metadata, 1, 1) AS c FROM vg_history ORDER BY id').all() as { t: string; c: string }[];
    expect(kinds.slice(0, -1).every((k) => k.t === 'text' && k.c === '@')).toBe(true);
    expect(kinds.at(-1)!.t).toBe('blob');
    const hist = s.history('vg');
    expect(hist.map((h) => h.seqno)).toEqual(versions.map((_v, i) => i + 1));
    hist.forEach((h, i) => expect(JSON.stringify(h.vg)).toBe(versions[i]));
    // one version alone, rebuilt only as far back as it (what a PV left behind is judged against)
    const uuid = hist[0]!.vg.uuid;
    hist.forEach((h, i) => expect(JSON.stringify(s.historyVersion('vg', uuid, h.seqno))).toBe(versions[i]));
    expect(s.historyVersion('vg', uuid, versions.length + 5)).toBeUndefined();
    expect(s.historyVersion('vg', 'other', 1)).toBeUndefined();
  });

  it("keys an imported VG's LVs: a copy's LVs show the original's UUIDs under keys of their own (schema 7)", () => {
    const s = store();
    s.commitVg(null, vg([lv('a', 0), lv('b', 1)]), 'create');
    // the copy, as its metadata text has it: other VG and PV UUIDs, the same LV ids
    const text = (): VolumeGroup => {
      const c = vg([lv('a', 2), lv('b', 3), lv('c', 4)]);
      Object.assign(c, { uuid: 'vg-2', name: 'vg1' });
      c.pvs[0] = { ...c.pvs[0]!, uuid: 'pv-2', name: '/dev/b', path: '/x/b', vgName: 'vg1' };
      c.lvs.forEach((l) => (l.segments[0]!.areas[0] = { kind: 'pv', pvUuid: 'pv-2', pe: (l.segments[0]!.areas[0] as { pe: number }).pe }));
      return c;
    };
    const copy = text();
    copy.seqno = 5;
    s.replaceVg(copy, 'scan');
    const read = s.loadVg('vg1')!.vg;
    expect(read.lvs.map(shownLvUuid)).toEqual(['uuid-a', 'uuid-b', 'uuid-c']);
    expect(read.lvs.map((l) => l.uuid).filter((k) => k === 'uuid-a' || k === 'uuid-b')).toEqual([]);
    expect(read.lvs[2]!.uuid).toBe('uuid-c');
    expect(s.loadVg('vg')!.vg.lvs.map((l) => [l.uuid, l.shownUuid])).toEqual([['uuid-a', undefined], ['uuid-b', undefined]]);
    // read back the same from the rows, the read cache and a listing of every VG
    expect(JSON.stringify(s.loadVgForUpdate('vg1')!.vg)).toBe(JSON.stringify(read));
    expect(JSON.stringify(s.loadAllVgs().find((v) => v.name === 'vg1'))).toBe(JSON.stringify(read));
    // the same text read again (a later scan) keeps the keys; a commit keeps the shown UUIDs
    const again = text();
    again.seqno = 6;
    s.replaceVg(again, 'scan again');
    expect(s.loadVg('vg1')!.vg.lvs.map((l) => [l.uuid, l.shownUuid])).toEqual(read.lvs.map((l) => [l.uuid, l.shownUuid]));
    const loaded = s.loadVgForUpdate('vg1')!;
    loaded.vg.lvs[0]!.name = 'a2';
    s.commitVg(loaded, loaded.vg, 'rename');
    expect(s.loadVg('vg1')!.vg.lvs.map((l) => [l.name, l.uuid, l.shownUuid])).toEqual([['a2', read.lvs[0]!.uuid, 'uuid-a'], ...read.lvs.slice(1).map((l) => [l.name, l.uuid, l.shownUuid])]);
  });

  it('brings a schema 6 database to 7: its LVs show their keys', () => {
    const d = mkdtempSync(join(tmpdir(), 'tsvm-store-'));
    dirs.push(d);
    const old = new Database(join(d, 'tsvm.db'));
    for (const m of MIGRATIONS.slice(0, 6)) old.exec(m);
    old.pragma('user_version = 6');
    old.close();
    const s = new MetadataStore(openDb(d));
    expect(s.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    s.commitVg(null, vg([lv('a', 0)]), 'create');
    expect(s.loadVg('vg')!.vg.lvs.map((l) => [l.uuid, shownLvUuid(l), 'shownUuid' in l])).toEqual([['uuid-a', 'uuid-a', false]]);
  });
});
