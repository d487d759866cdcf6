// Automatic fault handling (LVM2's dmeventd mirror plugin running `lvconvert --repair
// --use-policies`): a leg failing during I/O through `tsvm dd` is handled by
// activation/mirror_image_fault_policy and mirror_log_fault_policy from $TSVM_SYSTEM_DIR/lvm.conf,
// while the dd goes on. Legs are read straight from the image files.
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliLab } from './helpers/aux.js';

const MiB = 1024 * 1024;
const EXTENT = 4 * MiB;
const PE_START = MiB;

class Lab extends CliLab {
  file(name: string): string {
    return join(this.dir, name);
  }
  conf(text: string): void {
    writeFileSync(join(this.systemDir, 'lvm.conf'), text);
  }
  async write(lv: string, data: Buffer, offsetMiB = 0) {
    const f = this.file(`in-${Math.random()}`);
    writeFileSync(f, data);
    const r = await this.ok('dd', `if=${f}`, `of=/dev/${lv}`, 'bs=1M', `seek=${offsetMiB}`, 'conv=notrunc');
    rmSync(f);
    return r;
  }
  async read(lv: string, lenMiB: number): Promise<Buffer> {
    const f = this.file(`out-${Math.random()}`);
    await this.ok('dd', `if=/dev/${lv}`, `of=${f}`, 'bs=1M', `count=${lenMiB}`, 'status=none');
    const b = readFileSync(f);
    rmSync(f);
    return b;
  }
  /** An LV's bytes read from the PV image files through its segments (as lvs reports them). */
  async legBytes(vgLv: string, len: number): Promise<Buffer> {
    const r = await this.ok('lvs', '-a', '--segments', '--noheadings', '--separator', ',', '-o', 'seg_start_pe,seg_pe_ranges', vgLv);
    const out = Buffer.alloc(len);
    for (const line of r.stdout.trim().split('\n')) {
      const [startLe, ranges] = line.trim().split(',');
      const m = /^\/dev\/([^:]+):(\d+)-(\d+)$/.exec(ranges!.trim())!;
      const segStart = Number(startLe) * EXTENT;
      const n = Math.min(len - segStart, (Number(m[3]) - Number(m[2]) + 1) * EXTENT);
      if (n <= 0) continue;
      const fd = openSync(join(this.devDir, m[1]!), 'r');
      readSync(fd, out, segStart, n, PE_START + Number(m[2]) * EXTENT);
      closeSync(fd);
    }
    return out;
  }
  async settle(vgLv: string): Promise<void> {
    await this.ok('lvconvert', '-i', '0', vgLv);
    for (let i = 0; i < 100 && (await this.lvField(vgLv, 'copy_percent')) !== '100.00'; i++) await new Promise((r) => setTimeout(r, 100));
  }
}

let lab: Lab;
let data: Buffer;
beforeEach(async () => {
  lab = new Lab('tsvm-mfp-');
  lab.prepareDevs(4, 200);
  await lab.ok('pvcreate', '/dev/loop0', '/dev/loop1', '/dev/loop2', '/dev/loop3');
  await lab.ok('vgcreate', 'vg', '/dev/loop0', '/dev/loop1', '/dev/loop2', '/dev/loop3');
  await lab.ok('lvcreate', '-L', '20m', '-n', 'lv', 'vg', '/dev/loop0');
  data = randomBytes(20 * MiB);
  await lab.write('vg/lv', data);
  await lab.ok('lvconvert', '-y', '--type', 'mirror', '-m', '1', 'vg/lv', '/dev/loop1', '/dev/loop2');
});
afterEach(() => lab.cleanup());

describe('mirror_image_fault_policy', () => {
  it('remove (the default): a leg failing with EIO during a dd is dropped, the mirror becomes linear, data on the survivor', async () => {
    await lab.ok('fault', 'add', '/dev/loop1', '--error', '--write');
    const more = randomBytes(8 * MiB);
    const r = await lab.write('vg/lv', more, 4);
    more.copy(data, 4 * MiB);
    expect(r.stderr).toContain('  Secondary mirror device vg/lv_mimage_1 has failed (D).\n  Device failure in vg-lv.\n');
    expect(r.stderr).toContain('  Mirror status: 1 of 2 images failed.\n');
    expect(r.stderr).toContain('  Repair of mirrored device vg-lv finished successfully.\n');
    expect(r.stderr).not.toContain('Trying to up-convert');
    expect(r.stderr).toMatch(/^8\+0 records out$/m);
    expect(await lab.lvField('vg/lv', 'lv_layout')).toBe('linear');
    expect(await lab.lvField('vg/lv', 'devices')).toBe('/dev/loop0(0)');
    expect((await lab.run('lvs', '-a', '--noheadings', '-o', 'name', 'vg')).stdout.trim()).toBe('lv');
    expect((await lab.legBytes('vg/lv', 20 * MiB)).equals(data)).toBe(true);
    await lab.ok('fault', 'clear');
    expect((await lab.read('vg/lv', 20)).equals(data)).toBe(true);
  });

  it('allocate: the failed leg is replaced from free extents (never the failing PV) and resynced byte-identical', async () => {
    lab.conf('activation {\n\tmirror_image_fault_policy = "allocate"\n}\n');
    await lab.ok('fault', 'add', '/dev/loop1', '--error', '--write');
    const more = randomBytes(8 * MiB);
    const r = await lab.write('vg/lv', more, 4);
    more.copy(data, 4 * MiB);
    expect(r.stderr).toContain('  Mirror status: 1 of 2 images failed.\n');
    expect(r.stderr).toContain('  WARNING: Trying to up-convert to 2 images, 1 logs.\n');
    expect(r.stderr).toContain('  Repair of mirrored device vg-lv finished successfully.\n');
    await lab.settle('vg/lv');
    expect(await lab.lvField('vg/lv', 'lv_layout')).toBe('mirror');
    expect(await lab.lvField('vg/lv', 'copy_percent')).toBe('100.00');
    const devs = (await lab.run('lvs', '-a', '--noheadings', '-o', 'devices', 'vg')).stdout;
    expect(devs).not.toContain('loop1');
    // The writes after the repair went through the new layout; the copy brought the new leg up to date.
    for (const img of ['vg/lv_mimage_0', 'vg/lv_mimage_1']) expect((await lab.legBytes(img, 20 * MiB)).equals(data)).toBe(true);
    await lab.ok('fault', 'clear');
    expect((await lab.read('vg/lv', 20)).equals(data)).toBe(true);
  });

  it('an image that is gone (PV missing) is handled the same way on the next dd', async () => {
    rmSync(join(lab.devDir, 'loop1'));
    const more = randomBytes(2 * MiB);
    const r = await lab.write('vg/lv', more, 10);
    more.copy(data, 10 * MiB);
    expect(r.stderr).toContain('Device failure in vg-lv.');
    expect(r.stderr).toContain('Mirror status: 1 of 2 images failed.');
    expect(await lab.lvField('vg/lv', 'lv_layout')).toBe('linear');
    expect((await lab.legBytes('vg/lv', 20 * MiB)).equals(data)).toBe(true);
  });

  it('activation/monitoring = 0: nothing automatic, the leg stays failed until lvconvert --repair', async () => {
    lab.conf('activation {\n\tmonitoring = 0\n}\n');
    await lab.ok('fault', 'add', '/dev/loop1', '--error', '--write');
    const r = await lab.write('vg/lv', randomBytes(MiB), 4);
    expect(r.stderr).not.toContain('Device failure');
    expect(await lab.lvField('vg/lv', 'lv_layout')).toBe('mirror');
    expect(await lab.lvField('vg/lv_mimage_1', 'lv_attr', '-a')).toMatch(/^I/);
  });

  it('lvchange --monitor n stops the automatic handling for that LV until --monitor y (seg_monitor says so)', async () => {
    expect(await lab.lvField('vg/lv', 'seg_monitor')).toBe('monitored');
    await lab.ok('lvchange', '--monitor', 'n', 'vg/lv');
    expect(await lab.lvField('vg/lv', 'seg_monitor')).toBe('not monitored');
    expect((await lab.ok('lvdisplay', '-m', 'vg/lv')).stdout).toContain('  Monitoring\t\tnot monitored\n');
    await lab.ok('fault', 'add', '/dev/loop1', '--error', '--write');
    const r = await lab.write('vg/lv', randomBytes(MiB), 4);
    expect(r.stderr).not.toContain('Device failure');
    expect(await lab.lvField('vg/lv', 'lv_layout')).toBe('mirror');
    await lab.ok('fault', 'clear');
    await lab.ok('lvchange', '--monitor', 'y', 'vg/lv');
    expect(await lab.lvField('vg/lv', 'seg_monitor')).toBe('monitored');
    // deactivation drops the registration: the next activation monitors by activation/monitoring
    await lab.ok('lvchange', '-an', '--monitor', 'n', 'vg/lv');
    expect(await lab.lvField('vg/lv', 'seg_monitor')).toBe('');
    await lab.ok('lvchange', '-ay', 'vg/lv');
    expect(await lab.lvField('vg/lv', 'seg_monitor')).toBe('monitored');
    expect((await lab.ok('vgchange', '--monitor', 'n', 'vg')).stdout).toMatch(/logical volume\(s\) in volume group "vg" unmonitored/);
    expect(await lab.lvField('vg/lv', 'seg_monitor')).toBe('not monitored');
  });
});

describe('mirror_log_fault_policy', () => {
  // (A log whose PV is gone; an I/O error on the log's own writes: mirror-log-fault.test.ts.)
  it('allocate (the default): a log whose PV is gone is replaced on another PV; the legs stay', async () => {
    rmSync(join(lab.devDir, 'loop2'));
    const more = randomBytes(4 * MiB);
    const r = await lab.write('vg/lv', more, 2);
    more.copy(data, 2 * MiB);
    expect(r.stderr).toContain('  Log device vg/lv_mlog has failed (D).\n  Device failure in vg-lv.\n');
    expect(r.stderr).toContain('  Mirror log status: 1 of 1 images failed.\n');
    expect(r.stderr).toContain('  Repair of mirrored device vg-lv finished successfully.\n');
    await lab.settle('vg/lv');
    expect(await lab.lvField('vg/lv', 'mirror_log')).toBe('[lv_mlog]');
    expect(await lab.lvField('vg/lv_mlog', 'devices', '-a')).toBe('/dev/loop3(0)');
    for (const img of ['vg/lv_mimage_0', 'vg/lv_mimage_1']) expect((await lab.legBytes(img, 20 * MiB)).equals(data)).toBe(true);
  });

  it('remove: a failed disk log becomes a core log', async () => {
    lab.conf('activation {\n\tmirror_log_fault_policy = "remove"\n}\n');
    rmSync(join(lab.devDir, 'loop2'));
    const r = await lab.write('vg/lv', randomBytes(MiB), 2);
    expect(r.stderr).toContain('Mirror log status: 1 of 1 images failed.');
    expect(r.stderr).not.toContain('Trying to up-convert');
    expect(await lab.lvField('vg/lv', 'mirror_log')).toBe('');
    expect(await lab.lvField('vg/lv', 'lv_layout')).toBe('mirror');
  });
});
