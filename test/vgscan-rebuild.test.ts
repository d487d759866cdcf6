// The database is rebuildable from the PVs (LVM2 keeps its metadata on them): after every commit
// each PV's metadata area holds the VG's text (src/format-text); delete the SQLite file, run
// vgscan or pvscan --cache, and every VG, LV, segment and mirror is back, with the disk logs'
// sync state and the data. A kill -9 between the database commit and the areas' writes leaves
// areas with an older seqno: the next command that changes the VG says so as LVM2 does and
// repairs them; pvscan --cache writes the database's newer version back.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, readSync, rmSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { CliLab } from './helpers/aux.js';

const MiB = 1024 * 1024;
let lab: CliLab;

beforeEach(async () => {
  lab = new CliLab('tsvm-vgscan-');
  lab.prepareDevs(4, 200);
  await lab.ok('vgcreate', 'vg', '/dev/loop0', '/dev/loop1', '/dev/loop2', '/dev/loop3');
});
afterEach(() => lab.cleanup());

/** The first MiB of an image (label and metadata area), to put back later: a PV that missed writes. */
function firstMiB(dev: string): Buffer {
  const b = Buffer.alloc(MiB);
  const fd = openSync(join(lab.devDir, dev), 'r');
  readSync(fd, b, 0, MiB, 0);
  closeSync(fd);
  return b;
}
function putFirstMiB(dev: string, b: Buffer): void {
  const fd = openSync(join(lab.devDir, dev), 'r+');
  writeSync(fd, b, 0, MiB, 0);
  closeSync(fd);
}

describe('vgscan / pvscan --cache rebuild a deleted database', () => {
  it('brings back mirrors (disk, core, mirrored log), a split copy and striped LVs, data intact', async () => {
    await lab.ok('lvcreate', '-L', '8m', '-n', 'm', '--type', 'mirror', '-m', '1', 'vg');
    await lab.ok('lvcreate', '-L', '8m', '-n', 'mc', '--type', 'mirror', '-m', '1', '--mirrorlog', 'core', 'vg');
    await lab.ok('lvcreate', '-L', '8m', '-n', 'mm', '--type', 'mirror', '-m', '1', '--mirrorlog', 'mirrored', 'vg');
    await lab.ok('lvcreate', '-L', '16m', '-i', '2', '-n', 'str', 'vg');
    await lab.ok('lvcreate', '-L', '8m', '-n', 'm3', '--type', 'mirror', '-m', '2', 'vg');
    await lab.ok('lvconvert', 'vg/m3');
    const data = randomBytes(4 * MiB);
    const src = join(lab.dir, 'data.bin');
    writeFileSync(src, data);
    for (const lv of ['m', 'mc', 'mm', 'str', 'm3']) await lab.ok('dd', `if=${src}`, `of=/dev/vg/${lv}`, 'bs=1M', 'conv=fsync');
    await lab.ok('lvconvert', '--splitmirrors', '1', '--name', 'copy', 'vg/m3');
    await lab.ok('vgchange', '-an', 'vg');
    const report = async () => (await lab.ok('lvs', '-a', '-o', '+devices,seg_type,region_size,lv_uuid')).stdout;
    const pvs = async () => (await lab.ok('pvs', '-o', '+pv_uuid,pv_mda_free,vg_seqno')).stdout;
    const before = [await report(), await pvs()];

    rmSync(lab.systemDir, { recursive: true, force: true });
    expect((await lab.ok('lvs')).stdout).toBe('');
    expect((await lab.ok('vgscan')).stdout).toBe('  Found volume group "vg" using metadata type lvm2');
    expect([await report(), await pvs()]).toEqual(before);

    await lab.ok('vgchange', '-ay', 'vg');
    // the disk logs kept their state: in sync at once; the core log's mirror resyncs, as in LVM2
    expect(await lab.lvField('vg/m', 'copy_percent')).toBe('100.00');
    expect(await lab.lvField('vg/mm', 'copy_percent')).toBe('100.00');
    await lab.ok('lvconvert', 'vg/mc');
    for (const lv of ['m', 'mc', 'mm', 'str', 'm3', 'copy']) {
      const out = join(lab.dir, `${lv}.out`);
      await lab.ok('dd', `if=/dev/vg/${lv}`, `of=${out}`, 'bs=1M', 'count=4');
      expect(Buffer.compare(readFileSync(out), data), lv).toBe(0);
    }
  }, 120_000);

  it('pvscan --cache names the PVs in a VG online and the others not used', async () => {
    writeFileSync(join(lab.devDir, 'loop4'), '');
    truncateSync(join(lab.devDir, 'loop4'), 200 * MiB);
    await lab.ok('pvcreate', '/dev/loop4');
    rmSync(lab.systemDir, { recursive: true, force: true });
    const r = await lab.ok('pvscan', '--cache');
    const lines = r.stdout.split('\n').map((l) => l.replace(/pvscan\[\d+\]/, 'pvscan[PID]'));
    expect(lines).toEqual([
      ...[0, 1, 2, 3].map((i) => `  pvscan[PID] PV /dev/loop${i} online.`),
      '  pvscan[PID] PV /dev/loop4 not used.',
    ]);
    expect((await lab.ok('pvs', '--noheadings', '-o', 'pv_name,vg_name')).stdout.split('\n').map((l) => l.trim().split(/\s+/)))
      .toEqual([['/dev/loop0', 'vg'], ['/dev/loop1', 'vg'], ['/dev/loop2', 'vg'], ['/dev/loop3', 'vg'], ['/dev/loop4']]);
  });
});

describe('metadata areas behind the database (kill -9 between the two commits)', () => {
  it('the next change warns as LVM2 and updates them; vgscan then reads the new version', async () => {
    await lab.ok('lvcreate', '-L', '8m', '-n', 'a', 'vg');
    const old = firstMiB('loop1');
    await lab.ok('lvcreate', '-L', '8m', '-n', 'b', 'vg');
    putFirstMiB('loop1', old); // loop1 missed the write of seqno 3
    const r = await lab.ok('lvcreate', '-L', '4m', '-n', 'c', 'vg');
    expect(r.stderr.split('\n')).toEqual([
      '  WARNING: ignoring metadata seqno 2 on /dev/loop1 for seqno 3 on /dev/loop0 for VG vg.',
      '  WARNING: Inconsistent metadata found for VG vg.',
      '  See vgck --updatemetadata to correct inconsistency.',
      '  WARNING: updating old metadata to 4 on /dev/loop1 for VG vg.',
    ]);
    expect((await lab.ok('lvcreate', '-L', '4m', '-n', 'd', 'vg')).stderr).toBe('');
    rmSync(lab.systemDir, { recursive: true, force: true });
    await lab.ok('vgscan');
    expect((await lab.ok('lvs', '--noheadings', '-o', 'lv_name')).stdout.split('\n').map((s) => s.trim())).toEqual(['a', 'b', 'c', 'd']);
  });

  it('every area behind (crash before any area was written): pvscan --cache writes the database version back', async () => {
    await lab.ok('lvcreate', '-L', '8m', '-n', 'a', 'vg');
    const olds = ['loop0', 'loop1', 'loop2', 'loop3'].map(firstMiB);
    await lab.ok('lvcreate', '-L', '8m', '-n', 'b', 'vg');
    ['loop0', 'loop1', 'loop2', 'loop3'].forEach((d, i) => putFirstMiB(d, olds[i]!));
    const r = await lab.ok('pvscan', '--cache');
    expect(r.stderr.split('\n')).toEqual([0, 1, 2, 3].map((i) => `  WARNING: updating old metadata to 3 on /dev/loop${i} for VG vg.`));
    rmSync(lab.systemDir, { recursive: true, force: true });
    await lab.ok('vgscan');
    expect((await lab.ok('vgs', '--noheadings', '-o', 'vg_seqno,lv_count')).stdout.trim().split(/\s+/)).toEqual(['3', '2']);
  });

  it('one copy with a bad checksum: the good copies are used, LVM2 names the bad one', async () => {
    await lab.ok('lvcreate', '-L', '8m', '-n', 'a', 'vg');
    const fd = openSync(join(lab.devDir, 'loop2'), 'r+');
    const hdr = Buffer.alloc(64);
    readSync(fd, hdr, 0, 64, 4096);
    const textAt = 4096 + Number(hdr.readBigUInt64LE(40));
    writeSync(fd, Buffer.from('X'), 0, 1, textAt + 3);
    closeSync(fd);
    rmSync(lab.systemDir, { recursive: true, force: true });
    const r = await lab.ok('vgscan');
    expect(r.stdout).toBe('  Found volume group "vg" using metadata type lvm2');
    // (what LVM2 2.03.16 prints for the same damage: its label scan skips the copy, whose slot is
    // the same as the copies read before it, and vg_read finds it bad)
    const off = Number(hdr.readBigUInt64LE(40));
    const size = Number(hdr.readBigUInt64LE(48));
    expect(r.stderr.split('\n')).toEqual([
      `  WARNING: Checksum error on /dev/loop2 at offset ${textAt}.`,
      '  WARNING: couldn\'t read volume group metadata from /dev/loop2.',
      `  WARNING: Failed to read metadata text at ${textAt} off ${off} size ${size} VG vg on /dev/loop2`,
      '  WARNING: reading /dev/loop2 mda1 failed to read metadata.',
      '  WARNING: repair VG metadata on /dev/loop2 with vgck --updatemetadata.',
      '  WARNING: Reading VG vg on /dev/loop2 failed.',
    ]);
    expect(await lab.lvField('vg/a', 'lv_size')).toBe('8.00m');
  });
});
