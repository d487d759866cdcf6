// The used-space index beside the read cache (store/used-space.ts): derived from the previous
// version's at each commit, it is always what a walk over the new version's LVs gives, and
// lvcreate allocates from it exactly as from the walk.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDb } from '../src/store/db.js';
import { MetadataStore } from '../src/store/metadata-store.js';
import { lvJson } from '../src/store/vg-json.js';
import {
  changedTexts, decodeUsedSpace, encodeUsedSpace, freeSpaceOf, usedSpaceAfter, usedSpaceOf, type UsedSpace,
} from '../src/store/used-space.js';
import { pvFreeRuns, vgFreeExtents } from '../src/model/pv-map.js';
import { areaLen, type LogicalVolume, type VolumeGroup } from '../src/model/types.js';
import { lv, memberEdits, vg } from './helpers/store-fixtures.js';
import { lcg } from './helpers/lcg.js';
import { CliLab } from './helpers/aux.js';

const plain = (s: UsedSpace | null) => s && { lvCount: s.lvCount, byPv: Object.fromEntries([...s.byPv].map(([k, v]) => [k, [...v]]).sort()) };

describe('used space, derived', () => {
  it('equals the walk of the new version after random changes, and gives the free space pv-map.ts gives', () => {
    const pick = lcg(7);
    const kinds = [0, 0, 0, 0, 0];
    let lvs: LogicalVolume[] = Array.from({ length: 30 }, (_, i) => lv(`l${i}`, i * 3, 1 + (i % 3)));
    let texts = lvs.map(lvJson);
    let space = usedSpaceOf(vg(lvs));
    for (let round = 0; round < 400; round++) {
      const next = lvs.map((l) => structuredClone(l));
      const kind = pick(5);
      kinds[kind]!++;
      switch (kind) {
        case 0: next.push(lv(`n${round}`, pick(250), 1 + pick(4))); break;
        case 1: if (next.length) next.splice(pick(next.length), 1); break;
        case 2: {
          // (edits that leave an area a fraction of an extent make no LV that metadata can hold)
          if (!next.length) break;
          const at = pick(next.length);
          const edited = structuredClone(next[at]!);
          memberEdits[pick(memberEdits.length)]!(edited, round);
          if (edited.segments.every((g) => Number.isInteger(areaLen(g)))) next[at] = edited;
          break;
        }
        case 3: if (next.length > 1) next.reverse(); break;
        default: {
          // many LVs out and in at once (lvremove of a whole VG, vgmerge): one merge per PV
          const keep = next.filter(() => pick(2) === 0);
          next.length = 0;
          next.push(...keep, ...Array.from({ length: pick(6) }, (_, k) => lv(`m${round}_${k}`, pick(250), 1 + pick(3))));
        }
      }
      const nextTexts = next.map(lvJson);
      // unchanged LVs keep their very strings, as a commit reuses them
      const reused = nextTexts.map((t) => texts.find((o) => o === t) ?? t);
      const derived = usedSpaceAfter(space, texts, reused);
      expect(plain(derived), `round ${round}`).toEqual(plain(usedSpaceOf(vg(next))));
      const free = freeSpaceOf(derived!, vg(next));
      expect(free.extents).toBe(vgFreeExtents(vg(next)));
      expect(free.runs.get('pv-1')).toEqual(pvFreeRuns(vg(next), vg(next).pvs[0]!));
      lvs = next;
      texts = reused;
      space = derived!;
    }
    expect(Math.min(...kinds)).toBeGreaterThan(40);
  });

  it('is dropped when an area to take out is not in it (not the index of the version read)', () => {
    const a = [lv('a', 0, 2), lv('b', 5, 1)];
    const wrong = usedSpaceOf(vg([lv('a', 1, 2), lv('b', 5, 1)]));
    expect(usedSpaceAfter(wrong, a.map(lvJson), [lvJson(a[1]!)])).toBeNull();
    expect(usedSpaceAfter({ ...wrong, lvCount: 3 }, a.map(lvJson), [])).toBeNull();
  });

  it('finds changed texts by content, the common head and tail by identity', () => {
    expect(changedTexts(['a', 'b', 'c', 'd'], ['a', 'x', 'c', 'b', 'd'])).toEqual({ removed: [], added: ['x'] });
    expect(changedTexts(['a', 'b', 'b', 'c'], ['a', 'b', 'c'])).toEqual({ removed: ['b'], added: [] });
    expect(changedTexts(['a', 'b'], ['b', 'a', 'a'])).toEqual({ removed: [], added: ['a'] });
  });

  it('reads back what it wrote, and refuses a file cut short', () => {
    const s = usedSpaceOf({ ...vg([lv('a', 7, 2), lv('b', 0, 3)]), pvs: [] });
    s.byPv.set('pv-2', new Uint32Array([4, 1, 9, 4294967295]));
    const bytes = encodeUsedSpace(s);
    expect(plain(decodeUsedSpace(bytes))).toEqual(plain(s));
    expect(decodeUsedSpace(bytes.subarray(0, bytes.length - 4))).toBeNull();
    expect(decodeUsedSpace(Buffer.from('tsvm-used 2 1\n\n'))).toBeNull();
    expect(decodeUsedSpace(Buffer.from('tsvm-used 1 1\npv-1 -1\n\n'))).toBeNull();
  });
});

describe('used space, kept by commits', () => {
  let lab: CliLab;
  beforeAll(() => {
    lab = new CliLab('tsvm-used-');
    lab.prepareDevs(3, 64);
  });
  afterAll(() => lab.cleanup());

  const cacheDir = () => join(lab.systemDir, 'cache');
  const usedFiles = () => readdirSync(cacheDir()).filter((f) => f.endsWith('.used'));
  /** The VG as SQLite has it, and the index file of its seqno (null if none). */
  function current(): { vg: VolumeGroup; used: UsedSpace | null } {
    const store = new MetadataStore(openDb(lab.systemDir), null);
    try {
      const v = store.loadVg('vg')!.vg;
      const f = usedFiles().find((n) => n.endsWith(`.${v.seqno}.used`));
      return { vg: v, used: f ? decodeUsedSpace(readFileSync(join(cacheDir(), f))) : null };
    } finally {
      store.db.close();
    }
  }
  const devices = async (name: string) => (await lab.ok('lvs', '--noheadings', '-o', 'devices', `vg/${name}`)).stdout.trim();

  it('after each command, the index of the seqno is the walk of that version', async () => {
    await lab.ok('pvcreate', '/dev/loop0', '/dev/loop1', '/dev/loop2');
    await lab.ok('vgcreate', 'vg', '/dev/loop0', '/dev/loop1');
    for (let i = 0; i < 4; i++) await lab.ok('lvcreate', '-an', '-Zn', '-L', '4m', '-n', `l${i}`, 'vg');
    // the first lvcreate walked the LVs, and its commit wrote the index of the next version
    expect(current().used).not.toBeNull();
    const steps: string[][] = [
      ['lvremove', '-y', 'vg/l1'],
      ['lvcreate', '-an', '-Zn', '-l', '3', '-i', '2', '-n', 's', 'vg'],
      ['lvextend', '-l', '+2', 'vg/l0'],
      ['lvrename', 'vg', 'l2', 'r2'],
      ['lvchange', '-ay', 'vg/r2'],
      ['vgextend', 'vg', '/dev/loop2'],
      ['lvconvert', '-y', '--type', 'mirror', '-m', '1', 'vg/r2'],
      ['lvcreate', '-an', '-Zn', '-L', '4m', '-n', 'after_mirror', 'vg'],
      ['lvcreate', '-an', '-Zn', '-L', '4m', 'vg'],
      ['lvremove', '-y', 'vg/l3'],
      ['lvcreate', '-an', '-Zn', '-L', '8m', '-n', 'x', 'vg', '/dev/loop1'],
    ];
    let kept = 0;
    for (const s of steps) {
      await lab.ok(...s);
      const { vg: v, used } = current();
      if (used) {
        kept++;
        expect(plain(used), s.join(' ')).toEqual(plain(usedSpaceOf(v)));
      }
      expect(usedFiles().length, s.join(' ')).toBeLessThanOrEqual(1);
    }
    // every commit that read the index derives the next one
    expect(kept).toBe(steps.length);
  }, 120_000);

  it('lvcreate allocates from the index as from the walk', async () => {
    await lab.ok('lvcreate', '-an', '-Zn', '-L', '12m', '-n', 'a1', 'vg');
    expect(current().used).not.toBeNull();
    const withIndex = await devices('a1');
    await lab.ok('lvremove', '-y', 'vg/a1');
    for (const f of usedFiles()) rmSync(join(cacheDir(), f));
    await lab.ok('lvcreate', '-an', '-Zn', '-L', '12m', '-n', 'a1', 'vg');
    expect(await devices('a1')).toBe(withIndex);
  }, 60_000);

  it('an index that does not fit the version read is not carried on', async () => {
    const { vg: v } = current();
    const f = usedFiles()[0]!;
    expect(f.endsWith(`.${v.seqno}.used`)).toBe(true);
    // the index of this seqno, with LV a1's area one extent further on: the removal of a1 misses it
    const bad = usedSpaceOf(v);
    const area = v.lvs.find((l) => l.name === 'a1')!.segments[0]!.areas[0] as { pvUuid: string; pe: number };
    const pairs = bad.byPv.get(area.pvUuid)!;
    for (let i = 0; i < pairs.length; i += 2) if (pairs[i] === area.pe) pairs[i] += 1;
    writeFileSync(join(cacheDir(), f), encodeUsedSpace(bad));
    await lab.ok('lvremove', '-y', 'vg/a1');
    expect(current().used).toBeNull();
    // and the next lvcreate walks and starts it again
    await lab.ok('lvcreate', '-an', '-Zn', '-L', '4m', '-n', 'a2', 'vg');
    const { vg: after, used } = current();
    expect(plain(used)).toEqual(plain(usedSpaceOf(after)));
  }, 60_000);
});
