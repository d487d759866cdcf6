// The one BlockDevice suite (size, readAt, writeAt, flush, close) that every implementation
// passes: FileDevice, the fault wrapper with no matching rule, and a device from DevicePool.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeviceIoError, type BlockDevice } from '../src/device/block-device.js';
import { FileDevice } from '../src/device/file-device.js';
import { FaultDevice } from '../src/device/fault-device.js';
import { DevicePool } from '../src/device/device-pool.js';
import { saveFaults } from '../src/device/faults.js';
import { MiB, makeLab, makePv, random, type Lab } from './lv-io-helpers.js';

type Factory = (lab: Lab, path: string) => BlockDevice;

const implementations: [string, Factory][] = [
  ['FileDevice', (_lab, path) => new FileDevice(path)],
  ['FaultDevice without rules', (_lab, path) => new FaultDevice(new FileDevice(path), [])],
  ['FaultDevice with a rule beyond the I/O', (_lab, path) => new FaultDevice(new FileDevice(path), [
    { device: path, op: 'any', offset: 3 * MiB, length: MiB, kind: 'error' },
  ])],
  ['DevicePool device with a delay rule', (lab, path) => {
    saveFaults(lab.systemDir, [{ device: '/dev/loop1', op: 'write', offset: 'all', length: 'all', kind: 'delay', ms: 1 }]);
    const pv = makePv(lab, 'loop1', 2, 1);
    expect(pv.path).toBe(path);
    return new DevicePool(lab.systemDir).get(pv, true);
  }],
];

for (const [label, make] of implementations) {
  describe(`BlockDevice: ${label}`, () => {
    let lab: Lab;
    let path: string;
    let dev: BlockDevice;

    beforeEach(() => {
      lab = makeLab();
      path = makePv(lab, 'loop1', 2, 1).path;
      dev = make(lab, path);
    });
    afterEach(() => {
      try {
        dev.close();
      } catch {
        // already closed by the test
      }
      lab.cleanup();
    });

    it('reports the image size', () => {
      expect(dev.size()).toBe(2 * MiB);
      expect(dev.path).toBe(path);
    });

    it('writes land at the byte offset in the file, and read back', () => {
      const data = random(70_000);
      dev.writeAt(data, 12_345);
      dev.flush();
      const file = readFileSync(path);
      expect(file.subarray(12_345, 12_345 + data.length).equals(Buffer.from(data))).toBe(true);
      const back = new Uint8Array(data.length);
      dev.readAt(back, 12_345);
      expect(back).toEqual(data);
    });

    it('readAtAsync reads what readAt reads; a hole and the bytes past the end read as zeros', async () => {
      const data = random(300_000);
      dev.writeAt(data, 4096);
      const back = new Uint8Array(data.length);
      await (dev.readAtAsync?.(back, 4096) ?? Promise.reject(new Error('no readAtAsync')));
      expect(back).toEqual(data);
      const tail = new Uint8Array(8192).fill(7);
      await dev.readAtAsync!(tail, 2 * MiB - 4096);
      expect(tail).toEqual(new Uint8Array(8192));
    });

    it('a hole reads as zeros, and so does a read past the end of the file', () => {
      const buf = new Uint8Array(4096).fill(7);
      dev.readAt(buf, MiB);
      expect(buf).toEqual(new Uint8Array(4096));
      buf.fill(7);
      dev.readAt(buf, 2 * MiB - 100);
      expect(buf).toEqual(new Uint8Array(4096));
    });

    it('I/O after close fails', () => {
      dev.close();
      expect(() => dev.readAt(new Uint8Array(1), 0)).toThrow();
    });
  });
}

describe('DevicePool', () => {
  let lab: Lab;
  beforeEach(() => (lab = makeLab()));
  afterEach(() => lab.cleanup());

  it('opens each image once and reopens read-write when asked', () => {
    const pool = new DevicePool(lab.systemDir);
    const pv = makePv(lab, 'loop1', 2, 1);
    const ro = pool.get(pv);
    expect(pool.get(pv)).toBe(ro);
    expect(() => ro.writeAt(new Uint8Array(1), 0)).toThrow(DeviceIoError);
    const rw = pool.get(pv, true);
    expect(pool.get(pv)).toBe(rw);
    rw.writeAt(new Uint8Array([1]), 0);
    pool.closeAll();
  });

  it('a missing image or a PV marked missing is DeviceIoError op open', () => {
    const pool = new DevicePool(lab.systemDir);
    const pv = makePv(lab, 'loop1', 2, 1);
    expect(() => pool.get({ ...pv, path: join(lab.devDir, 'gone') })).toThrow(expect.objectContaining({ op: 'open' }));
    expect(() => pool.get({ ...pv, missing: true })).toThrow(DeviceIoError);
  });
});
