// check/repair of a raid1 LV by its checksums (src/raid/scrub-checksums.ts), on an LV made by the
// CLI and scrubbed in-process: bytes flipped straight in the image files, on different legs in
// different blocks of one region, are found and named per image; repair rewrites only the bad
// copies from copies whose CRC is right (one leg is not right everywhere, so "copy the primary"
// or "copy the good leg" would both be wrong); a second check finds nothing; a block wrong on
// every image is reported and left alone.
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliLab } from './helpers/aux.js';
import { DevicePool } from '../src/device/device-pool.js';
import { openDb } from '../src/store/db.js';
import { MetadataStore } from '../src/store/metadata-store.js';
import { MirrorDevice } from '../src/mirror/mirror-device.js';
import { scrubByChecksums } from '../src/raid/scrub-checksums.js';

const MiB = 1024 * 1024;
let lab: CliLab;
let data: Buffer;

function scrub(action: 'check' | 'repair') {
  const db = openDb(lab.systemDir);
  const pool = new DevicePool(lab.systemDir);
  try {
    const vg = new MetadataStore(db).loadVg('vg')!.vg;
    const lv = vg.lvs.find((l) => l.name === 'lv')!;
    const dev = new MirrorDevice({ devices: pool, systemDir: lab.systemDir }, vg, lv, { writable: true });
    try {
      return scrubByChecksums(dev, action);
    } finally {
      dev.close();
    }
  } finally {
    pool.closeAll();
    db.close();
  }
}

const legs = () => Promise.all(['vg/lv_rimage_0', 'vg/lv_rimage_1'].map((l) => lab.legBytes(l, 0, 8 * MiB)));

beforeEach(async () => {
  lab = new CliLab('tsvm-scrub-');
  lab.prepareDevs(2, 100);
  mkdirSync(lab.systemDir, { recursive: true });
  writeFileSync(join(lab.systemDir, 'lvm.conf'), 'activation {\n  monitoring = 0\n}\n');
  await lab.ok('pvcreate', '/dev/loop0', '/dev/loop1');
  await lab.ok('vgcreate', 'vg', '/dev/loop0', '/dev/loop1');
  await lab.ok('lvcreate', '-y', '--type', 'raid1', '-m', '1', '-L', '8m', '-n', 'lv', 'vg');
  await lab.ok('lvconvert', '-i', '0', 'vg/lv');
  data = randomBytes(8 * MiB);
  const f = join(lab.dir, 'in');
  writeFileSync(f, data);
  await lab.ok('dd', `if=${f}`, 'of=/dev/vg/lv', 'bs=1M', 'conv=fsync', 'status=none');
  rmSync(f);
});
afterEach(() => lab.cleanup());

describe('raid1 scrub by checksums', () => {
  it('names the bad image per region, repairs only the bad copies, and a second check finds nothing', async () => {
    // Region 1 (2 MiB regions): rimage_0 wrong in one block, rimage_1 in another; region 3: rimage_1.
    await lab.rot('vg/lv_rimage_0', 2 * MiB + 4096);
    await lab.rot('vg/lv_rimage_1', 2 * MiB + 40960);
    await lab.rot('vg/lv_rimage_1', 6 * MiB + 123);
    const check = scrub('check');
    expect(check).toMatchObject({ action: 'check', regions: 4, mismatches: 2, repairedBytes: 0 });
    expect(check.bad).toEqual([{ region: 1, legs: ['lv_rimage_0', 'lv_rimage_1'] }, { region: 3, legs: ['lv_rimage_1'] }]);
    // check changes nothing.
    expect((await legs()).some((b) => b.equals(data))).toBe(false);
    const repair = scrub('repair');
    expect(repair).toMatchObject({ mismatches: 2, repairedBytes: 3 * 4096 });
    for (const b of await legs()) expect(b.equals(data)).toBe(true);
    expect(scrub('check')).toMatchObject({ mismatches: 0, bad: [] });
  });

  it('reports a block wrong on every image and leaves it alone', async () => {
    await lab.rot('vg/lv_rimage_0', 4 * MiB + 8);
    await lab.rot('vg/lv_rimage_1', 4 * MiB + 8);
    const before = await legs();
    const repair = scrub('repair');
    expect(repair).toMatchObject({ mismatches: 1, repairedBytes: 0, bad: [{ region: 2, legs: ['lv_rimage_0', 'lv_rimage_1'], lost: 1 }] });
    const after = await legs();
    expect(after.every((b, k) => b.equals(before[k]!))).toBe(true);
  });
});
