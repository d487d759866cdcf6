// lvextend of a mirror whose region log would need more extents (small extents): LVM2 never
// extends a mirror's log (lib/metadata/lv_manip.c lv_extend, log_count 0; fixtures/golden/
// 10-mirror-extend shows the log LV unchanged) and the kernel then refuses the table (dm-log "log
// device too small"), so tsvm refuses before changing anything. The way round, as with LVM2:
// a core log while extending, then a new disk log, allocated for the new size (golden 10, step 024).
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { CliLab } from './helpers/aux.js';

const MiB = 1024 * 1024;
let lab: CliLab;
beforeEach(async () => {
  lab = new CliLab('tsvm-lxml-');
  lab.prepareDevs(3, 100);
  await lab.ok('pvcreate', '/dev/loop0', '/dev/loop1', '/dev/loop2');
  // 1 KiB extents, 4 KiB regions: a 2-extent log (1 KiB header, 1 KiB bitmap) holds 8192 regions, 32 MiB.
  await lab.ok('vgcreate', '-s', '1k', 'vg', '/dev/loop0', '/dev/loop1', '/dev/loop2');
  await lab.ok('lvcreate', '-L', '32m', '-n', 'lv', 'vg', '/dev/loop0');
  await lab.ok('lvconvert', '-y', '--type', 'mirror', '-m', '1', '-R', '4k', 'vg/lv', '/dev/loop0', '/dev/loop1', '/dev/loop2');
});
afterEach(() => lab.cleanup());

const legBytes = (vgLv: string, len: number) => lab.legBytes(vgLv, 0, len);

it('past what the log can hold: refused, nothing changed, the message says how', async () => {
  expect(await lab.lvField('vg/lv_mlog', 'seg_pe_ranges', '-a')).toBe('/dev/loop2:0-1');
  const err = await lab.failsUnchanged(5, 'lvextend', '-L', '+1m', 'vg/lv');
  expect(err).toBe(
    '  Mirror log vg/lv_mlog of 2.00 KiB is too small for the 8448 regions of vg/lv (2.50 KiB needed); lvextend does not extend mirror logs.\n'
    + '  Convert to a core log (lvconvert --mirrorlog core vg/lv) before extending, and back (lvconvert --mirrorlog disk vg/lv) after.',
  );
});

it('core log, extend, disk log: the new log is sized for the new regions (as LVM2), the legs agree', async () => {
  await lab.ok('lvconvert', '-y', '--mirrorlog', 'core', 'vg/lv');
  const r = await lab.ok('lvextend', '-L', '40m', 'vg/lv');
  expect(r.stdout).toContain('  Size of logical volume vg/lv changed from 32.00 MiB (32768 extents) to 40.00 MiB (40960 extents).');
  const data = randomBytes(40 * MiB);
  writeFileSync(join(lab.dir, 'data'), data);
  await lab.ok('dd', `if=${join(lab.dir, 'data')}`, 'of=/dev/vg/lv', 'bs=1M', 'status=none');
  await lab.ok('lvconvert', '-y', '--mirrorlog', 'disk', 'vg/lv');
  expect(await lab.lvField('vg/lv_mlog', 'seg_pe_ranges', '-a')).toBe('/dev/loop2:0-2');
  await lab.ok('lvconvert', '-i', '0', 'vg/lv');
  for (let i = 0; i < 100 && (await lab.lvField('vg/lv', 'copy_percent')) !== '100.00'; i++) await new Promise((res) => setTimeout(res, 100));
  expect(await lab.lvField('vg/lv', 'copy_percent')).toBe('100.00');
  for (const img of ['vg/lv_mimage_0', 'vg/lv_mimage_1']) expect((await legBytes(img, 40 * MiB)).equals(data), img).toBe(true);
});
