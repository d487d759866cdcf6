// LVs as real kernel block devices (root, /dev/fuse, loop devices, libnbd-bin, e2fsprogs, fuse2fs;
// each test says why it skips where the machine lacks them): the seed lab verbatim, a split of a
// mounted ext4 that e2fsck finds clean, a mirror leg's image deleted under a mounted filesystem,
// and the unprivileged recipe (nbdfuse on the unix socket + fuse2fs). Every test leaves no daemon,
// loop device or mount behind, failed or not (CliLab.cleanup unmounts and stops the daemon).
import { afterEach, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { CliLab } from './helpers/aux.js';

function has(tool: string): boolean {
  return (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin']).some((d) => d && existsSync(join(d, tool)));
}
function missing(): string {
  if (process.getuid?.() !== 0) return 'not root';
  if (!existsSync('/dev/fuse')) return 'no /dev/fuse';
  if (!existsSync('/dev/loop-control')) return 'no loop devices';
  const tools = ['nbdfuse', 'losetup', 'mkfs.ext4', 'e2fsck', 'fsfreeze', 'fuse2fs'].filter((t) => !has(t));
  return tools.length ? `${tools.join(', ')} not installed (apt-get install libnbd-bin e2fsprogs fuse2fs fuse3)` : '';
}
const why = missing();
const skip = why ? ` (skipped: ${why})` : '';

const mounts: string[] = [];
let lab: CliLab | null = null;

async function mount(dev: string, dir: string, ...opts: string[]): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await execa('mount', [...opts, dev, dir]);
  mounts.push(dir);
}
async function umount(dir: string): Promise<void> {
  await execa('umount', [dir]);
  mounts.splice(mounts.indexOf(dir), 1);
}

afterEach(async () => {
  for (const m of mounts.splice(0).reverse()) await execa('umount', ['-l', m], { reject: false });
  lab?.cleanup();
  lab = null;
});

function kernelLab(): CliLab {
  const l = new CliLab('tsvm-kdev-');
  l.extraEnv = { TSVM_NO_KERNEL_DEVICES: '' };
  return l;
}
const dev = (l: CliLab, lv: string) => join(l.devDir, 'vg', lv);

describe(`LVs as kernel block devices${skip}`, () => {
  it.skipIf(!!why)('the seed lab verbatim prints Hello, World! from the mounted backup and leaves nothing behind', async () => {
    const r = await execa('bash', [resolve(__dirname, '../scripts/seed-lab.sh')], { reject: false, env: { TMPDIR: process.env.TMPDIR ?? '/tmp', TSVM_NO_KERNEL_DEVICES: '' } });
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/# cat \/mnt\/hello.txt\nHello, World!\n/);
    expect(r.stdout).toMatch(/lv_data +vg_webapp mwi-aom--- 20.00g/);
    expect((await execa('losetup', ['-a'])).stdout).not.toMatch(/tsvm-lab/);
  });

  it.skipIf(!!why)('a split of a mounted, written ext4 mirror: e2fsck -fn on the copy is clean and the files read back', async () => {
    lab = kernelLab();
    lab.prepareDevs(3, 300);
    await lab.ok('pvcreate', '/dev/loop0', '/dev/loop1', '/dev/loop2');
    await lab.ok('vgcreate', 'vg', '/dev/loop0', '/dev/loop1', '/dev/loop2');
    await lab.ok('lvcreate', '--type', 'mirror', '-m', '1', '-L', '128m', '-n', 'lv', 'vg');
    await execa('mkfs.ext4', ['-q', dev(lab, 'lv')]);
    const m = join(lab.dir, 'm');
    await mount(dev(lab, 'lv'), m);
    const files = new Map<string, Buffer>();
    for (let i = 0; i < 20; i++) {
      const b = randomBytes(100_000 + i * 1000);
      writeFileSync(join(m, `f${i}`), b);
      files.set(`f${i}`, b);
    }
    await execa('sync');
    expect((await lab.run('lvremove', '-y', 'vg/lv')).stderr).toBe('  Logical volume vg/lv contains a filesystem in use.');
    await lab.ok('lvconvert', '--splitmirrors', '1', '--name', 'copy', 'vg/lv');
    writeFileSync(join(m, 'after'), 'written after the split');
    const fsck = await execa('e2fsck', ['-fn', dev(lab, 'copy')], { reject: false });
    expect(fsck.exitCode, fsck.stdout + fsck.stderr).toBe(0);
    const c = join(lab.dir, 'c');
    await mount(dev(lab, 'copy'), c, '-o', 'ro');
    for (const [name, b] of files) expect(readFileSync(join(c, name)).equals(b)).toBe(true);
    expect(existsSync(join(c, 'after'))).toBe(false);
    await umount(c);
    await umount(m);
    await lab.ok('vgchange', '-an', 'vg');
    expect((await execa('losetup', ['-a'])).stdout).not.toContain(lab.dir);
  });

  it.skipIf(!!why)('a leg image deleted under a mounted ext4: I/O goes on, the filesystem is clean, repair restores redundancy', async () => {
    lab = kernelLab();
    lab.prepareDevs(4, 200);
    await lab.ok('pvcreate', '/dev/loop0', '/dev/loop1', '/dev/loop2', '/dev/loop3');
    await lab.ok('vgcreate', 'vg', '/dev/loop0', '/dev/loop1', '/dev/loop2', '/dev/loop3');
    await lab.ok('lvcreate', '--type', 'mirror', '-m', '1', '-L', '64m', '-n', 'lv', 'vg', '/dev/loop0', '/dev/loop1', '/dev/loop2');
    await execa('mkfs.ext4', ['-q', dev(lab, 'lv')]);
    const m = join(lab.dir, 'm');
    await mount(dev(lab, 'lv'), m);
    writeFileSync(join(m, 'before'), randomBytes(1_000_000));
    await execa('sync');
    rmSync(join(lab.devDir, 'loop1'));
    const later = randomBytes(2_000_000);
    writeFileSync(join(m, 'later'), later);
    await execa('sync');
    expect(readFileSync(join(m, 'later')).equals(later)).toBe(true);
    await umount(m);
    const fsck = await execa('e2fsck', ['-fn', dev(lab, 'lv')], { reject: false });
    expect(fsck.exitCode, fsck.stdout + fsck.stderr).toBe(0);
    // The fault policy (mirror_image_fault_policy = remove, LVM2's default) left the LV on its
    // good leg; the VG drops the missing PV and a new leg restores redundancy.
    await lab.ok('vgreduce', '--removemissing', '--force', 'vg');
    await lab.ok('lvconvert', '-y', '-i', '0', '--type', 'mirror', '-m', '1', 'vg/lv', '/dev/loop3', '/dev/loop2');
    expect(await lab.lvField('vg/lv', 'lv_attr')).toMatch(/^mwi-a-m---$/);
    expect(await lab.lvField('vg/lv', 'copy_percent')).toBe('100.00');
    await mount(dev(lab, 'lv'), m);
    expect(readFileSync(join(m, 'later')).equals(later)).toBe(true);
    await umount(m);
    await lab.ok('vgchange', '-an', 'vg');
  });

  it.skipIf(!!why)('the unprivileged recipe: nbdfuse on the unix socket and fuse2fs, with no kernel device', async () => {
    lab = new CliLab('tsvm-fuse2fs-');
    lab.prepareDevs(1, 100);
    await lab.ok('pvcreate', '/dev/loop0');
    await lab.ok('vgcreate', 'vg', '/dev/loop0');
    await lab.ok('lvcreate', '-L', '32m', '-n', 'lv', 'vg');
    const uri = (await lab.ok('nbd', 'uri', 'vg/lv')).stdout.trim();
    const f = join(lab.dir, 'nbd');
    mkdirSync(f);
    const nbdfuse = execa('nbdfuse', [join(f, 'lv'), uri], { reject: false });
    try {
      for (let i = 0; i < 100 && !existsSync(join(f, 'lv')); i++) await new Promise((r) => setTimeout(r, 50));
      mounts.push(f);
      await execa('mkfs.ext4', ['-q', '-F', join(f, 'lv')]);
      const m = join(lab.dir, 'm');
      mkdirSync(m);
      await execa('fuse2fs', [join(f, 'lv'), m, '-o', 'fakeroot']);
      mounts.push(m);
      writeFileSync(join(m, 'hello.txt'), 'Hello, World!\n');
      expect(readdirSync(m)).toContain('hello.txt');
      await umount(m);
      const fsck = await execa('e2fsck', ['-fn', join(f, 'lv')], { reject: false });
      expect(fsck.exitCode, fsck.stdout).toBe(0);
      expect(await lab.lvField('vg/lv', 'lv_attr')).toBe('-wi-ao----');
    } finally {
      await execa('umount', [f], { reject: false });
      mounts.splice(mounts.indexOf(f), 1);
      nbdfuse.kill();
      await nbdfuse;
    }
  });
});
