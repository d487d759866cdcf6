// The read cache of report commands never answers differently from SQLite: after each command of
// a session, lvs/pvs/vgs print the same with the cache and with it thrown away.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CliLab } from './helpers/aux.js';

// No background syncer: a resync progressing between the two reports (activation starts one) would
// look like a stale cache.
class Lab extends CliLab {
  override get env(): Record<string, string> {
    return { ...super.env, TSVM_NO_AUTOSYNC: '1' };
  }
}

let lab: CliLab;
beforeAll(() => {
  lab = new Lab('tsvm-cache-');
  lab.prepareDevs(4, 64);
});
afterAll(() => lab.cleanup());

const steps: string[][] = [
  ['pvcreate', '/dev/loop0', '/dev/loop1'],
  ['vgcreate', 'vg', '/dev/loop0', '/dev/loop1'],
  ['lvcreate', '-an', '-L', '8m', '-n', 'a', 'vg'],
  ['lvcreate', '-L', '8m', '-n', 'b', 'vg'],
  ['vgchange', '-an', 'vg'],
  ['lvrename', 'vg', 'a', 'c'],
  ['vgextend', 'vg', '/dev/loop2'],
  ['lvconvert', '-y', '--type', 'mirror', '-m', '1', 'vg/c'],
  ['lvchange', '-ay', 'vg/c'],
  ['vgrename', 'vg', 'vg2'],
  ['lvremove', '-y', 'vg2/b'],
  ['vgcreate', 'other', '/dev/loop3'],
  ['vgremove', '-f', 'other'],
];

async function reports(): Promise<string> {
  const out: string[] = [];
  for (const cmd of [['lvs', '-a', '-o', '+devices,seg_pe_ranges,lv_uuid'], ['pvs', '-o', '+pv_uuid'], ['vgs', '-o', '+vg_seqno,vg_uuid']]) {
    const r = await lab.run(...cmd);
    out.push(r.stdout, r.stderr, String(r.exitCode));
  }
  return out.join('\n');
}

describe('read cache', () => {
  it('gives the answers SQLite gives, after every kind of change', async () => {
    const cacheDir = join(lab.systemDir, 'cache');
    for (const s of steps) {
      await lab.ok(...s);
      // the cache was thrown away after the previous step: this write rebuilt it (the index needs
      // the global lock, which a writer takes without waiting when it is free)
      expect(existsSync(join(cacheDir, 'index.json')), `index after ${s.join(' ')}`).toBe(true);
      const cached = await reports();
      rmSync(cacheDir, { recursive: true, force: true });
      const fresh = await reports();
      expect(cached, `after ${s.join(' ')}`).toBe(fresh);
    }
  }, 600_000);
});

// Without a device folder the label scan reads the PVs tsvm knows: the cache's index lists their
// devices, so a report answered from the cache neither opens SQLite nor misses a copied PV.
class PathsLab extends Lab {
  override get env(): Record<string, string> {
    return { ...super.env, TSVM_DEV_DIR: '' };
  }
}

describe('read cache without a device folder', () => {
  it('reports from the cache alone, and still warn about a PV copied onto another known image', async () => {
    const plab = new PathsLab('tsvm-cache-paths-');
    try {
      const [a, b] = plab.prepareDevs(2, 16).map((n) => join(plab.devDir, n.slice(5)));
      await plab.ok('pvcreate', a!, b!);
      await plab.ok('vgcreate', 'vg', a!);
      await plab.ok('lvcreate', '-an', '-L', '4m', '-n', 'lv', 'vg');
      const db = ['tsvm.db', 'tsvm.db-wal', 'tsvm.db-shm'].map((f) => join(plab.systemDir, f)).filter((f) => existsSync(f));
      const expected = await plab.ok('lvs', '--noheadings', '-o', 'lv_name,vg_name,devices');
      // the database set aside: the cache answers, and no database is created
      for (const f of db) renameSync(f, `${f}.aside`);
      const r = await plab.ok('lvs', '--noheadings', '-o', 'lv_name,vg_name,devices');
      expect([r.stdout, r.stderr]).toEqual([expected.stdout, '']);
      expect(existsSync(join(plab.systemDir, 'tsvm.db'))).toBe(false);
      for (const f of db) renameSync(`${f}.aside`, f);
      // b is a copy of a now: the reports say which device they do not use, as LVM2 does
      copyFileSync(a!, b!);
      const uuid = (await plab.ok('pvs', '--noheadings', '-o', 'pv_uuid', a!)).stdout.trim();
      const warnings = [`  WARNING: Not using device ${b} for PV ${uuid}.`,
        `  WARNING: PV ${uuid} prefers device ${a} because device name matches previous.`];
      for (const cmd of [['lvs'], ['vgs'], ['pvs']]) {
        expect((await plab.ok(...cmd)).stderr.split('\n'), cmd[0]).toEqual(warnings);
      }
    } finally {
      plab.cleanup();
    }
  }, 120_000);
});
