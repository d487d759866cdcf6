// lvremove: whole VGs in metadata order, the prompt for active LVs only, and failures that
// change nothing.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliLab } from './helpers/aux.js';

let lab: CliLab;
beforeEach(async () => {
  lab = new CliLab();
  lab.prepareDevs(2, 32);
  await lab.ok('vgcreate', 'vg', '/dev/loop0', '/dev/loop1');
});
afterEach(() => lab.cleanup());

const unchangedOnFailure = (code: number, ...args: string[]) => lab.failsUnchanged(code, ...args);

describe('lvremove', () => {
  it('removes inactive LVs without asking, every LV of a VG in metadata order', async () => {
    for (const n of ['b', 'a', 'c']) await lab.ok('lvcreate', '-an', '-l', '1', '-n', n, 'vg');
    expect((await lab.ok('lvremove', 'vg/a')).stdout).toBe('  Logical volume "a" successfully removed.');
    expect((await lab.ok('lvremove', 'vg')).stdout).toBe(
      '  Logical volume "b" successfully removed.\n  Logical volume "c" successfully removed.');
    expect((await lab.ok('lvremove', '-f', 'vg')).stdout).toBe('');
  });

  it('asks for an active LV; no answer keeps it; -y removes it', async () => {
    await lab.ok('lvcreate', '-l', '1', '-n', 'act', 'vg');
    expect(await unchangedOnFailure(5, 'lvremove', 'vg/act')).toBe(
      'Do you really want to remove active logical volume vg/act? [y/n]: [n]\n  Logical volume vg/act not removed.');
    await lab.ok('lvremove', '-y', 'vg/act');
  });

  it('fails without changing anything', async () => {
    await lab.ok('lvcreate', '-an', '-l', '1', '-n', 'lv', 'vg');
    expect(await unchangedOnFailure(5, 'lvremove', '-f', 'vg/nosuch')).toBe('  Failed to find logical volume "vg/nosuch"');
    expect(await unchangedOnFailure(5, 'lvremove', 'nosuchvg/x')).toContain('Volume group "nosuchvg" not found');
    expect(await unchangedOnFailure(3, 'lvremove')).toContain('No command with matching syntax recognised.');
  });
});
