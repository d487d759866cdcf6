// An export as a real kernel block device, with existing tools and no driver of tsvm's (LVM2 gets
// its /dev nodes from device-mapper and udev): with the nbd module, `nbd-client` connects /dev/nbdN
// to the export; otherwise `nbdfuse` presents the export as a file on a FUSE mount and `losetup`
// makes that file a loop device. Then /dev/VG/LV and /dev/mapper/VG-LV link to it, in TSVM_DEV_DIR
// when set (as udev's links in /dev). Every step is asynchronous: the daemon serves the reads the
// kernel makes while a device is being set up. Needs root; `activation/nbd_kernel_device = 0`
// turns it off (the export is then the unix socket alone).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readlinkSync, readdirSync, rmSync, rmdirSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { unixUri } from './uri.js';

export interface KernelDevice {
  device: string;
  fuseFile?: string;
  links: string[];
  nbdfuse?: ChildProcess;
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${stderr.trim() || err.message}`));
      else resolve(stdout);
    });
  });
}

function onPath(cmd: string): boolean {
  return (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':').some((d) => d && existsSync(join(d, cmd)));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Why this machine cannot make kernel devices, or null when it can (and which way). */
export function kernelDeviceSupport(): { way: 'nbd' | 'fuse' } | { why: string } {
  if (process.getuid?.() !== 0) return { why: 'not running as root' };
  if (existsSync('/sys/module/nbd') && existsSync('/dev/nbd0') && onPath('nbd-client')) return { way: 'nbd' };
  if (!existsSync('/dev/fuse')) return { why: 'no /dev/fuse' };
  if (!existsSync('/dev/loop-control')) return { why: 'no loop devices (/dev/loop-control)' };
  for (const t of ['nbdfuse', 'losetup']) if (!onPath(t)) return { why: `${t} is not installed` };
  return { way: 'fuse' };
}

/** dm's name of VG/LV: dashes inside names doubled (vg-x/lv -> vg--x-lv). */
export function dmName(vgName: string, lvName: string): string {
  return `${vgName.replace(/-/g, '--')}-${lvName.replace(/-/g, '--')}`;
}

export async function attach(way: 'nbd' | 'fuse', kernelSocket: string, fuseRoot: string, lvUuid: string, exportName: string): Promise<KernelDevice> {
  if (way === 'nbd') return attachNbd(kernelSocket, exportName);
  const dir = join(fuseRoot, lvUuid);
  await detachStaleFuse(dir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, 'lv');
  const pidFile = `${dir}.pid`;
  rmSync(pidFile, { force: true });
  const child = spawn('nbdfuse', ['-P', pidFile, file, unixUri(kernelSocket, exportName)], { stdio: 'ignore' });
  let exited: string | null = null;
  child.on('exit', (code, sig) => (exited = `nbdfuse exited (${code ?? sig})`));
  for (let i = 0; i < 300 && !existsSync(pidFile); i++) {
    if (exited) throw new Error(exited);
    await sleep(20);
  }
  if (!existsSync(pidFile)) {
    child.kill('SIGKILL');
    throw new Error('nbdfuse did not start');
  }
  try {
    const device = (await run('losetup', ['-f', '--show', file])).trim();
    return { device, fuseFile: file, links: [], nbdfuse: child };
  } catch (e) {
    await unmountFuse(dir, child);
    throw e;
  }
}

async function attachNbd(kernelSocket: string, exportName: string): Promise<KernelDevice> {
  for (const name of readdirSync('/sys/block').filter((n) => /^nbd\d+$/.test(n))) {
    if (existsSync(`/sys/block/${name}/pid`)) continue;
    await run('nbd-client', ['-unix', kernelSocket, '-N', exportName, `/dev/${name}`, '-b', '4096']);
    return { device: `/dev/${name}`, links: [] };
  }
  throw new Error('no free /dev/nbdN');
}

export async function detach(k: KernelDevice, fuseRoot: string, lvUuid: string): Promise<void> {
  removeLinks(k);
  if (k.device.startsWith('/dev/nbd')) {
    await run('nbd-client', ['-d', k.device]).catch(() => undefined);
    return;
  }
  await run('losetup', ['-d', k.device]).catch(() => undefined);
  await unmountFuse(join(fuseRoot, lvUuid), k.nbdfuse);
}

async function unmountFuse(dir: string, child?: ChildProcess): Promise<void> {
  // The loop device lets go of the file asynchronously: retry while the mount is busy.
  for (let i = 0; i < 50; i++) {
    if (!isMountPoint(dir)) break;
    try {
      await run(onPath('fusermount3') ? 'fusermount3' : 'umount', onPath('fusermount3') ? ['-u', dir] : [dir]);
      break;
    } catch {
      await sleep(100);
    }
  }
  if (isMountPoint(dir)) await run('umount', ['-l', dir]).catch(() => undefined);
  child?.kill('SIGTERM');
  rmSync(`${dir}.pid`, { force: true });
  rmSync(dir, { recursive: true, force: true });
}

/** A FUSE mount left by a daemon that was killed: its loop devices and the mount go. */
async function detachStaleFuse(dir: string): Promise<void> {
  if (!isMountPoint(dir)) return;
  const file = join(dir, 'lv');
  const loops = (await run('losetup', ['-j', file]).catch(() => '')).split('\n').map((l) => l.split(':')[0]!).filter(Boolean);
  for (const l of loops) await run('losetup', ['-d', l]).catch(() => undefined);
  await unmountFuse(dir);
}

export function isMountPoint(dir: string): boolean {
  try {
    return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === dir);
  } catch {
    return false;
  }
}

/** /dev/VG/LV and /dev/mapper/VG-LV (under devRoot) pointing at the device. */
export function makeLinks(k: KernelDevice, devRoot: string, vgName: string, lvName: string): void {
  const want = [join(devRoot, vgName, lvName), join(devRoot, 'mapper', dmName(vgName, lvName))];
  if (want.join() === k.links.join()) return;
  removeLinks(k);
  for (const link of want) {
    mkdirSync(dirname(link), { recursive: true });
    rmSync(link, { force: true });
    symlinkSync(k.device, link);
  }
  k.links = want;
}

export function removeLinks(k: KernelDevice): void {
  for (const link of k.links) {
    try {
      if (readlinkSync(link) === k.device) rmSync(link, { force: true });
    } catch {
      /* gone already */
    }
    const parent = dirname(link);
    try {
      if (!readdirSync(parent).length && !parent.endsWith('/mapper')) rmdirSync(parent);
    } catch {
      /* not empty, or gone */
    }
  }
  k.links = [];
}
