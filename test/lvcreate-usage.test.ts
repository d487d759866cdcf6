// lvcreate over image files: zeroing of the new LV's start, activation state, and failures that
// leave metadata and image bytes exactly as they were.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSync, readSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { CliLab } from './helpers/aux.js';

let lab: CliLab;
beforeEach(async () => {
  lab = new CliLab();
  lab.prepareDevs(3, 32);
  await lab.ok('vgcreate', 'vg', '/dev/loop0', '/dev/loop1');
});
afterEach(() => lab.cleanup());

const PE0 = 1024 * 1024; // pe_start

function poke(dev: string, offset: number, byte: number, len = 4096): void {
  const fd = openSync(join(lab.devDir, dev), 'r+');
  writeSync(fd, Buffer.alloc(len, byte), 0, len, offset);
  closeSync(fd);
}
function peek(dev: string, offset: number, len = 4096): Buffer {
  const fd = openSync(join(lab.devDir, dev), 'r');
  const b = Buffer.alloc(len);
  readSync(fd, b, 0, len, offset);
  closeSync(fd);
  return b;
}

const unchangedOnFailure = (code: number, ...args: string[]) => lab.failsUnchanged(code, ...args);

describe('lvcreate', () => {
  it('zeroes the first 4 KiB of a new active LV, and only that', async () => {
    poke('loop0', PE0, 0xaa, 8192);
    const r = await lab.ok('lvcreate', '-L', '4m', '-n', 'lv', 'vg');
    expect(r.stdout).toBe('  Logical volume "lv" created.');
    expect(r.stderr).toBe('');
    expect(peek('loop0', PE0).every((b) => b === 0)).toBe(true);
    expect(peek('loop0', PE0 + 4096).every((b) => b === 0xaa)).toBe(true);
    expect((await lab.lvField('vg/lv', 'lv_attr')).slice(4, 5)).toBe('a');
  });

  it('-Zn leaves the bytes and warns; -an creates an inactive LV', async () => {
    poke('loop0', PE0, 0xbb);
    const r = await lab.ok('lvcreate', '-Zn', '-L', '4m', '-n', 'lv', 'vg');
    expect(r.stderr).toBe('  WARNING: Logical volume vg/lv not zeroed.');
    expect(peek('loop0', PE0).every((b) => b === 0xbb)).toBe(true);
    await lab.ok('lvcreate', '-an', '-L', '4m', '-n', 'off', 'vg');
    expect((await lab.lvField('vg/off', 'lv_attr')).slice(4, 5)).toBe('-');
  });

  it('striped and PV-range placement', async () => {
    const r = await lab.ok('lvcreate', '-i', '2', '-L', '8m', '-n', 's', 'vg');
    expect(r.stdout).toBe('  Using default stripesize 64.00 KiB.\n  Logical volume "s" created.');
    await lab.ok('lvcreate', '-l', '2', '-n', 'r', 'vg', '/dev/loop1:3-4');
    expect(await lab.lvField('vg/r', 'seg_pe_ranges')).toBe('/dev/loop1:3-4');
  });

  it('fails without changing anything', async () => {
    await lab.ok('lvcreate', '-L', '4m', '-n', 'lv', 'vg');
    expect(await unchangedOnFailure(5, 'lvcreate', '-L', '4m', '-n', 'lv', 'vg'))
      .toBe('  Logical Volume "lv" already exists in volume group "vg"');
    expect(await unchangedOnFailure(5, 'lvcreate', '-L', '1g', '-n', 'big', 'vg'))
      .toBe('  Volume group "vg" has insufficient free space (13 extents): 256 required.');
    expect(await unchangedOnFailure(5, 'lvcreate', '-l', '1', '-n', 'x', 'vg', '/dev/loop0:100-120'))
      .toBe('  PE range error: start extent 100 to end extent 120.');
    expect(await unchangedOnFailure(5, 'lvcreate', '-l', '1', '-n', 'x', 'vg', '/dev/loop2'))
      .toBe('  Physical Volume "/dev/loop2" not found in Volume Group "vg".');
    expect(await unchangedOnFailure(5, 'lvcreate', '-i', '3', '-L', '12m', '-n', 'x', 'vg'))
      .toBe('  Number of stripes (3) must not exceed number of physical volumes (2)');
    expect(await unchangedOnFailure(5, 'lvcreate', '-an', '-Zy', '-L', '4m', '-n', 'x', 'vg'))
      .toBe('  Cannot zero inactive logical volume with option -Zy or -Wy.');
    expect(await unchangedOnFailure(3, 'lvcreate', '-L', '4m', '-n', 'x_mlog', 'vg'))
      .toContain('Names including "_mlog" are reserved.');
    expect(await unchangedOnFailure(3, 'lvcreate', '-L', '0', 'vg')).toContain('--size may not be zero.');
    expect(await unchangedOnFailure(5, 'lvcreate', '-L', '4m', 'nosuch')).toContain('Volume group "nosuch" not found');
    expect(await unchangedOnFailure(5, 'lvcreate', '--type', 'raid5', '-L', '4m', 'vg')).toContain('Segment type raid5 is not available in tsvm yet');
  });
});
