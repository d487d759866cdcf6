// lvconvert --mirrorlog on a mirror that is still resyncing (issue 9 item 8): the new log takes the
// old one's name in the same commit; the conversion works and the data stays whole.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { CliLab } from './helpers/aux.js';

const MiB = 1024 * 1024;
let lab: CliLab;
afterEach(() => lab?.cleanup());

it('disk log -> mirrored log -> disk log while the mirror resyncs', async () => {
  lab = new CliLab('tsvm-mlog-');
  lab.prepareDevs(5, 200);
  lab.extraEnv = { TSVM_NO_AUTOSYNC: '1' };
  await lab.ok('vgcreate', 'vg', '/dev/loop0', '/dev/loop1', '/dev/loop2', '/dev/loop3', '/dev/loop4');
  await lab.ok('lvcreate', '-L', '64m', '-n', 'lv', 'vg', '/dev/loop0');
  const data = randomBytes(64 * MiB);
  writeFileSync(join(lab.dir, 'd'), data);
  await lab.ok('dd', `if=${join(lab.dir, 'd')}`, 'of=/dev/vg/lv', 'bs=1M', 'status=none');
  // the copy goes on in the background, slowed down by a delay on the new leg: still resyncing
  await lab.ok('fault', 'add', '/dev/loop1', '--write', '--delay', '200');
  await lab.ok('lvconvert', '-b', '--type', 'mirror', '-m', '1', 'vg/lv', '/dev/loop1', '/dev/loop2');
  expect(Number(await lab.lvField('vg/lv', 'copy_percent'))).toBeLessThan(100);
  const conf = ['--config', 'global/support_mirrored_mirror_log=1'];
  const r = await lab.run('lvconvert', ...conf, '--type', 'mirror', '-m', '1', '--mirrorlog', 'mirrored', 'vg/lv');
  expect(r.stderr).not.toContain('Internal error');
  expect(r.exitCode, r.stderr).toBe(0);
  const names = (await lab.ok('lvs', '-a', '--noheadings', '-o', 'lv_name', 'vg')).stdout.split('\n').map((l) => l.trim()).filter(Boolean);
  expect(names).toEqual(expect.arrayContaining(['[lv_mlog]', '[lv_mlog_mimage_0]', '[lv_mlog_mimage_1]']));
  await lab.ok('fault', 'clear');
  await lab.ok('lvconvert', '--mirrorlog', 'disk', 'vg/lv');
  expect(await lab.lvField('vg/lv', 'mirror_log')).toBe('[lv_mlog]');
  await lab.ok('lvconvert', '-i', '0', 'vg/lv');
  expect(Number(await lab.lvField('vg/lv', 'copy_percent'))).toBe(100);
  for (const img of ['vg/lv_mimage_0', 'vg/lv_mimage_1']) expect((await lab.legBytes(img, 0, 64 * MiB)).equals(data)).toBe(true);
}, 180_000);
