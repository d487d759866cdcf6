// lvchange: permission, allocation policy, tags, activation state in metadata, and refusals that
// change nothing.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliLab } from './helpers/aux.js';

let lab: CliLab;
beforeEach(async () => {
  lab = new CliLab();
  lab.prepareDevs(1, 32);
  await lab.ok('vgcreate', 'vg', '/dev/loop0');
  await lab.ok('lvcreate', '-an', '-l', '1', '-n', 'lv', 'vg');
});
afterEach(() => lab.cleanup());

const unchangedOnFailure = (code: number, ...args: string[]) => lab.failsUnchanged(code, ...args);

describe('lvchange', () => {
  it('changes properties and activation', async () => {
    expect((await lab.ok('lvchange', '-p', 'r', 'vg/lv')).stdout).toBe('  Logical volume vg/lv changed.');
    expect((await lab.ok('lvchange', '--alloc', 'contiguous', '--addtag', 't1', 'vg/lv')).stdout).toBe('  Logical volume vg/lv changed.');
    expect(await lab.lvField('vg/lv', 'lv_attr')).toMatch(/^-rc-/);
    expect((await lab.ok('lvchange', '-ay', 'vg')).stdout).toBe('');
    expect((await lab.lvField('vg/lv', 'lv_attr')).slice(4, 5)).toBe('a');
    await lab.ok('lvchange', '-an', 'vg/lv');
    expect((await lab.lvField('vg/lv', 'lv_attr')).slice(4, 5)).toBe('-');
  });

  it('activation is not a metadata change (as in LVM2): the seqno stays, the PV is not written', async () => {
    const seqno = async () => (await lab.ok('vgs', '--noheadings', '-o', 'vg_seqno', 'vg')).stdout.trim();
    const before = await seqno();
    const image = readFileSync(join(lab.devDir, 'loop0'));
    await lab.ok('lvchange', '-ay', 'vg/lv');
    expect((await lab.lvField('vg/lv', 'lv_attr')).slice(4, 5)).toBe('a');
    expect(await seqno()).toBe(before);
    await lab.ok('lvchange', '-an', 'vg/lv');
    expect((await lab.lvField('vg/lv', 'lv_attr')).slice(4, 5)).toBe('-');
    expect(await seqno()).toBe(before);
    expect(readFileSync(join(lab.devDir, 'loop0')).equals(image)).toBe(true);
  });

  it('refuses without changing anything', async () => {
    expect(await unchangedOnFailure(5, 'lvchange', '-p', 'rw', 'vg/lv')).toBe('  Logical volume vg/lv is already writable.');
    expect(await unchangedOnFailure(5, 'lvchange', '--alloc', 'inherit', 'vg/lv'))
      .toBe('  Allocation policy of logical volume vg/lv is already inherit.');
    expect(await unchangedOnFailure(5, 'lvchange', '-p', 'r', 'vg/nosuch')).toBe('  Failed to find logical volume "vg/nosuch"');
    expect(await unchangedOnFailure(3, 'lvchange', 'vg/lv')).toContain('No command with matching syntax recognised.');
    expect(await unchangedOnFailure(3, 'lvchange', '-p', 'bogus', 'vg/lv')).toContain('Invalid argument for --permission: bogus');
  });
});
