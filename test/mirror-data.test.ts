// Byte-level end-to-end tests of the mirror engine (LVM2's lvconvert-mirror*.sh, mirror-names.sh,
// lvconvert-repair*.sh in spirit): every leg is read straight from the image files at the offsets
// `lvs` reports, and compared with what was written through the LV.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliLab } from './helpers/aux.js';

const MiB = 1024 * 1024;

class MirrorLab extends CliLab {
  file(name: string): string {
    return join(this.dir, name);
  }
  /** Write `data` into vg/lv at byte `offset` through tsvm dd. */
  async write(lv: string, data: Buffer, offsetMiB = 0): Promise<void> {
    const f = this.file(`in-${Date.now()}-${Math.random()}`);
    writeFileSync(f, data);
    await this.ok('dd', `if=${f}`, `of=/dev/${lv}`, 'bs=1M', `seek=${offsetMiB}`, 'conv=notrunc', 'status=none');
    rmSync(f);
  }
  async read(lv: string, lenMiB: number, offsetMiB = 0): Promise<Buffer> {
    const f = this.file(`out-${Date.now()}-${Math.random()}`);
    await this.ok('dd', `if=/dev/${lv}`, `of=${f}`, 'bs=1M', `skip=${offsetMiB}`, `count=${lenMiB}`, 'status=none');
    const b = readFileSync(f);
    rmSync(f);
    return b;
  }
  async images(vgLv: string): Promise<string[]> {
    const [vg] = vgLv.split('/');
    const dev = await this.lvField(vgLv, 'devices');
    return dev.split(',').map((d) => `${vg}/${d.replace(/\(\d+\)$/, '')}`);
  }
  /** Wait until no background syncer for the VG's mirrors is left and Cpy%Sync is 100. */
  async settle(vgLv: string): Promise<void> {
    await this.ok('lvconvert', '-i', '0', vgLv);
    for (let i = 0; i < 100; i++) {
      const p = await this.lvField(vgLv, 'copy_percent');
      if (p === '100.00' || p === '') return;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

let lab: MirrorLab;
beforeEach(async () => {
  lab = new MirrorLab('tsvm-mirror-');
  lab.prepareDevs(4, 200);
  await lab.ok('pvcreate', '/dev/loop0', '/dev/loop1', '/dev/loop2', '/dev/loop3');
  await lab.ok('vgcreate', 'vg', '/dev/loop0', '/dev/loop1', '/dev/loop2', '/dev/loop3');
});
afterEach(() => lab.cleanup());

describe('lvconvert --type mirror of an LV holding data', () => {
  it('copies every byte to the new leg, writes a dm-log style log, and reports 100.00', async () => {
    await lab.ok('lvcreate', '-L', '40m', '-n', 'lv', 'vg');
    const data = randomBytes(40 * MiB);
    await lab.write('vg/lv', data);
    const r = await lab.ok('lvconvert', '-y', '--type', 'mirror', '-m', '1', 'vg/lv');
    expect(r.stdout).toContain('  Logical volume vg/lv being converted.');
    expect(r.stdout).toMatch(/vg\/lv: Converted: 100\.00%\n?$/);
    expect(await lab.images('vg/lv')).toEqual(['vg/lv_mimage_0', 'vg/lv_mimage_1']);
    for (const img of await lab.images('vg/lv')) expect((await lab.legBytes(img, 0, 40 * MiB)).equals(data)).toBe(true);
    expect(await lab.lvField('vg/lv', 'copy_percent')).toBe('100.00');
    expect(await lab.lvField('vg/lv', 'lv_attr')).toBe('mwi-a-m---');
    expect(await lab.lvField('vg/lv_mimage_1', 'lv_attr', '-a')).toBe('iwi-aom---');
    const log = await lab.legBytes('vg/lv_mlog', 0, 2048);
    expect(log.readUInt32LE(0)).toBe(0x4d695272); // "MiRr"
    expect(log.readBigUInt64LE(8)).toBe(20n); // 40 MiB / 2 MiB regions
    expect(log.readUInt32LE(1024) & 0xfffff).toBe(0xfffff); // 20 regions in sync
  });

  it('writes through the mirror reach every leg; reads come back', async () => {
    await lab.ok('lvcreate', '-L', '40m', '-n', 'lv', 'vg');
    await lab.ok('lvconvert', '-y', '--type', 'mirror', '-m', '2', 'vg/lv');
    const chunk = randomBytes(3 * MiB);
    await lab.write('vg/lv', chunk, 7);
    for (const img of await lab.images('vg/lv')) expect((await lab.legBytes(img, 7 * MiB, 3 * MiB)).equals(chunk)).toBe(true);
    expect((await lab.read('vg/lv', 3, 7)).equals(chunk)).toBe(true);
    expect(await lab.lvField('vg/lv', 'copy_percent')).toBe('100.00');
  });

  it('an inactive LV waits: "Conversion starts after activation." and syncs on lvchange -ay', async () => {
    await lab.ok('lvcreate', '-L', '20m', '-n', 'lv', 'vg');
    const data = randomBytes(20 * MiB);
    await lab.write('vg/lv', data);
    await lab.ok('lvchange', '-an', 'vg/lv');
    const r = await lab.ok('lvconvert', '-y', '--type', 'mirror', '-m', '1', 'vg/lv');
    expect(r.stdout).toBe('  Logical volume vg/lv being converted.\n  Conversion starts after activation.');
    expect(await lab.lvField('vg/lv_mimage_1', 'lv_attr', '-a')).toBe('Iwi---m---');
    await lab.ok('lvchange', '-ay', 'vg/lv');
    await lab.settle('vg/lv');
    expect((await lab.legBytes('vg/lv_mimage_1', 0, 20 * MiB)).equals(data)).toBe(true);
  });
});

describe('lvconvert -m +1 goes through the _mimagetmp layer', () => {
  it('shows c and [lv_mimagetmp_2] until the new leg is in sync, then a flat 3-leg mirror', async () => {
    await lab.ok('lvcreate', '-L', '20m', '-n', 'lv', 'vg');
    const data = randomBytes(20 * MiB);
    await lab.write('vg/lv', data);
    await lab.ok('lvconvert', '-y', '--type', 'mirror', '-m', '1', 'vg/lv');
    // Inactive, the layer stays until activation: observe it.
    await lab.ok('lvchange', '-an', 'vg/lv');
    const r = await lab.ok('lvconvert', '-y', '-m', '+1', 'vg/lv');
    expect(r.stdout).toBe('  Logical volume vg/lv being converted.\n  Conversion starts after activation.');
    expect(await lab.lvField('vg/lv', 'lv_attr')).toBe('cwi---m---');
    expect(await lab.lvField('vg/lv', 'convert_lv')).toBe('[lv_mimagetmp_2]');
    expect(await lab.lvField('vg/lv', 'devices')).toBe('lv_mimagetmp_2(0),lv_mimage_2(0)');
    expect(await lab.lvField('vg/lv_mimagetmp_2', 'devices', '-a')).toBe('lv_mimage_0(0),lv_mimage_1(0)');
    expect(await lab.lvField('vg/lv_mimagetmp_2', 'mirror_log', '-a')).toBe('[lv_mlog]');
    await lab.ok('lvchange', '-ay', 'vg/lv');
    await lab.settle('vg/lv');
    expect(await lab.lvField('vg/lv', 'devices')).toBe('lv_mimage_0(0),lv_mimage_1(0),lv_mimage_2(0)');
    expect(await lab.lvField('vg/lv', 'mirror_log')).toBe('[lv_mlog]');
    for (const img of await lab.images('vg/lv')) expect((await lab.legBytes(img, 0, 20 * MiB)).equals(data)).toBe(true);
  });

  it('-m -1 and -m 0 keep the data on the remaining leg', async () => {
    await lab.ok('lvcreate', '-L', '20m', '-n', 'lv', 'vg');
    const data = randomBytes(20 * MiB);
    await lab.write('vg/lv', data);
    await lab.ok('lvconvert', '-y', '--type', 'mirror', '-m', '2', 'vg/lv');
    expect((await lab.ok('lvconvert', '-y', '-m', '-1', 'vg/lv')).stdout).toBe('  Logical volume vg/lv converted.');
    expect(await lab.images('vg/lv')).toEqual(['vg/lv_mimage_0', 'vg/lv_mimage_1']);
    await lab.ok('lvconvert', '-y', '-m', '0', 'vg/lv', '/dev/loop0');
    expect(await lab.lvField('vg/lv', 'devices')).toBe('/dev/loop1(0)');
    expect((await lab.read('vg/lv', 20)).equals(data)).toBe(true);
  });
});

describe('lvconvert --splitmirrors', () => {
  it('the split LV holds the data of the split instant; later writes stay on their side', async () => {
    await lab.ok('lvcreate', '-L', '20m', '-n', 'lv', 'vg');
    const data = randomBytes(20 * MiB);
    await lab.write('vg/lv', data);
    await lab.ok('lvconvert', '-y', '--type', 'mirror', '-m', '1', 'vg/lv');
    expect((await lab.ok('lvconvert', '--splitmirrors', '1', '--name', 'copy', 'vg/lv')).stdout).toBe('  Logical volume vg/lv converted.');
    expect(await lab.lvField('vg/lv', 'lv_attr')).toBe('-wi-a-----');
    expect(await lab.lvField('vg/copy', 'lv_attr')).toBe('-wi-a-----');
    const a = randomBytes(MiB);
    const b = randomBytes(MiB);
    await lab.write('vg/lv', a, 3);
    await lab.write('vg/copy', b, 5);
    const lv = await lab.read('vg/lv', 20);
    const copy = await lab.read('vg/copy', 20);
    const wantLv = Buffer.from(data);
    a.copy(wantLv, 3 * MiB);
    const wantCopy = Buffer.from(data);
    b.copy(wantCopy, 5 * MiB);
    expect(lv.equals(wantLv)).toBe(true);
    expect(copy.equals(wantCopy)).toBe(true);
  });

  it('refuses while not in sync, and needs --name', async () => {
    await lab.ok('lvcreate', '-L', '20m', '-n', 'lv', 'vg');
    await lab.ok('lvchange', '-an', 'vg/lv');
    await lab.ok('lvconvert', '-y', '--type', 'mirror', '-m', '1', 'vg/lv');
    await lab.ok('lvchange', '-ay', 'vg/lv');
    lab.extraEnv = { TSVM_NO_AUTOSYNC: '1' };
    // The syncer started by activation may already be done: make the log say "out of sync" again.
    await lab.ok('lvchange', '-y', '--resync', 'vg/lv');
    const s = await lab.run('lvconvert', '--splitmirrors', '1', '--name', 'x', 'vg/lv');
    if (s.exitCode !== 0) expect(s.stderr).toBe('  Unable to split mirror vg/lv that is not in-sync.');
    const n = await lab.run('lvconvert', '--splitmirrors', '1', 'vg/lv');
    expect(n.exitCode).toBe(3);
  });

  it('splitting 2 of 3 images makes a new mirror with a core log', async () => {
    await lab.ok('lvcreate', '-L', '12m', '-n', 'lv', 'vg');
    await lab.ok('lvconvert', '-y', '--type', 'mirror', '-m', '2', 'vg/lv');
    await lab.ok('lvconvert', '--splitmirrors', '2', '--name', 'two', 'vg/lv');
    expect(await lab.lvField('vg/two', 'devices')).toBe('two_mimage_0(0),two_mimage_1(0)');
    expect(await lab.lvField('vg/two', 'mirror_log')).toBe('');
    expect(await lab.lvField('vg/two', 'copy_percent')).toBe('100.00');
    expect(await lab.lvField('vg/lv', 'lv_layout')).toBe('linear');
  });
});

describe('failures and repair', () => {
  // Manual repair: without dmeventd's automatic policies (activation/monitoring = 0, as LVM2's
  // test suite runs); the policies themselves are tested in mirror-fault-policy.test.ts.
  beforeEach(() => writeFileSync(join(lab.systemDir, 'lvm.conf'), 'activation {\n\tmonitoring = 0\n}\n'));
  it('a leg whose image disappears mid-life: writes go on, lvs shows partial, --repair replaces it', async () => {
    await lab.ok('lvcreate', '-L', '20m', '-n', 'lv', 'vg', '/dev/loop0');
    const data = randomBytes(20 * MiB);
    await lab.write('vg/lv', data);
    await lab.ok('lvconvert', '-y', '--type', 'mirror', '-m', '1', 'vg/lv', '/dev/loop1', '/dev/loop2');
    rmSync(join(lab.devDir, 'loop1'));
    const more = randomBytes(2 * MiB);
    await lab.write('vg/lv', more, 4);
    more.copy(data, 4 * MiB);
    expect((await lab.read('vg/lv', 20)).equals(data)).toBe(true);
    const lvs = await lab.run('lvs', '-a', '-o', 'name,attr,devices', 'vg');
    expect(lvs.stdout).toMatch(/lv +mwi-a-m-p-/);
    expect(lvs.stderr).toMatch(/WARNING: Couldn't find device with uuid|is missing PV/);
    const rep = await lab.run('lvconvert', '-y', '--repair', 'vg/lv');
    expect(rep.exitCode, rep.stderr).toBe(0);
    expect(rep.stdout).toContain('Mirror status: 1 of 2 images failed.');
    expect(rep.stderr).toContain('WARNING: Trying to up-convert to 2 images, 1 logs.');
    await lab.settle('vg/lv');
    const imgs = await lab.images('vg/lv');
    expect(imgs.length).toBe(2);
    for (const img of imgs) expect((await lab.legBytes(img, 0, 20 * MiB)).equals(data)).toBe(true);
    expect(await lab.lvField('vg/lv', 'devices')).not.toContain('loop1');
  });

  it('a leg failing with EIO (tsvm fault) is dropped; the data stays right; repair resyncs a new leg', async () => {
    await lab.ok('lvcreate', '-L', '20m', '-n', 'lv', 'vg', '/dev/loop0');
    const data = randomBytes(20 * MiB);
    await lab.write('vg/lv', data);
    await lab.ok('lvconvert', '-y', '--type', 'mirror', '-m', '1', 'vg/lv', '/dev/loop1', '/dev/loop2');
    await lab.ok('fault', 'add', '/dev/loop1', '--error', '--write');
    const more = randomBytes(MiB);
    await lab.write('vg/lv', more, 9);
    more.copy(data, 9 * MiB);
    expect(await lab.lvField('vg/lv_mimage_1', 'lv_attr', '-a')).toMatch(/^I/);
    await lab.ok('fault', 'clear');
    const rep = await lab.ok('lvconvert', '-y', '--repair', 'vg/lv');
    expect(rep.stdout).toContain('Mirror status: 1 of 2 images failed.');
    await lab.settle('vg/lv');
    const imgs = await lab.images('vg/lv');
    expect(imgs.length).toBe(2);
    // The replacement never goes back onto the failing PV.
    expect(await lab.lvField('vg/lv_mimage_1', 'devices', '-a')).not.toContain('loop1');
    for (const img of imgs) expect((await lab.legBytes(img, 0, 20 * MiB)).equals(data)).toBe(true);
  });

  it('vgreduce --removemissing --force turns a mirror that lost a leg into a linear LV', async () => {
    await lab.ok('lvcreate', '-L', '8m', '-n', 'lv', 'vg', '/dev/loop0');
    const data = randomBytes(8 * MiB);
    await lab.write('vg/lv', data);
    await lab.ok('lvconvert', '-y', '--type', 'mirror', '-m', '1', '--mirrorlog', 'core', 'vg/lv', '/dev/loop1');
    rmSync(join(lab.devDir, 'loop1'));
    await lab.run('lvs', 'vg');
    const r = await lab.run('vgreduce', '--removemissing', '--force', 'vg');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('Wrote out consistent volume group vg.');
    expect(await lab.lvField('vg/lv', 'devices')).toBe('/dev/loop0(0)');
    expect((await lab.read('vg/lv', 8)).equals(data)).toBe(true);
  });
});

describe('logs, resync, create', () => {
  it('lvcreate --type mirror of a never-written LV syncs without copying', async () => {
    const r = await lab.ok('lvcreate', '--type', 'mirror', '-m', '1', '-L', '100m', '-n', 'm', 'vg');
    expect(r.stdout).toContain('Logical volume "m" created.');
    await lab.settle('vg/m');
    const uuid = (await lab.lvField('vg/m', 'lv_uuid')).trim();
    const stats = JSON.parse(readFileSync(join(lab.systemDir, 'run', `mirror-${uuid}.lastsync.json`), 'utf8'));
    expect(stats.regionsSynced).toBe(50);
    // only the first region (zeroed by lvcreate) had data to look at
    expect(stats.regionsCopied).toBeLessThanOrEqual(1);
  });

  it('--nosync: M attr, 100.00 at once, WARNING', async () => {
    const r = await lab.ok('lvcreate', '--type', 'mirror', '-m', '1', '--nosync', '-L', '8m', '-n', 'n', 'vg');
    expect(r.stderr).toContain("WARNING: New mirror won't be synchronised. Don't read what you didn't write!");
    expect(await lab.lvField('vg/n', 'lv_attr')).toBe('Mwi-a-m---');
    expect(await lab.lvField('vg/n', 'copy_percent')).toBe('100.00');
  });

  it('core log: deactivation forgets the sync state; activation resyncs everything', async () => {
    await lab.ok('lvcreate', '-L', '8m', '-n', 'lv', 'vg');
    const data = randomBytes(8 * MiB);
    await lab.write('vg/lv', data);
    await lab.ok('lvconvert', '-y', '--type', 'mirror', '-m', '1', '--corelog', 'vg/lv');
    const uuid = (await lab.lvField('vg/lv', 'lv_uuid')).trim();
    const core = join(lab.systemDir, 'run', `mirror-${uuid}.corelog`);
    expect(existsSync(core)).toBe(true);
    await lab.ok('lvchange', '-an', 'vg/lv');
    expect(existsSync(core)).toBe(false);
    await lab.ok('lvchange', '-ay', 'vg/lv');
    await lab.settle('vg/lv');
    const stats = JSON.parse(readFileSync(join(lab.systemDir, 'run', `mirror-${uuid}.lastsync.json`), 'utf8'));
    expect(stats.regionsSynced).toBe(4);
    for (const img of await lab.images('vg/lv')) expect((await lab.legBytes(img, 0, 8 * MiB)).equals(data)).toBe(true);
  });

  it('--mirrorlog core/disk keep the legs and the data', async () => {
    await lab.ok('lvcreate', '-L', '8m', '-n', 'lv', 'vg');
    await lab.ok('lvconvert', '-y', '--type', 'mirror', '-m', '1', 'vg/lv');
    expect((await lab.ok('lvconvert', '--mirrorlog', 'core', 'vg/lv')).stdout).toBe('  Logical volume vg/lv converted.');
    expect(await lab.lvField('vg/lv', 'copy_percent')).toBe('100.00');
    await lab.ok('lvconvert', '--mirrorlog', 'disk', 'vg/lv');
    expect(await lab.lvField('vg/lv', 'mirror_log')).toBe('[lv_mlog]');
    expect(await lab.lvField('vg/lv', 'copy_percent')).toBe('100.00');
  });

  it('-m without --type on a linear LV makes raid1 (global/mirror_segtype_default); "mirror" makes a mirror', async () => {
    await lab.ok('lvcreate', '-L', '8m', '-n', 'lv', 'vg');
    await lab.ok('lvconvert', '-y', '-m', '1', 'vg/lv');
    expect(await lab.lvField('vg/lv', 'segtype')).toBe('raid1');
    await lab.ok('lvcreate', '-L', '8m', '-n', 'lv2', 'vg');
    await lab.ok('lvconvert', '-y', '--config', 'global/mirror_segtype_default="mirror"', '-m', '1', 'vg/lv2');
    expect(await lab.lvField('vg/lv2', 'segtype')).toBe('mirror');
  });

  it('lvextend of a mirror: both images grow, the new range is synced, data kept', async () => {
    await lab.ok('lvcreate', '-L', '8m', '-n', 'lv', 'vg');
    const data = randomBytes(8 * MiB);
    await lab.write('vg/lv', data);
    await lab.ok('lvconvert', '-y', '--type', 'mirror', '-m', '1', 'vg/lv');
    const r = await lab.ok('lvextend', '-L', '+8m', 'vg/lv');
    expect(r.stdout).toContain('Extending 2 mirror images.');
    await lab.settle('vg/lv');
    const more = randomBytes(8 * MiB);
    await lab.write('vg/lv', more, 8);
    for (const img of await lab.images('vg/lv')) {
      expect((await lab.legBytes(img, 0, 8 * MiB)).equals(data)).toBe(true);
      expect((await lab.legBytes(img, 8 * MiB, 8 * MiB)).equals(more)).toBe(true);
    }
    expect(await lab.lvField('vg/lv', 'copy_percent')).toBe('100.00');
  });
});
