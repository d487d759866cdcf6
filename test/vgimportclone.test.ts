// vgimportclone of image files copied like disks (the copies carry the same PV UUIDs and VG as
// the originals): the copies become a VG of their own, with new PV and VG UUIDs and a new name,
// their data intact, and both VGs come back from the disks alone. Lines are LVM2 2.03.16's
// (golden 17-vgimportclone has the cases that need no copy; LVM2's answer to an incomplete copy
// ends with internal memory-pool errors, left out here).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { copyFileSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { CliLab } from './helpers/aux.js';

let lab: CliLab;

beforeEach(async () => {
  lab = new CliLab('tsvm-importclone-');
  lab.prepareDevs(2, 100);
  await lab.ok('vgcreate', 'vg', '/dev/loop0', '/dev/loop1');
  await lab.ok('lvcreate', '-L', '8m', '-i', '2', '-n', 'lv', 'vg');
});
afterEach(() => lab.cleanup());

const copy = (from: string, to: string) => copyFileSync(join(lab.devDir, from), join(lab.devDir, to));
const rows = async (...a: string[]) => (await lab.ok(...a, '--noheadings')).stdout.split('\n').map((l) => l.trim().split(/\s+/));
/** A second LV in vg, then vg's images copied to loop2/loop3 and imported beside it as vg1. */
async function cloneBesideOriginal(): Promise<void> {
  await lab.ok('lvcreate', '-L', '4m', '-n', 'lw', 'vg');
  await lab.ok('vgchange', '-an', 'vg');
  copy('loop0', 'loop2');
  copy('loop1', 'loop3');
  await lab.ok('vgimportclone', '/dev/loop2', '/dev/loop3');
}

describe('vgimportclone of copied images', () => {
  it('makes the copies a VG of their own, data intact', async () => {
    const data = randomBytes(1024 * 1024);
    writeFileSync(join(lab.dir, 'data'), data);
    await lab.ok('dd', `if=${join(lab.dir, 'data')}`, 'of=/dev/vg/lv', 'bs=1M', 'conv=fsync');
    await lab.ok('vgchange', '-an', 'vg');
    copy('loop0', 'loop2');
    copy('loop1', 'loop3');
    const r = await lab.ok('vgimportclone', '/dev/loop2', '/dev/loop3');
    expect([r.stdout, r.stderr]).toEqual(['', '']);
    expect(await rows('vgs', '-o', 'vg_name,pv_count,lv_count')).toEqual([['vg', '2', '1'], ['vg1', '2', '1']]);
    const pvs = await rows('pvs', '-o', 'pv_name,vg_name,pv_uuid');
    expect(pvs.map((p) => p.slice(0, 2))).toEqual([['/dev/loop0', 'vg'], ['/dev/loop1', 'vg'], ['/dev/loop2', 'vg1'], ['/dev/loop3', 'vg1']]);
    expect(new Set(pvs.map((p) => p[2])).size).toBe(4);
    const vgUuids = await rows('vgs', '-o', 'vg_uuid');
    expect(vgUuids[0]![0]).not.toBe(vgUuids[1]![0]);
    await lab.ok('vgchange', '-ay', 'vg1');
    await lab.ok('dd', 'if=/dev/vg1/lv', `of=${join(lab.dir, 'back')}`, 'bs=1M', 'count=1');
    const back = await import('node:fs').then((fs) => fs.readFileSync(join(lab.dir, 'back')));
    expect(back.equals(data)).toBe(true);
    await lab.ok('vgchange', '-an', 'vg1');
    // both are on the disks, no duplicate left
    rmSync(lab.systemDir, { recursive: true, force: true });
    const scan = await lab.ok('vgscan');
    expect(scan.stderr).toBe('');
    expect(await rows('vgs', '-o', 'vg_name,pv_count,lv_count')).toEqual([['vg', '2', '1'], ['vg1', '2', '1']]);
  });

  it('keeps the LV UUIDs beside the original, as LVM2 does; each VG\'s LVs stay its own', async () => {
    await cloneBesideOriginal();
    const uuids = async () => {
      const r = await rows('lvs', '-o', 'vg_name,lv_name,lv_uuid');
      return { vg: r.filter((x) => x[0] === 'vg').map((x) => x.slice(1)), vg1: r.filter((x) => x[0] === 'vg1').map((x) => x.slice(1)) };
    };
    const made = await uuids();
    expect(made.vg).toHaveLength(2);
    expect(made.vg1).toEqual(made.vg);
    const shown = (await lab.ok('lvdisplay', 'vg1/lv')).stdout.match(/LV UUID +(\S+)/)![1];
    expect(shown).toBe(made.vg[0]![1]);
    // the copy's metadata areas and its backup carry them too
    const onDisk = readFileSync(join(lab.devDir, 'loop2'), 'latin1');
    expect(onDisk).toContain(`lv {\nid = "${made.vg[0]![1]}"`);
    await lab.ok('vgcfgbackup', '-f', join(lab.dir, 'vg1.backup'), 'vg1');
    expect(readFileSync(join(lab.dir, 'vg1.backup'), 'utf8')).toContain(`id = "${made.vg[0]![1]}"`);
    // selection by UUID finds the LV in both VGs
    expect(await rows('lvs', '-o', 'vg_name,lv_name', '-S', `lv_uuid=${made.vg[0]![1]}`)).toEqual([['vg', 'lv'], ['vg1', 'lv']]);
    // each VG's LV is its own: data written to one is not the other's
    await lab.ok('vgchange', '-ay', 'vg', 'vg1');
    const a = randomBytes(65536);
    const b = randomBytes(65536);
    writeFileSync(join(lab.dir, 'a'), a);
    writeFileSync(join(lab.dir, 'b'), b);
    await lab.ok('dd', `if=${join(lab.dir, 'a')}`, 'of=/dev/vg/lv', 'bs=64K', 'conv=fsync');
    await lab.ok('dd', `if=${join(lab.dir, 'b')}`, 'of=/dev/vg1/lv', 'bs=64K', 'conv=fsync');
    await lab.ok('vgchange', '-an', 'vg1');
    await lab.ok('lvchange', '-an', 'vg/lw');
    expect(await rows('lvs', '-o', 'vg_name,lv_name,lv_active')).toEqual([['vg', 'lv', 'active'], ['vg', 'lw'], ['vg1', 'lv'], ['vg1', 'lw']]);
    await lab.ok('vgchange', '-an', 'vg');
    // the database rebuilt from the disks, original and copy both there
    rmSync(lab.systemDir, { recursive: true, force: true });
    expect((await lab.ok('pvscan', '--cache')).stderr).toBe('');
    expect(await uuids()).toEqual(made);
    // both VGs go on changing independently
    await lab.ok('lvextend', '-L', '+4m', 'vg1/lv');
    await lab.ok('lvrename', 'vg', 'lw', 'lw2');
    await lab.ok('lvcreate', '-L', '4m', '-n', 'lx', 'vg1');
    expect(await rows('lvs', '-o', 'vg_name,lv_name,lv_size')).toEqual([
      ['vg', 'lv', '8.00m'], ['vg', 'lw2', '4.00m'], ['vg1', 'lv', '16.00m'], ['vg1', 'lw', '4.00m'], ['vg1', 'lx', '4.00m'],
    ]);
    const later = await uuids();
    expect(later.vg1.slice(0, 2)).toEqual(made.vg);
    await lab.ok('vgchange', '-ay', 'vg', 'vg1');
    await lab.ok('dd', 'if=/dev/vg/lv', `of=${join(lab.dir, 'a2')}`, 'bs=64K', 'count=1');
    await lab.ok('dd', 'if=/dev/vg1/lv', `of=${join(lab.dir, 'b2')}`, 'bs=64K', 'count=1');
    await lab.ok('vgchange', '-an', 'vg', 'vg1');
    expect(readFileSync(join(lab.dir, 'a2')).equals(a)).toBe(true);
    expect(readFileSync(join(lab.dir, 'b2')).equals(b)).toBe(true);
    // vgcfgrestore of the copy's backup: the UUIDs it has
    await lab.ok('vgcfgrestore', '-f', join(lab.dir, 'vg1.backup'), 'vg1');
    expect((await uuids()).vg1).toEqual(made.vg);
    // merged back: vgmerge renews the UUIDs both VGs have (tools/vgmerge.c)
    await lab.ok('lvrename', 'vg1', 'lv', 'lvc');
    await lab.ok('lvrename', 'vg1', 'lw', 'lwc');
    await lab.ok('vgmerge', 'vg', 'vg1');
    const merged = (await rows('lvs', '-o', 'lv_uuid')).map((x) => x[0]);
    expect(merged).toHaveLength(4);
    expect(new Set(merged).size).toBe(4);
    expect(merged).toContain(made.vg[0]![1]);
  });

  it('gives each LV its own key again when only the database is deleted, whichever VG the scan meets first', async () => {
    // tsvm's state outside SQLite (lost regions, heal, scrub, lastsync files ...) is named by the
    // LV's key: a rebuilt database must give the original's LVs the original's keys even when the
    // copy's devices are listed first (store/lv-key-ledger.ts)
    await cloneBesideOriginal();
    const keys = () => {
      const db = new Database(join(lab.systemDir, 'tsvm.db'), { readonly: true });
      try {
        return db.prepare('SELECT v.name AS vg, l.name AS lv, l.uuid AS lkey, l.shown_uuid AS shown FROM lv l JOIN vg v ON v.uuid = l.vg_uuid ORDER BY 1, 2').all();
      } finally {
        db.close();
      }
    };
    const made = keys();
    expect(made.filter((r: any) => r.vg === 'vg1' && r.shown !== null)).toHaveLength(2);
    // the copy's images take the names listed first, the original's the later ones
    for (const [a, b] of [['loop0', 'loop2'], ['loop1', 'loop3']] as const) {
      renameSync(join(lab.devDir, a), join(lab.devDir, 'swap'));
      renameSync(join(lab.devDir, b), join(lab.devDir, a));
      renameSync(join(lab.devDir, 'swap'), join(lab.devDir, b));
    }
    for (const f of ['tsvm.db', 'tsvm.db-wal', 'tsvm.db-shm', 'cache']) rmSync(join(lab.systemDir, f), { recursive: true, force: true });
    expect((await lab.ok('pvscan', '--cache')).stderr).toBe('');
    expect(await rows('pvs', '-o', 'pv_name,vg_name')).toEqual([['/dev/loop0', 'vg1'], ['/dev/loop1', 'vg1'], ['/dev/loop2', 'vg'], ['/dev/loop3', 'vg']]);
    expect(keys()).toEqual(made);
  });

  it('keeps the LV UUIDs of disks from elsewhere', async () => {
    const lvUuid = async (vg: string) => (await lab.ok('lvs', '--noheadings', '-o', 'lv_uuid', `${vg}/lv`)).stdout.trim();
    const original = await lvUuid('vg');
    await lab.ok('vgchange', '-an', 'vg');
    // a database that knows no VG with these LVs
    copy('loop0', 'loop2');
    copy('loop1', 'loop3');
    rmSync(join(lab.devDir, 'loop0'));
    rmSync(join(lab.devDir, 'loop1'));
    rmSync(lab.systemDir, { recursive: true, force: true });
    await lab.ok('vgimportclone', '/dev/loop2', '/dev/loop3');
    expect(await lvUuid('vg1')).toBe(original);
  });

  it('refuses a copy of part of the VG, changing nothing', async () => {
    copy('loop0', 'loop2');
    const uuid1 = (await lab.ok('pvs', '--noheadings', '-o', 'pv_uuid', '/dev/loop1')).stdout.trim();
    const err = await lab.failsUnchanged(5, 'vgimportclone', '/dev/loop2');
    expect(err.split('\n')).toEqual([
      `  WARNING: Couldn't find device with uuid ${uuid1}.`,
      `  WARNING: VG vg is missing PV ${uuid1} (last written to /dev/loop1).`,
      '  Cannot change VG vg while PVs are missing.',
      '  See vgreduce --removemissing and vgextend --restoremissing.',
      '  Failed to read VG vg from devices being imported.',
    ]);
  });
});
