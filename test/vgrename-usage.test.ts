// vgrename (LVM2 tools/vgrename.c, test/shell/vgrename-usage.sh): the old name may be the VG's UUID
// (ALLOW_UUID_AS_NAME), announced as process_each_vg does; the message keeps the argument as given.
import { afterEach, expect, it } from 'vitest';
import { CliLab } from './helpers/aux.js';

let lab: CliLab;
afterEach(() => lab?.cleanup());

it('renames a VG named by its UUID', async () => {
  lab = new CliLab('tsvm-vgrename-');
  lab.prepareDevs(2, 100);
  await lab.ok('vgcreate', 'vg1', '/dev/loop0', '/dev/loop1');
  const uuid = (await lab.ok('vgs', '--noheadings', '-o', 'vg_uuid', 'vg1')).stdout.trim();
  const r = await lab.run('vgrename', uuid, 'vg2');
  expect(r.exitCode, r.stderr).toBe(0);
  expect(r.stdout.trimEnd().split('\n')).toEqual([
    `  Processing VG vg1 because of matching UUID ${uuid}`,
    `  Volume group "${uuid}" successfully renamed to "vg2"`,
  ]);
  expect((await lab.ok('vgs', '--noheadings', '-o', 'vg_name,vg_uuid')).stdout.trim().split(/\s+/)).toEqual(['vg2', uuid]);
  // a UUID no VG has is a name that is not found
  const n = await lab.run('vgrename', uuid.replace(/^./, (c) => (c === 'a' ? 'b' : 'a')), 'vg3');
  expect(n.exitCode).toBe(5);
}, 60_000);
