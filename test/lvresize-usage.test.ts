// lvextend / lvreduce / lvresize: messages, cling on extension, the prompt for shrinking an active
// LV, and refusals that leave metadata and images untouched.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliLab } from './helpers/aux.js';

let lab: CliLab;
beforeEach(async () => {
  lab = new CliLab();
  lab.prepareDevs(3, 32);
  await lab.ok('vgcreate', 'vg', '/dev/loop0', '/dev/loop1', '/dev/loop2');
});
afterEach(() => lab.cleanup());

const unchangedOnFailure = (code: number, ...args: string[]) => lab.failsUnchanged(code, ...args);

describe('lvextend/lvreduce/lvresize', () => {
  it('extends, clinging to the last PV, and reduces from the end', async () => {
    await lab.ok('lvcreate', '-an', '-l', '5', '-n', 'big', 'vg');
    await lab.ok('lvcreate', '-an', '-l', '1', '-n', 'small', 'vg');
    const r = await lab.ok('lvextend', '-l', '+3', 'vg/big');
    expect(r.stdout).toBe([
      '  Size of logical volume vg/big changed from 20.00 MiB (5 extents) to 32.00 MiB (8 extents).',
      '  Logical volume vg/big successfully resized.',
    ].join('\n'));
    expect(await lab.lvField('vg/big', 'seg_pe_ranges', '--segments')).toBe('/dev/loop0:0-4\n  /dev/loop0:6-6\n  /dev/loop1:0-1');
    await lab.ok('lvreduce', '-l', '-2', 'vg/big');
    expect(await lab.lvField('vg/big', 'seg_pe_ranges', '--segments')).toBe('/dev/loop0:0-4\n  /dev/loop0:6-6');
    const s = await lab.ok('lvresize', '-L', '+1m', 'vg/small');
    expect(s.stdout.split('\n')[0]).toBe('  Rounding size to boundary between physical extents: 4.00 MiB.');
  });

  it('asks before shrinking an active LV; no answer means no change', async () => {
    await lab.ok('lvcreate', '-l', '4', '-n', 'lv', 'vg');
    const stderr = await unchangedOnFailure(5, 'lvreduce', '-l', '-1', 'vg/lv');
    expect(stderr.split('\n')).toEqual([
      '  WARNING: Reducing active logical volume to 12.00 MiB.',
      '  THIS MAY DESTROY YOUR DATA (filesystem etc.)',
      'Do you really want to reduce vg/lv? [y/n]: [n]',
      '  Logical volume vg/lv NOT reduced.',
    ]);
    await lab.ok('lvreduce', '-f', '-l', '-1', 'vg/lv');
    expect(await lab.lvField('vg/lv', 'lv_size', '--units', 'm')).toBe('12.00m');
  });

  it('refuses without changing anything', async () => {
    await lab.ok('lvcreate', '-an', '-l', '4', '-n', 'lv', 'vg');
    expect(await unchangedOnFailure(5, 'lvextend', '-l', '4', 'vg/lv')).toBe('  New size (4 extents) matches existing size (4 extents).');
    expect(await unchangedOnFailure(5, 'lvextend', '-l', '3', 'vg/lv')).toBe('  New size given (3 extents) not larger than existing size (4 extents)');
    expect(await unchangedOnFailure(5, 'lvreduce', '-l', '9', 'vg/lv')).toBe('  New size given (9 extents) not less than existing size (4 extents)');
    expect(await unchangedOnFailure(5, 'lvreduce', '-l', '-4', 'vg/lv')).toBe('  Unable to reduce vg/lv below 1 extent.');
    expect(await unchangedOnFailure(5, 'lvextend', '-l', '+100', 'vg/lv')).toBe('  Insufficient free space: 100 extents needed, but only 17 available');
    expect(await unchangedOnFailure(5, 'lvextend', '-l', '+1', 'vg/nosuch')).toBe('  Logical volume nosuch not found in volume group vg.');
    expect(await unchangedOnFailure(5, 'lvextend', '-r', '-l', '+1', 'vg/lv')).toContain('--resizefs is not supported');
    expect(await unchangedOnFailure(3, 'lvreduce', '-L', '+4m', 'vg/lv')).toContain('Size may not be positive.');
    expect(await unchangedOnFailure(3, 'lvextend', '-L', '-4m', 'vg/lv')).toContain('Size may not be negative.');
    expect(await unchangedOnFailure(3, 'lvresize', '-l', '0', 'vg/lv')).toContain('--extents may not be zero.');
  });
});
