// Bit rot under LVs that keep checksums (issue 11): raid1 (the table in every rmeta, on by
// default) and a mirror with activation/mirror_checksums = 1 (the table in the disk log's free
// space). Bytes flipped straight in a leg's image file are found by reads, the right copy is
// returned and the bad one rewritten; the same block rotten on every leg fails with EIO for that
// block only, and nothing is "repaired" with a wrong copy.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliLab } from './helpers/aux.js';

const MiB = 1024 * 1024;
let lab: CliLab;

async function write(data: Buffer): Promise<void> {
  const f = join(lab.dir, 'in');
  writeFileSync(f, data);
  await lab.ok('dd', `if=${f}`, 'of=/dev/vg/lv', 'bs=1M', 'conv=fsync', 'status=none');
  rmSync(f);
}

async function read(bs: string, skip: number, count: number): Promise<{ data: Buffer; exitCode: number; stderr: string }> {
  const f = join(lab.dir, 'out');
  const r = await lab.run('dd', 'if=/dev/vg/lv', `of=${f}`, `bs=${bs}`, `skip=${skip}`, `count=${count}`, 'status=none');
  const data = readFileSync(f);
  rmSync(f);
  return { data, exitCode: r.exitCode, stderr: r.stderr };
}

beforeEach(async () => {
  lab = new CliLab('tsvm-bitrot-');
  lab.prepareDevs(3, 100);
  mkdirSync(lab.systemDir, { recursive: true });
  writeFileSync(join(lab.systemDir, 'lvm.conf'), 'activation {\n  mirror_checksums = 1\n  monitoring = 0\n}\n');
  await lab.ok('pvcreate', '/dev/loop0', '/dev/loop1', '/dev/loop2');
  await lab.ok('vgcreate', 'vg', '/dev/loop0', '/dev/loop1', '/dev/loop2');
});
afterEach(() => lab.cleanup());

describe.each([['raid1', 'rimage'], ['mirror', 'mimage']])('%s with checksums', (type, image) => {
  const leg = (k: number) => `vg/lv_${image}_${k}`;
  beforeEach(async () => {
    await lab.ok('lvcreate', '-y', '--type', type, '-m', '1', '-L', '8m', '-n', 'lv', 'vg');
    await lab.ok('lvconvert', '-i', '0', 'vg/lv');
  });

  it('returns the right data from the other leg and rewrites the bad copy', async () => {
    const data = randomBytes(8 * MiB);
    await write(data);
    expect(await lab.lvField('vg/lv', 'raid_heal_count')).toBe('0');
    await lab.rot(leg(0), 3 * MiB + 5000);
    const r = await read('1M', 0, 8);
    expect(r.exitCode).toBe(0);
    expect(r.data.equals(data)).toBe(true);
    expect(r.stderr).toContain(`WARNING: vg/lv: checksum mismatch at offset 3149824 on ${leg(0)}: rewritten from ${leg(1)}.`);
    for (const img of [leg(0), leg(1)]) expect((await lab.legBytes(img, 0, 8 * MiB)).equals(data)).toBe(true);
    // Healed: a second read finds nothing. The heal is counted (tsvm's report fields, JSON too).
    expect((await read('1M', 0, 8)).stderr).toBe('');
    expect(await lab.lvField('vg/lv', 'raid_heal_count')).toBe('1');
    const json = JSON.parse((await lab.ok('lvs', '--reportformat', 'json', '-o', 'lv_name,raid_heal_count,raid_unrecoverable_count', 'vg/lv')).stdout);
    expect(json.report[0].lv).toEqual([{ lv_name: 'lv', raid_heal_count: '1', raid_unrecoverable_count: '0' }]);
  });

  it('fails the block rotten on every leg with EIO, and only that block', async () => {
    const data = randomBytes(8 * MiB);
    await write(data);
    for (const img of [leg(0), leg(1)]) await lab.rot(img, 2 * MiB + 4096 * 3 + 17);
    const before = await Promise.all([leg(0), leg(1)].map((i) => lab.legBytes(i, 0, 8 * MiB)));
    const bad = 2 * 256 + 3;
    const r = await read('4k', bad, 1);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("error reading '/dev/vg/lv': Input/output error");
    for (const blk of [bad - 1, bad + 1]) {
      const ok = await read('4k', blk, 1);
      expect(ok.exitCode).toBe(0);
      expect(ok.data.equals(data.subarray(blk * 4096, (blk + 1) * 4096))).toBe(true);
    }
    const after = await Promise.all([leg(0), leg(1)].map((i) => lab.legBytes(i, 0, 8 * MiB)));
    expect(after.every((b, k) => b.equals(before[k]!))).toBe(true);
    expect(await lab.lvField('vg/lv', 'raid_heal_count,raid_unrecoverable_count')).toMatch(/^0\s+1$/);
  });
});

describe('without checksums', () => {
  it.each([
    ['mirror, activation/mirror_checksums unset (the default)', ['--type', 'mirror'], 'mimage'],
    ['raid1 made with activation/raid_checksums = 0', ['--type', 'raid1', '--config', 'activation/raid_checksums=0'], 'rimage'],
  ])('%s: reads come from the primary as in LVM2', async (_, args, image) => {
    writeFileSync(join(lab.systemDir, 'lvm.conf'), 'activation {\n  monitoring = 0\n}\n');
    await lab.ok('lvcreate', '-y', ...args, '-m', '1', '-L', '4m', '-n', 'plain', 'vg');
    const f = join(lab.dir, 'in');
    const data = randomBytes(4 * MiB);
    writeFileSync(f, data);
    await lab.ok('dd', `if=${f}`, 'of=/dev/vg/plain', 'bs=1M', 'conv=fsync', 'status=none');
    await lab.rot(`vg/plain_${image}_0`, 4096);
    const o = join(lab.dir, 'out');
    const r = await lab.ok('dd', 'if=/dev/vg/plain', `of=${o}`, 'bs=1M', 'status=none');
    expect(r.stderr).toBe('');
    expect(readFileSync(o).equals(data)).toBe(false);
  });
});
