// The VG carried from one command to the next on the lvm shell's connection (store/vg-carry.ts):
// the next command gets what a new read would give, whatever the command before did to its
// objects after committing and whatever another connection committed meanwhile; and the commits
// made from it leave the rows and history a store without it leaves. Its copy in the read cache
// is published later, as a writer would publish it, and only while it is still SQLite's version.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDb } from '../src/store/db.js';
import { MetadataStore } from '../src/store/metadata-store.js';
import { carryVgs, lvRef, sameJson, sameLv } from '../src/store/vg-carry.js';
import { publishesWaiting, publishWaiting } from '../src/store/deferred-publish.js';
import { LockManager } from '../src/store/locks.js';
import type { VolumeGroup } from '../src/model/types.js';
import { memberEdits as edits, lv, rows, vg } from './helpers/store-fixtures.js';
import { lcg } from './helpers/lcg.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
function dir(): string {
  const d = mkdtempSync(join(tmpdir(), 'tsvm-carry-'));
  dirs.push(d);
  return d;
}
function store(d = dir(), carry = false): MetadataStore {
  const db = openDb(d);
  if (carry) carryVgs(db);
  return new MetadataStore(db);
}

const history = (s: MetadataStore) => JSON.stringify(s.history('vg').map((h) => [h.seqno, h.description, h.vg]));

describe('a VG carried to the next command on the same connection', () => {
  it('leaves the rows and history a store without it leaves, after any change made before or after a commit', () => {
    const a = store(dir(), true);
    const b = store();
    const rnd = lcg(5);
    const start = vg(['a', 'b', 'c', 'd', 'e'].map((n, i) => lv(n, i)));
    a.commitVg(null, structuredClone(start), 'create');
    b.commitVg(null, structuredClone(start), 'create');
    for (let round = 0; round < 150; round++) {
      const la = a.loadVgForUpdate('vg')!;
      const lb = b.loadVgForUpdate('vg')!;
      // what the carried VG is must be what a new read gives
      expect(JSON.stringify(la.vg)).toBe(JSON.stringify(lb.vg));
      expect(la.snapshot).toBe(lb.snapshot);
      const ops: [number, number, number][] = [];
      for (let k = rnd(3); k >= 0; k--) ops.push([rnd(edits.length), rnd(la.vg.lvs.length), rnd(4)]);
      const apply = (v: VolumeGroup) => {
        ops.forEach(([e, i, kind], k) => {
          if (kind === 0 && v.lvs.length > 1) v.lvs.splice(i, 1);
          else if (kind === 1) v.lvs.splice(i, 0, { ...lv(`n${round}_${k}`, 50 + round), uuid: `new-${round}-${k}` });
          else edits[e]!(v.lvs[Math.min(i, v.lvs.length - 1)]!, round);
        });
      };
      apply(la.vg);
      apply(lb.vg);
      if (round % 7 === 0) {
        la.vg.tags.push(`v${round}`);
        lb.vg.tags.push(`v${round}`);
      }
      a.commitVg(la, la.vg, `round ${round}`);
      b.commitVg(lb, lb.vg, `round ${round}`);
      expect(rows(a)).toBe(rows(b));
      // a command changing its objects after its commit: not what the next one gets
      if (round % 3 === 0) {
        const l = la.vg.lvs[rnd(la.vg.lvs.length)]!;
        edits[rnd(edits.length)]!(l, 1000 + round);
        la.vg.name = 'changed-after-commit';
      }
    }
    expect(history(a)).toBe(history(b));
  });

  it("is not handed out after another connection's commit, even one without a new seqno", () => {
    const d = dir();
    const a = store(d, true);
    const other = store(d);
    a.commitVg(null, vg([lv('a', 0)]), 'create');
    const loaded = a.loadVgForUpdate('vg')!;
    loaded.vg.lvs.push(lv('b', 1));
    a.commitVg(loaded, loaded.vg, 'add b');
    // (pvscan --cache's repair: the text now in the metadata areas, at the same seqno)
    const theirs = other.loadVg('vg')!.vg;
    theirs.mdaTextSize = 1234;
    theirs.mdaTextCrc = 5678;
    other.recordMdaText(theirs);
    const next = a.loadVgForUpdate('vg')!.vg;
    expect([next.seqno, next.mdaTextSize, next.mdaTextCrc]).toEqual([2, 1234, 5678]);
  });

  it('is handed out once, and not after any other write on the connection', () => {
    const a = store(dir(), true);
    a.commitVg(null, vg([lv('a', 0)]), 'create');
    let loaded = a.loadVgForUpdate('vg')!;
    a.commitVg(loaded, loaded.vg, 'again');
    const first = a.loadVgForUpdate('vg')!;
    expect(first.vg.lvs[0]).toBe(loaded.vg.lvs[0]);
    const second = a.loadVgForUpdate('vg')!;
    expect(second.vg.lvs[0]).not.toBe(first.vg.lvs[0]);
    loaded = second;
    a.commitVg(loaded, loaded.vg, 'once more');
    a.recordMdaText({ ...loaded.vg, mdaTextSize: 10, mdaTextCrc: 20 });
    const after = a.loadVgForUpdate('vg')!.vg;
    expect(after.lvs[0]).not.toBe(loaded.vg.lvs[0]);
    expect([after.mdaTextSize, after.mdaTextCrc]).toEqual([10, 20]);
  });

  it('is never carried by a connection that did not ask for it', () => {
    const a = store();
    a.commitVg(null, vg([lv('a', 0)]), 'create');
    const loaded = a.loadVgForUpdate('vg')!;
    a.commitVg(loaded, loaded.vg, 'again');
    expect(a.loadVgForUpdate('vg')!.vg.lvs[0]).not.toBe(loaded.vg.lvs[0]);
  });
});

describe('sameLv', () => {
  it('says two LVs are the same only when their JSON is, for every member', () => {
    const base = lv('x', 3);
    base.segments[0]!.metaAreas = ['m'];
    base.segments.push({ ...structuredClone(base.segments[0]!), startLe: 1 });
    edits.forEach((edit, i) => {
      const ref = lvRef(JSON.stringify(base));
      const copy = structuredClone(base);
      expect(sameLv(copy, ref)).toBe(true);
      edit(copy, i);
      expect(sameLv(copy, ref)).toBe(JSON.stringify(copy) === JSON.stringify(base));
      expect(sameLv(copy, ref)).toBe(false);
    });
    // an LV committed with a member outside the types (a database written by another version) is compared as JSON
    const odd = { ...structuredClone(base), unknownMember: 1 };
    const oddRef = lvRef(JSON.stringify(odd));
    expect(sameLv(structuredClone(odd), oddRef)).toBe(true);
    expect(sameLv({ ...structuredClone(odd), unknownMember: 2 }, oddRef)).toBe(false);
    expect(sameLv(structuredClone(base), oddRef)).toBe(false);
    // a member set to undefined is no member to JSON
    const ref = lvRef(JSON.stringify(base));
    const unset = structuredClone(base);
    unset.segments[0]!.extentsMoved = undefined;
    expect(sameLv(unset, ref)).toBe(true);
    expect(sameJson({ a: 1, b: [1, { c: 'x' }] }, { a: 1, b: [1, { c: 'x' }] })).toBe(true);
    expect(sameJson({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(false);
    expect(sameJson({ a: new Date(0) }, { a: new Date(0) })).toBe(false);
  });
});

describe("the read cache's copy of a VG the shell committed (deferred-publish.ts)", () => {
  const copies = (d: string) => readdirSync(join(d, 'cache')).filter((f) => f.startsWith('vg-')).sort();

  it('is published later, as a writer publishes it at once', () => {
    const d = dir();
    const a = store(d, true);
    const plain = dir();
    const b = store(plain);
    for (const s of [a, b]) {
      s.commitVg(null, vg([lv('a', 0)]), 'create');
      const loaded = s.loadVgForUpdate('vg')!;
      loaded.vg.lvs.push(lv('b', 1));
      s.commitVg(loaded, loaded.vg, 'add b');
    }
    expect(copies(d)).toEqual([]);
    const t = Date.now();
    publishWaiting(a.db, d, 1000, t);
    expect(copies(d)).toEqual([]);
    publishWaiting(a.db, d, 1000, t + 2000);
    expect(copies(d)).toEqual(['vg-vg-1.2.json']);
    expect(readFileSync(join(d, 'cache', 'vg-vg-1.2.json'), 'utf8')).toBe(readFileSync(join(plain, 'cache', 'vg-vg-1.2.json'), 'utf8'));
    expect(publishesWaiting(a.db)).toBe(false);
  });

  it('is not published once another connection committed, nor while another holds the lock', () => {
    const d = dir();
    const a = store(d, true);
    a.commitVg(null, vg([lv('a', 0)]), 'create');
    let loaded = a.loadVgForUpdate('vg')!;
    a.commitVg(loaded, loaded.vg, 'again');
    const other = store(d);
    other.recordMdaText({ ...other.loadVg('vg')!.vg, mdaTextSize: 1, mdaTextCrc: 2 });
    rmSync(join(d, 'cache'), { recursive: true, force: true });
    publishWaiting(a.db, d, 0);
    expect(existsSync(join(d, 'cache', 'vg-vg-1.2.json'))).toBe(false);

    loaded = a.loadVgForUpdate('vg')!;
    a.commitVg(loaded, loaded.vg, 'once more');
    const locks = new LockManager(d);
    locks.lock('V_vg');
    publishWaiting(a.db, d, 0);
    locks.releaseAll();
    expect(existsSync(join(d, 'cache', 'vg-vg-1.3.json'))).toBe(false);
  });
});
