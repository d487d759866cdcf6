// lvrename: both syntaxes, and the refusals (exit 3 on the command line, 5 in the VG) that change nothing.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliLab } from './helpers/aux.js';

let lab: CliLab;
beforeEach(async () => {
  lab = new CliLab();
  lab.prepareDevs(1, 32);
  await lab.ok('vgcreate', 'vg', '/dev/loop0');
  await lab.ok('lvcreate', '-an', '-l', '1', '-n', 'one', 'vg');
  await lab.ok('lvcreate', '-an', '-l', '1', '-n', 'two', 'vg');
});
afterEach(() => lab.cleanup());

const unchangedOnFailure = (code: number, ...args: string[]) => lab.failsUnchanged(code, ...args);

describe('lvrename', () => {
  it('renames with either syntax', async () => {
    expect((await lab.ok('lvrename', 'vg', 'one', 'uno')).stdout).toBe('  Renamed "one" to "uno" in volume group "vg"');
    expect((await lab.ok('lvrename', 'vg/uno', 'vg/eins')).stdout).toBe('  Renamed "uno" to "eins" in volume group "vg"');
    expect(await lab.lvField('vg/eins', 'lv_name')).toBe('eins');
  });

  it('refuses without changing anything', async () => {
    expect(await unchangedOnFailure(5, 'lvrename', 'vg', 'one', 'two')).toBe('  Logical Volume "two" already exists in volume group "vg"');
    expect(await unchangedOnFailure(5, 'lvrename', 'vg', 'nosuch', 'x'))
      .toBe('  Existing logical volume "nosuch" not found in volume group "vg"');
    expect(await unchangedOnFailure(3, 'lvrename', 'vg', 'one', 'one')).toContain('Old and new logical volume names must differ');
    expect(await unchangedOnFailure(3, 'lvrename', 'vg', 'one', 'x_mimage')).toContain('Names including "_mimage" are reserved.');
    expect(await unchangedOnFailure(3, 'lvrename', 'vg/one', 'other/x'))
      .toContain('Logical volume names must have the same volume group ("vg" or "other")');
    expect(await unchangedOnFailure(3, 'lvrename', 'vg', 'one')).toBe(
      '  Path required for Logical Volume "vg".\n  Please provide a valid volume group name\n  Run `lvrename --help\' for more information.');
  });
});
