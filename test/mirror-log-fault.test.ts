// mirror_log_fault_policy on an I/O error of the disk log itself: a `tsvm fault` rule on the
// _mlog's extents makes the log's own (O_DSYNC, private descriptor) writes fail during a dd; the
// failure is handled as dmeventd would (lvconvert --repair --use-policies): "allocate" (the
// default) puts a new log on another PV, "remove" leaves a core log. The dd goes on; both legs end
// byte-identical to what was written.
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliLab } from './helpers/aux.js';

const MiB = 1024 * 1024;

let lab: CliLab;
let data: Buffer;
let extentBytes: number;

async function write(lv: string, buf: Buffer, offsetMiB: number) {
  const f = join(lab.dir, `in-${Math.random()}`);
  writeFileSync(f, buf);
  const r = await lab.ok('dd', `if=${f}`, `of=/dev/${lv}`, 'bs=1M', `seek=${offsetMiB}`, 'conv=notrunc');
  rmSync(f);
  return r;
}

/** The byte range of an LV's (single) PV segment on its image: [device, offset, length]. */
async function pvRange(vgLv: string): Promise<[string, number, number]> {
  const ranges = await lab.lvField(vgLv, 'seg_pe_ranges', '-a');
  const m = /^\/dev\/([^:]+):(\d+)-(\d+)$/.exec(ranges)!;
  const peStart = Number((await lab.ok('pvs', '--noheadings', '--units', 'b', '--nosuffix', '-o', 'pe_start', `/dev/${m[1]}`)).stdout.trim());
  return [m[1]!, peStart + Number(m[2]) * extentBytes, (Number(m[3]) - Number(m[2]) + 1) * extentBytes];
}

/** An LV's first `len` bytes read straight from the image files through its segments. */
async function legBytes(vgLv: string, len: number): Promise<Buffer> {
  const [dev, off] = await pvRange(vgLv);
  const b = Buffer.alloc(len);
  const fd = openSync(join(lab.devDir, dev), 'r');
  readSync(fd, b, 0, len, off);
  closeSync(fd);
  return b;
}

async function settle(vgLv: string): Promise<void> {
  await lab.ok('lvconvert', '-i', '0', vgLv);
  for (let i = 0; i < 100 && (await lab.lvField(vgLv, 'copy_percent')) !== '100.00'; i++) await new Promise((r) => setTimeout(r, 100));
}

beforeEach(async () => {
  lab = new CliLab('tsvm-mlf-');
  lab.prepareDevs(4, 200);
  await lab.ok('pvcreate', '/dev/loop0', '/dev/loop1', '/dev/loop2', '/dev/loop3');
  await lab.ok('vgcreate', 'vg', '/dev/loop0', '/dev/loop1', '/dev/loop2', '/dev/loop3');
  extentBytes = Number((await lab.ok('vgs', '--noheadings', '--units', 'b', '--nosuffix', '-o', 'vg_extent_size', 'vg')).stdout.trim());
  await lab.ok('lvcreate', '-L', '20m', '-n', 'lv', 'vg', '/dev/loop0');
  data = randomBytes(20 * MiB);
  await write('vg/lv', data, 0);
  await lab.ok('lvconvert', '-y', '--type', 'mirror', '-m', '1', 'vg/lv', '/dev/loop1', '/dev/loop2');
  expect(await lab.lvField('vg/lv_mlog', 'devices', '-a')).toBe('/dev/loop2(0)');
});
afterEach(() => lab.cleanup());

/** EIO on every write to the log's extents (found from seg_pe_ranges and pe_start). */
async function failLogWrites(): Promise<void> {
  const [dev, off, len] = await pvRange('vg/lv_mlog');
  await lab.ok('fault', 'add', `/dev/${dev}`, '--error', '--write', '--offset', String(off), '--length', String(len));
}

describe('mirror_log_fault_policy on a log write error (tsvm fault on the _mlog extents)', () => {
  it('allocate (the default): the log is replaced on another PV, the dd goes on, the legs agree', async () => {
    await failLogWrites();
    const more = randomBytes(8 * MiB);
    const r = await write('vg/lv', more, 4);
    more.copy(data, 4 * MiB);
    expect(r.stderr).toContain('  Log device vg/lv_mlog has failed (D).\n  Device failure in vg-lv.\n');
    expect(r.stderr).toContain('  Mirror log status: 1 of 1 images failed.\n');
    expect(r.stderr).toContain('  Repair of mirrored device vg-lv finished successfully.\n');
    expect(r.stderr).toMatch(/^8\+0 records out$/m);
    await settle('vg/lv');
    expect(await lab.lvField('vg/lv', 'mirror_log')).toBe('[lv_mlog]');
    expect(await lab.lvField('vg/lv_mlog', 'devices', '-a')).toBe('/dev/loop3(0)');
    expect(await lab.lvField('vg/lv', 'copy_percent')).toBe('100.00');
    for (const img of ['vg/lv_mimage_0', 'vg/lv_mimage_1']) expect((await legBytes(img, 20 * MiB)).equals(data)).toBe(true);
  });

  it('remove: the mirror goes on with a core log', async () => {
    writeFileSync(join(lab.systemDir, 'lvm.conf'), 'activation {\n\tmirror_log_fault_policy = "remove"\n}\n');
    await failLogWrites();
    const more = randomBytes(8 * MiB);
    const r = await write('vg/lv', more, 4);
    more.copy(data, 4 * MiB);
    expect(r.stderr).toContain('  Log device vg/lv_mlog has failed (D).\n  Device failure in vg-lv.\n');
    expect(r.stderr).toContain('  Mirror log status: 1 of 1 images failed.\n');
    expect(r.stderr).not.toContain('Trying to up-convert');
    expect(r.stderr).toContain('  Repair of mirrored device vg-lv finished successfully.\n');
    expect(r.stderr).toMatch(/^8\+0 records out$/m);
    expect(await lab.lvField('vg/lv', 'mirror_log')).toBe('');
    expect(await lab.lvField('vg/lv', 'lv_layout')).toBe('mirror');
    await settle('vg/lv');
    for (const img of ['vg/lv_mimage_0', 'vg/lv_mimage_1']) expect((await legBytes(img, 20 * MiB)).equals(data)).toBe(true);
  });

  it('monitoring = 0: the dd still completes (the log goes on in memory); the failed log is left for lvconvert --repair', async () => {
    writeFileSync(join(lab.systemDir, 'lvm.conf'), 'activation {\n\tmonitoring = 0\n}\n');
    await failLogWrites();
    const r = await write('vg/lv', randomBytes(2 * MiB), 4);
    expect(r.stderr).not.toContain('Device failure');
    expect(r.stderr).toMatch(/^2\+0 records out$/m);
    expect(await lab.lvField('vg/lv', 'mirror_log')).toBe('[lv_mlog]');
    const rep = await lab.ok('lvconvert', '-y', '--repair', 'vg/lv');
    expect(rep.stdout + rep.stderr).toContain('Mirror log status: 1 of 1 images failed.');
    expect(await lab.lvField('vg/lv_mlog', 'devices', '-a')).toBe('/dev/loop3(0)');
  });
});
