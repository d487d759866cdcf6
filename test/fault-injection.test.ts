// Fault injection (LVM2 test suite's error_dev / delay_dev): errors on a chosen range and op
// surface as DeviceIoError with an EIO cause and transfer nothing; delays slow I/O; `after` lets
// N I/Os through; rules reach LV I/O through faults.json and DevicePool; the tsvm fault command.
import { NO_KERNEL_DEVICES } from './helpers/serving.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { BIN } from './helpers/aux.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeviceIoError } from '../src/device/block-device.js';
import { FileDevice } from '../src/device/file-device.js';
import { FaultDevice } from '../src/device/fault-device.js';
import { DevicePool } from '../src/device/device-pool.js';
import { loadFaults, saveFaults, type FaultRule } from '../src/device/faults.js';
import { openLv, pvByteOffset } from '../src/lv-io/index.js';
import { MiB, makeLab, makeLv, makePv, makeVg, pvArea, readImage, seg, type Lab } from './lv-io-helpers.js';

let lab: Lab;
beforeEach(() => (lab = makeLab()));
afterEach(() => lab.cleanup());

function faulty(rules: Omit<FaultRule, 'device'>[]): { dev: FaultDevice; path: string } {
  const path = makePv(lab, 'loop1', 8, 7).path;
  return { dev: new FaultDevice(new FileDevice(path), rules.map((r) => ({ device: '/dev/loop1', ...r }))), path };
}

describe('FaultDevice', () => {
  it('a write error on a range fails overlapping writes with EIO and writes nothing', () => {
    const { dev, path } = faulty([{ op: 'write', offset: MiB, length: 4 * MiB, kind: 'error' }]);
    const buf = new Uint8Array(8192).fill(0xaa);
    dev.writeAt(buf, MiB - 8192);
    dev.writeAt(buf, 5 * MiB);
    let err: unknown;
    try {
      dev.writeAt(buf, MiB - 4096);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DeviceIoError);
    expect(err).toMatchObject({ op: 'write', offset: MiB, path });
    expect((err as Error).cause).toMatchObject({ code: 'EIO' });
    expect(readImage(path, MiB - 4096, 4096)).toEqual(new Uint8Array(4096).fill(0xaa));
    expect(readImage(path, MiB, 4096)).toEqual(new Uint8Array(4096));
    dev.readAt(new Uint8Array(4096), 2 * MiB);
    dev.close();
  });

  it('a read error on a range fails reads there only', () => {
    const { dev } = faulty([{ op: 'read', offset: 2 * MiB, length: 512, kind: 'error' }]);
    dev.readAt(new Uint8Array(512), 2 * MiB - 512);
    dev.readAt(new Uint8Array(512), 2 * MiB + 512);
    expect(() => dev.readAt(new Uint8Array(MiB), 1.5 * MiB)).toThrow(expect.objectContaining({ op: 'read', offset: 2 * MiB }));
    dev.writeAt(new Uint8Array(512), 2 * MiB);
    dev.close();
  });

  it('a read error fails readAtAsync too (the shipper reads that way), and only there', async () => {
    const { dev } = faulty([{ op: 'read', offset: 2 * MiB, length: 512, kind: 'error' }]);
    await dev.readAtAsync!(new Uint8Array(512), 2 * MiB - 512);
    await expect(dev.readAtAsync!(new Uint8Array(MiB), 1.5 * MiB)).rejects.toMatchObject({ op: 'read', offset: 2 * MiB });
    dev.close();
  });

  it('"after" lets the first N matching I/Os through', () => {
    const { dev } = faulty([{ op: 'any', offset: 'all', length: 'all', kind: 'error', after: 2 }]);
    dev.readAt(new Uint8Array(1), 0);
    dev.writeAt(new Uint8Array(1), 0);
    expect(() => dev.readAt(new Uint8Array(1), 0)).toThrow(DeviceIoError);
    dev.close();
  });

  it('a delay rule slows matching I/O', () => {
    const { dev } = faulty([{ op: 'read', offset: 'all', length: 'all', kind: 'delay', ms: 40 }]);
    let t = performance.now();
    dev.writeAt(new Uint8Array(1), 0);
    expect(performance.now() - t).toBeLessThan(30);
    t = performance.now();
    dev.readAt(new Uint8Array(1), 0);
    dev.readAt(new Uint8Array(1), 0);
    expect(performance.now() - t).toBeGreaterThanOrEqual(78);
    dev.close();
  });

  it('a zero rule reads zeros and drops writes on its range only (aux zero_dev)', () => {
    const { dev, path } = faulty([]);
    dev.writeAt(new Uint8Array(3 * 4096).fill(0x11), MiB - 4096);
    dev.close();
    const z = new FaultDevice(new FileDevice(path), [{ device: '/dev/loop1', op: 'any', offset: MiB, length: 4096, kind: 'zero' }]);
    const back = new Uint8Array(3 * 4096);
    z.readAt(back, MiB - 4096);
    expect([back[0], back[4095], back[4096], back[8191], back[8192]]).toEqual([0x11, 0x11, 0, 0, 0x11]);
    z.writeAt(new Uint8Array(3 * 4096).fill(0x22), MiB - 4096);
    z.close();
    const raw = readImage(path, MiB - 4096, 3 * 4096);
    expect([raw[0], raw[4096], raw[8191], raw[8192]]).toEqual([0x22, 0x11, 0x11, 0x22]);
  });
});

describe('faults.json through DevicePool and LV I/O', () => {
  it('an error on the PV range under an LV extent fails LV I/O there', () => {
    const pv1 = makePv(lab, 'loop1', 8, 7);
    const pv2 = makePv(lab, 'loop2', 8, 7);
    const vg = makeVg('vg', 2048, [pv1, pv2], [makeLv('lv', [seg(0, 2, [pvArea(pv1, 0)]), seg(2, 2, [pvArea(pv2, 3)])])]);
    saveFaults(lab.systemDir, [{ device: '/dev/loop2', op: 'any', offset: pvByteOffset(vg, pv2, 4), length: 4096, kind: 'error' }]);
    const pool = new DevicePool(lab.systemDir);
    const dev = openLv({ devices: pool, systemDir: lab.systemDir }, vg, vg.lvs[0]!, { writable: true });
    dev.writeAt(new Uint8Array(3 * MiB), 0);
    expect(() => dev.writeAt(new Uint8Array(MiB), 3 * MiB)).toThrow(expect.objectContaining({ op: 'write', path: pv2.path }));
    expect(() => dev.readAt(new Uint8Array(10), 3 * MiB + 4000)).toThrow(DeviceIoError);
    dev.readAt(new Uint8Array(10), 3 * MiB + 4096);
    pool.closeAll();
  });
});

describe('tsvm fault', () => {
  const tsvm = (...args: string[]) => execa(BIN, ['fault', ...args], {
    reject: false, env: { TSVM_SYSTEM_DIR: lab.systemDir, TSVM_DEV_DIR: lab.devDir, ...NO_KERNEL_DEVICES },
  });

  it('add, list and clear persist rules in faults.json', async () => {
    let r = await tsvm('add', '/dev/loop1', '--write', '--error', '--offset', '1M', '--length', '4M');
    expect(r.exitCode).toBe(0);
    r = await tsvm('add', 'loop2', '--delay', '25', '--after', '3');
    expect(r.exitCode).toBe(0);
    expect(loadFaults(lab.systemDir)).toEqual([
      { device: '/dev/loop1', path: join(lab.devDir, 'loop1'), op: 'write', offset: MiB, length: 4 * MiB, kind: 'error' },
      { device: '/dev/loop2', path: join(lab.devDir, 'loop2'), op: 'any', offset: 'all', length: 'all', kind: 'delay', ms: 25, after: 3 },
    ]);
    r = await tsvm('list');
    expect(r.stdout).toBe('  /dev/loop1 write 1048576+4194304 error EIO\n  /dev/loop2 any all delay 25ms after 3');
    r = await tsvm('clear', '/dev/loop1');
    expect(r.stdout).toBe('  Cleared 1 fault rule.');
    expect(loadFaults(lab.systemDir)).toHaveLength(1);
    r = await tsvm('clear');
    expect(r.stdout).toBe('  Cleared 1 fault rule.');
    expect(JSON.parse(readFileSync(join(lab.systemDir, 'faults.json'), 'utf8'))).toEqual({ rules: [] });
  });

  it('bad command lines exit 3', async () => {
    expect((await tsvm('add', '/dev/loop1')).exitCode).toBe(3);
    expect((await tsvm('add', '/dev/loop1', '--error', '--delay', '3')).exitCode).toBe(3);
    expect((await tsvm('add', '/dev/loop1', '--error', '--offset', 'x')).exitCode).toBe(3);
    expect((await tsvm('frobnicate')).exitCode).toBe(3);
    expect((await tsvm('--help')).stdout).toContain('fault add PV');
  });
});
