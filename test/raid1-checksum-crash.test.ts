// kill -9 and checksums (issue 11): data and checksum are two writes, so a crash between them must
// not look like bit rot. After a writer is killed mid-storm, reads of its dirty regions return the
// primary's bytes without a warning (checksums are only hints there), the resync records the
// checksums of what it copied, and afterwards every block reads verified and a check by checksums
// finds nothing.
import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN } from './helpers/aux.js';
import { RaidLab } from './helpers/raid.js';
import { DevicePool } from '../src/device/device-pool.js';
import { openDb } from '../src/store/db.js';
import { MetadataStore } from '../src/store/metadata-store.js';
import { MirrorDevice } from '../src/mirror/mirror-device.js';
import { scrubByChecksums } from '../src/raid/scrub-checksums.js';

const MiB = 1024 * 1024;
let lab: RaidLab;

/** `check` by checksums, in-process (what lvchange --syncaction check runs for an LV with checksums). */
function check() {
  const db = openDb(lab.systemDir);
  const pool = new DevicePool(lab.systemDir);
  try {
    const vg = new MetadataStore(db).loadVg('vg')!.vg;
    const dev = new MirrorDevice({ devices: pool, systemDir: lab.systemDir }, vg, vg.lvs.find((l) => l.name === 'lv')!, { writable: true });
    try {
      return scrubByChecksums(dev, 'check');
    } finally {
      dev.close();
    }
  } finally {
    pool.closeAll();
    db.close();
  }
}

beforeEach(async () => {
  lab = new RaidLab('tsvm-csum-crash-');
  lab.prepareDevs(2, 200);
  await lab.ok('pvcreate', '/dev/loop0', '/dev/loop1');
  await lab.ok('vgcreate', 'vg', '/dev/loop0', '/dev/loop1');
});
afterEach(() => lab.cleanup());

describe('kill -9 of a writer of a raid1 LV with checksums', () => {
  it('leaves dirty regions that read without "repairs", and a resync after which everything verifies', async () => {
    await lab.ok('lvcreate', '-y', '--type', 'raid1', '-m', '1', '-L', '64m', '-n', 'lv', 'vg');
    await lab.settle('vg/lv');
    await lab.write('vg/lv', randomBytes(64 * MiB));
    lab.extraEnv = { TSVM_NO_AUTOSYNC: '1' };
    await lab.ok('fault', 'add', '/dev/loop1', '--delay', '20', '--write');
    const f = join(lab.dir, 'storm');
    writeFileSync(f, randomBytes(32 * MiB));
    const p = execa(BIN, ['dd', `if=${f}`, 'of=/dev/vg/lv', 'bs=256k', 'seek=64', 'conv=notrunc', 'status=none'], { env: lab.env, reject: false });
    await new Promise((r) => setTimeout(r, 1000));
    p.kill('SIGKILL');
    expect((await p).signal).toBe('SIGKILL');
    await lab.ok('fault', 'clear');
    expect((await lab.dirtyRegions('vg/lv')).length).toBeGreaterThan(0);
    // Before the resync: the LV reads, and nothing is taken for rot.
    const before = await lab.run('dd', 'if=/dev/vg/lv', 'of=/dev/null', 'bs=1M', 'status=none');
    expect(before.exitCode).toBe(0);
    expect(before.stderr).not.toContain('checksum mismatch');
    lab.extraEnv = {};
    await lab.settle('vg/lv');
    expect(await lab.dirtyRegions('vg/lv')).toEqual([]);
    const after = await lab.run('dd', 'if=/dev/vg/lv', 'of=/dev/null', 'bs=1M', 'status=none');
    expect(after.exitCode).toBe(0);
    expect(after.stderr).toBe('');
    expect(check()).toMatchObject({ mismatches: 0, bad: [] });
    const a = await lab.legBytes('vg/lv_rimage_0', 0, 64 * MiB);
    expect(a.equals(await lab.legBytes('vg/lv_rimage_1', 0, 64 * MiB))).toBe(true);
  }, 180_000);
});
