// pvcreate / pvremove / pvchange / pvresize over image files: labels on the images, LVM2's
// messages, and failing commands that change neither metadata nor image bytes.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSync, readSync, closeSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { CliLab } from './helpers/aux.js';

let lab: CliLab;
beforeEach(() => {
  lab = new CliLab();
  lab.prepareDevs(4, 32);
});
afterEach(() => lab.cleanup());

function sector(path: string, n: number): Buffer {
  const b = Buffer.alloc(512);
  const fd = openSync(path, 'r');
  readSync(fd, b, 0, 512, n * 512);
  closeSync(fd);
  return b;
}

describe('pvcreate', () => {
  it('writes an LVM2 label at sector 1 carrying the PV UUID', async () => {
    await lab.ok('pvcreate', '/dev/loop0');
    const s1 = sector(join(lab.devDir, 'loop0'), 1);
    expect(s1.toString('latin1', 0, 8)).toBe('LABELONE');
    expect(s1.toString('latin1', 24, 32)).toBe('LVM2 001');
    const uuid = (await lab.ok('pvs', '--noheadings', '-o', 'pv_uuid', '/dev/loop0')).stdout.trim();
    expect(s1.toString('latin1', 32, 64)).toBe(uuid.replace(/-/g, ''));
  });

  it('refuses a PV of a VG without -ff and changes nothing', async () => {
    await lab.ok('vgcreate', 'vg', '/dev/loop0');
    const before = lab.state();
    const r = await lab.run('pvcreate', '/dev/loop0');
    expect(r.exitCode).toBe(5);
    expect(r.stderr).toBe([
      '  Can\'t initialize physical volume "/dev/loop0" of volume group "vg" without -ff',
      '  /dev/loop0: physical volume not initialized.',
    ].join('\n'));
    expect(lab.state()).toBe(before);
  });

  it('asks before wiping a filesystem signature; no answer leaves the image alone', async () => {
    const img = join(lab.devDir, 'loop1');
    const sb = Buffer.alloc(2048);
    sb.writeUInt16LE(0xef53, 1080);
    const fd = openSync(img, 'r+');
    (await import('node:fs')).writeSync(fd, sb, 0, sb.length, 0);
    closeSync(fd);
    const before = lab.state();
    const r = await lab.run('pvcreate', '/dev/loop1');
    expect(r.exitCode).toBe(5);
    expect(r.stderr).toContain('WARNING: ext2 signature detected on /dev/loop1 at offset 1080. Wipe it? [y/n]: [n]');
    expect(lab.state()).toBe(before);
    const y = await lab.run('pvcreate', '-y', '/dev/loop1');
    expect(y.exitCode).toBe(0);
    expect(y.stdout).toContain('Wiping ext2 signature on /dev/loop1.');
  });

  it('reports a missing device and still creates the others', async () => {
    const r = await lab.run('pvcreate', '/dev/nosuch', '/dev/loop2');
    expect(r.exitCode).toBe(5);
    expect(r.stderr).toBe('  No device found for /dev/nosuch.');
    expect(r.stdout).toBe('  Physical volume "/dev/loop2" successfully created.');
  });

  it('exits 3 on a bad command line without touching anything', async () => {
    const before = lab.state();
    expect((await lab.run('pvcreate', '--bogus', '/dev/loop0')).exitCode).toBe(3);
    expect((await lab.run('pvcreate', '--setphysicalvolumesize', '5x', '/dev/loop0')).exitCode).toBe(3);
    expect(lab.state()).toBe(before);
  });
});

describe('pvremove', () => {
  it('wipes the label of an orphan and refuses a VG member', async () => {
    await lab.ok('pvcreate', '/dev/loop0', '/dev/loop1');
    await lab.ok('vgcreate', 'vg', '/dev/loop1');
    const r = await lab.ok('pvremove', '/dev/loop0');
    expect(r.stdout).toBe('  Labels on physical volume "/dev/loop0" successfully wiped.');
    expect(sector(join(lab.devDir, 'loop0'), 1).toString('latin1', 0, 8)).not.toBe('LABELONE');
    const before = lab.state();
    const f = await lab.run('pvremove', '/dev/loop1');
    expect(f.exitCode).toBe(5);
    expect(f.stderr).toContain('PV /dev/loop1 is used by VG vg so please use vgreduce first.');
    expect(lab.state()).toBe(before);
  });
});

describe('pvresize', () => {
  it('follows an image that grew, and refuses to cut allocated extents', async () => {
    await lab.ok('vgcreate', 'vg', '/dev/loop0');
    await lab.ok('lvcreate', '-an', '-l', '5', '-n', 'lv', 'vg');
    truncateSync(join(lab.devDir, 'loop0'), 64 * 1024 * 1024);
    await lab.ok('pvresize', '/dev/loop0');
    expect((await lab.ok('pvs', '--noheadings', '-o', 'pv_pe_count', '/dev/loop0')).stdout.trim()).toBe('15');
    const before = lab.state();
    const r = await lab.run('pvresize', '-y', '--setphysicalvolumesize', '12M', '/dev/loop0');
    expect(r.exitCode).toBe(5);
    expect(lab.dbDump()).toBe(before.split('\n').slice(0, -1).join('\n'));
  });
});
