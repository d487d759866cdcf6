// Activation serves LVs over NBD (src/nbd): the daemon, its sockets, what real NBD clients see and
// do (nbdinfo, nbdcopy, qemu-img from libnbd-bin and qemu-utils, skipped with the reason when not
// installed), LVM2's in-use refusals, layout changes while a client writes, and a daemon killed in
// the middle of writes. Byte checks read the PV image files directly (CliLab.legBytes).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliLab } from './helpers/aux.js';
import { NbdClient } from '../src/nbd/client.js';

const MiB = 1024 * 1024;

function has(tool: string): boolean {
  return (process.env.PATH ?? '').split(':').some((d) => d && existsSync(join(d, tool)));
}
const clients = ['nbdinfo', 'nbdcopy', 'qemu-img'].filter((t) => !has(t));
const realClients = clients.length ? `needs ${clients.join(', ')} (apt-get install libnbd-bin qemu-utils)` : '';

let lab: CliLab;
const sock = () => join(lab.systemDir, 'run', 'nbd', 'vg.sock');
const uri = (lv: string) => `nbd+unix:///vg/${lv}?socket=${sock()}`;
const open = (lv: string) => NbdClient.open({ socket: sock() }, `vg/${lv}`);
const daemonPid = () => Number(readFileSync(join(lab.systemDir, 'run', 'nbd', 'daemon.pid'), 'utf8'));
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
async function until(cond: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeEach(async () => {
  lab = new CliLab('tsvm-nbd-');
  lab.prepareDevs(3, 200);
  await lab.ok('pvcreate', '/dev/loop0', '/dev/loop1', '/dev/loop2');
  await lab.ok('vgcreate', 'vg', '/dev/loop0', '/dev/loop1', '/dev/loop2');
});
afterEach(() => lab.cleanup());

describe('activation serves the LV', () => {
  it('on the VG socket (mode 0600) while active; the daemon goes when nothing is active', async () => {
    await lab.ok('lvcreate', '-L', '16m', '-n', 'lv', 'vg');
    expect(statSync(sock()).mode & 0o777).toBe(0o600);
    const pid = daemonPid();
    const c = await open('lv');
    expect(c.size).toBe(16 * MiB);
    await c.disconnect();
    await lab.ok('lvchange', '-an', 'vg/lv');
    await expect(open('lv')).rejects.toThrow();
    await until(() => !alive(pid));
    expect(existsSync(sock())).toBe(false);
    await lab.ok('vgchange', '-ay', 'vg');
    const d = await open('lv');
    await d.disconnect();
  });

  it.skipIf(!!realClients)(`real clients: nbdinfo, nbdcopy both ways, qemu-img compare, on a linear and a mirror LV ${realClients}`, async () => {
    await lab.ok('lvcreate', '-L', '32m', '-n', 'lin', 'vg', '/dev/loop0');
    await lab.ok('lvcreate', '--type', 'mirror', '-m', '1', '-L', '32m', '-n', 'mir', 'vg');
    const info = await execa('nbdinfo', [uri('lin')]);
    expect(info.stdout).toMatch(/export-size: 33554432/);
    const src = join(lab.dir, 'src');
    const data = randomBytes(32 * MiB);
    writeFileSync(src, data);
    for (const lv of ['lin', 'mir']) {
      await execa('nbdcopy', [src, uri(lv)]);
      await execa('qemu-img', ['compare', '-f', 'raw', src, '-F', 'raw', uri(lv)]);
      const out = join(lab.dir, `out-${lv}`);
      await execa('nbdcopy', [uri(lv), out]);
      expect(readFileSync(out).equals(data)).toBe(true);
    }
    expect((await lab.legBytes('vg/lin', 0, 32 * MiB)).equals(data)).toBe(true);
    await until(async () => (await lab.lvField('vg/mir', 'copy_percent')) === '100.00');
    for (const leg of ['mir_mimage_0', 'mir_mimage_1']) expect((await lab.legBytes(`vg/${leg}`, 0, 32 * MiB)).equals(data)).toBe(true);
  });
});

describe('tsvm lsblk and tsvm nbd status', () => {
  it('draw the disks, the active LVs stacked on them, and what is served', async () => {
    await lab.ok('lvcreate', '-L', '8m', '-n', 'lin', 'vg', '/dev/loop0');
    await lab.ok('lvcreate', '--type', 'mirror', '-m', '1', '-L', '8m', '-n', 'mir', 'vg', '/dev/loop1', '/dev/loop2', '/dev/loop0');
    await lab.ok('lvcreate', '-an', '-Zn', '-L', '8m', '-n', 'off', 'vg', '/dev/loop0');
    const out = (await lab.ok('lsblk')).stdout;
    expect(out.split('\n')[0]).toMatch(/^NAME +MAJ:MIN +SIZE RO TYPE MOUNTPOINTS$/);
    expect(out).toContain('loop0');
    expect(out).toMatch(/├─vg-lin +8M +0 lvm/);
    expect(out).toMatch(/loop1 +200M +0 disk\n└─vg-mir_mimage_0 +8M +0 lvm\n  └─vg-mir +8M +0 lvm/);
    expect(out).not.toContain('vg-off');
    const status = (await lab.ok('nbd', 'status')).stdout;
    expect(status).toMatch(/vg\/lin .*vg\.sock/);
    expect(status).not.toContain('vg/off');
    expect((await lab.ok('nbd', 'uri', 'vg/lin')).stdout.trim()).toBe(`nbd+unix:///vg/lin?socket=${sock()}`);
  });
});

describe('TCP only where asked', () => {
  it('tsvm nbd listen ADDR [--readonly] serves over TCP, unlisten stops; no TCP listener by default', async () => {
    await lab.ok('lvcreate', '-L', '8m', '-n', 'lv', 'vg');
    const state = () => JSON.parse(readFileSync(join(lab.systemDir, 'run', 'nbd', 'state.json'), 'utf8')) as { listen: string[] };
    expect(state().listen).toEqual([]);
    const port = 20000 + Math.floor(Math.random() * 20000);
    await lab.ok('nbd', 'listen', `127.0.0.1:${port}`, '--readonly');
    expect(state().listen).toEqual([`127.0.0.1:${port} ro`]);
    const c = await NbdClient.open({ host: '127.0.0.1', port }, 'vg/lv');
    expect(c.readOnly).toBe(true);
    expect(c.size).toBe(8 * MiB);
    await c.disconnect();
    const rw = await open('lv'); // the unix socket stays read-write
    expect(rw.readOnly).toBe(false);
    await rw.disconnect();
    await lab.ok('nbd', 'unlisten', `127.0.0.1:${port}`);
    await expect(NbdClient.open({ host: '127.0.0.1', port }, 'vg/lv')).rejects.toThrow();
    expect((await lab.run('nbd', 'listen', 'nowhere')).exitCode).toBe(5);
  });
});

describe('an LV a client holds open', () => {
  it('shows o in lv_attr and # open 1, and is not deactivated or removed', async () => {
    await lab.ok('lvcreate', '-L', '8m', '-n', 'lv', 'vg');
    expect(await lab.lvField('vg/lv', 'lv_attr')).toBe('-wi-a-----');
    const c = await open('lv');
    expect(await lab.lvField('vg/lv', 'lv_attr')).toBe('-wi-ao----');
    expect((await lab.ok('lvdisplay', 'vg/lv')).stdout).toMatch(/# open {17}1/);
    expect(await lab.failsUnchanged(5, 'lvchange', '-an', 'vg/lv')).toBe('  Logical volume vg/lv in use.');
    expect(await lab.failsUnchanged(5, 'lvremove', '-y', 'vg/lv')).toBe('  Logical volume vg/lv in use.');
    expect(await lab.failsUnchanged(5, 'vgchange', '-an', 'vg')).toBe('  Can\'t deactivate volume group "vg" with 1 open logical volume(s)');
    await c.pwrite(Buffer.alloc(4096, 1), 0);
    await c.disconnect();
    await until(async () => (await lab.lvField('vg/lv', 'lv_attr')) === '-wi-a-----');
    await lab.ok('lvremove', '-y', 'vg/lv');
  });

  it('a read-only LV is a read-only export', async () => {
    await lab.ok('lvcreate', '-L', '8m', '-n', 'lv', 'vg');
    await lab.ok('lvchange', '-p', 'r', 'vg/lv');
    const c = await open('lv');
    expect(c.readOnly).toBe(true);
    await expect(c.pwrite(Buffer.alloc(512, 1), 0)).rejects.toThrow(/NBD error 1\b/);
    await c.disconnect();
    // Made read-only while a client is connected read-write: its writes are refused from then on.
    await lab.ok('lvchange', '-p', 'rw', 'vg/lv');
    const d = await open('lv');
    await d.pwrite(Buffer.alloc(512, 2), 0);
    await lab.ok('lvchange', '-p', 'r', 'vg/lv');
    await expect(d.pwrite(Buffer.alloc(512, 3), 0)).rejects.toThrow(/NBD error 1\b/);
    expect((await lab.legBytes('vg/lv', 0, 512)).equals(Buffer.alloc(512, 2))).toBe(true);
    await d.disconnect();
  });
});

describe('layout changes while a client writes', () => {
  it('lvconvert -m1, --splitmirrors and lvextend: every acknowledged write is on every leg and in the copy', async () => {
    await lab.ok('lvcreate', '-L', '16m', '-n', 'lv', 'vg', '/dev/loop0');
    const c = await open('lv');
    const model = Buffer.alloc(16 * MiB);
    // Every version each 4 KiB block had, in the order the writes were acknowledged.
    const versions = Array.from({ length: (16 * MiB) / 4096 }, () => [Buffer.alloc(4096)]);
    let stop = false;
    let n = 0;
    const writer = (async () => {
      while (!stop) {
        const off = (n * 7919 * 4096) % (16 * MiB - 65536);
        const b = randomBytes(65536);
        await c.pwrite(b, off);
        b.copy(model, off);
        for (let k = 0; k < 16; k++) versions[off / 4096 + k]!.push(b.subarray(k * 4096, (k + 1) * 4096));
        n++;
      }
    })();
    await lab.ok('lvconvert', '-y', '-i', '0', '--type', 'mirror', '-m', '1', 'vg/lv', '/dev/loop1', '/dev/loop2');
    await until(async () => (await lab.lvField('vg/lv', 'copy_percent')) === '100.00');
    const atSplit = n;
    const before = versions.map((v) => v.length); // acknowledged before the split began
    await lab.ok('lvconvert', '--splitmirrors', '1', '--name', 'copy', 'vg/lv');
    await lab.ok('lvextend', '-L', '+4m', 'vg/lv');
    await new Promise((r) => setTimeout(r, 300));
    stop = true;
    await writer;
    await c.flush();
    await c.disconnect();
    expect(n).toBeGreaterThan(atSplit);
    expect((await lab.legBytes('vg/lv', 0, 16 * MiB)).equals(model)).toBe(true);
    // The copy has every write acknowledged before the split began, or a later one (in flight then).
    const copy = await lab.legBytes('vg/copy', 0, 16 * MiB);
    for (let i = 0; i < versions.length; i++) {
      const got = copy.subarray(i * 4096, (i + 1) * 4096);
      expect(versions[i]!.slice(before[i]! - 1).some((v) => v.equals(got)), `block ${i} of the copy`).toBe(true);
    }
    const d = await open('lv'); // a new connection sees the extended size
    expect(d.size).toBe(20 * MiB);
    await d.disconnect();
  });
});

describe('kill -9 of the daemon while a client writes', () => {
  it('the client sees errors, the next activation serves again, flushed writes are on every leg, only dirty regions resync', async () => {
    await lab.ok('lvcreate', '--type', 'mirror', '-m', '1', '-L', '64m', '-n', 'lv', 'vg');
    await until(async () => (await lab.lvField('vg/lv', 'copy_percent')) === '100.00');
    const c = await open('lv');
    const flushed = randomBytes(4 * MiB);
    await c.pwrite(flushed, 0);
    await c.flush();
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 64; i++) writes.push(c.pwrite(randomBytes(65536), 8 * MiB + i * 65536).catch(() => undefined));
    process.kill(daemonPid(), 'SIGKILL');
    await Promise.all(writes);
    await expect(c.pread(0, 4096)).rejects.toThrow();
    await lab.ok('lvchange', '-ay', 'vg/lv');
    const d = await open('lv');
    expect((await d.pread(0, 4 * MiB)).equals(flushed)).toBe(true);
    await d.disconnect();
    await until(async () => (await lab.lvField('vg/lv', 'copy_percent')) === '100.00');
    for (const leg of ['lv_mimage_0', 'lv_mimage_1']) expect((await lab.legBytes(`vg/${leg}`, 0, 4 * MiB)).equals(flushed)).toBe(true);
    expect((await lab.legBytes('vg/lv_mimage_0', 8 * MiB, 4 * MiB)).equals(await lab.legBytes('vg/lv_mimage_1', 8 * MiB, 4 * MiB))).toBe(true);
  });
});
