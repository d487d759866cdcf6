// LV address space -> PV image bytes, checked byte for byte against an independent reference of
// dm-linear/dm-stripe mapping: linear over several segments, striped (3 x 64 KiB), a striped
// segment followed by a linear one, sub-LV areas, and I/O crossing every kind of boundary.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DevicePool } from '../src/device/device-pool.js';
import { openLv, openLvAsync, openLinearArea, lvByteRuns, lvExtentMap, pvByteOffset, registerSegmentIo, LvIoError } from '../src/lv-io/index.js';
import type { LogicalVolume, PhysicalVolume, VolumeGroup } from '../src/model/types.js';
import { MiB, makeLab, makeLv, makePv, makeVg, pvArea, random, readImage, seg, type Lab } from './lv-io-helpers.js';

let lab: Lab;
let pool: DevicePool;
let pv1: PhysicalVolume, pv2: PhysicalVolume, pv3: PhysicalVolume;
let vg: VolumeGroup;

beforeEach(() => {
  lab = makeLab();
  pool = new DevicePool(lab.systemDir);
  pv1 = makePv(lab, 'loop1', 16, 15);
  pv2 = makePv(lab, 'loop2', 16, 15);
  pv3 = makePv(lab, 'loop3', 16, 15);
  vg = makeVg('vg', 2048, [pv1, pv2, pv3], [
    makeLv('lin', [seg(0, 3, [pvArea(pv1, 2)]), seg(3, 2, [pvArea(pv2, 5)])]),
    makeLv('str', [seg(0, 6, [pvArea(pv1, 6), pvArea(pv2, 0), pvArea(pv3, 1)], 128), seg(6, 1, [pvArea(pv3, 10)])]),
    makeLv('img', [seg(0, 2, [pvArea(pv3, 12)])], { visible: false }),
    makeLv('top', [seg(0, 2, [{ kind: 'lv', lvName: 'img', le: 0 }])]),
    makeLv('off', [seg(0, 1, [pvArea(pv1, 0)])], { active: false }),
    makeLv('ro', [seg(0, 1, [pvArea(pv1, 1)])], { writable: false }),
  ]);
});

afterEach(() => {
  pool.closeAll();
  lab.cleanup();
});

const env = () => ({ devices: pool, systemDir: lab.systemDir });
const lvNamed = (name: string): LogicalVolume => vg.lvs.find((l) => l.name === name)!;

/** Reference mapping of one LV byte (no shared code with src/lv-io). */
function whereIs(lv: LogicalVolume, off: number): { path: string; pos: number } {
  const eb = vg.extentSize * 512;
  const le = Math.floor(off / eb);
  const s = lv.segments.find((x) => x.startLe <= le && le < x.startLe + x.extentCount)!;
  const segOff = off - s.startLe * eb;
  let areaIdx = 0;
  let areaOff = segOff;
  if (s.areas.length > 1) {
    const chunk = s.stripeSize * 512;
    const c = Math.floor(segOff / chunk);
    areaIdx = c % s.areas.length;
    areaOff = Math.floor(c / s.areas.length) * chunk + (segOff % chunk);
  }
  const a = s.areas[areaIdx]!;
  if (a.kind === 'lv') return whereIs(lvNamed(a.lvName), a.le * eb + areaOff);
  const pv = vg.pvs.find((p) => p.uuid === a.pvUuid)!;
  return { path: pv.path, pos: pv.peStart * 512 + a.pe * eb + areaOff };
}

/** Write the whole LV in `step`-byte requests, then compare every 4 KiB block with the image files. */
function writeAndCheck(name: string, step: number): Uint8Array {
  const lv = lvNamed(name);
  const dev = openLv(env(), vg, lv, { writable: true });
  const data = random(dev.size());
  for (let off = 0; off < data.length; off += step) dev.writeAt(data.subarray(off, Math.min(off + step, data.length)), off);
  dev.flush();
  for (let off = 0; off < data.length; off += 4096) {
    const { path, pos } = whereIs(lv, off);
    expect(Buffer.from(readImage(path, pos, 4096)).equals(Buffer.from(data.subarray(off, off + 4096))), `${name} byte ${off}`).toBe(true);
  }
  dev.close();
  return data;
}

describe('linear and striped mapping', () => {
  it('linear LV over two segments on two PVs lands at pe_start + pe * extent size', () => {
    const lin = lvNamed('lin');
    expect(openLv(env(), vg, lin, { writable: false }).size()).toBe(5 * MiB);
    writeAndCheck('lin', 1 * MiB);
  });

  it('striped segment (3 stripes of 64 KiB) then a linear segment', () => {
    writeAndCheck('str', 1 * MiB);
  });

  it('requests crossing stripe chunk, extent and segment boundaries at odd sizes', () => {
    for (const step of [100_003, 65_536 + 512, 3 * MiB + 7]) writeAndCheck('str', step);
    writeAndCheck('lin', 777_777);
  });

  it('reads back what was written, with a different request size', () => {
    const data = writeAndCheck('str', 1 * MiB);
    const dev = openLv(env(), vg, lvNamed('str'), { writable: false });
    const back = new Uint8Array(data.length);
    for (let off = 0; off < back.length; off += 123_457) dev.readAt(back.subarray(off, Math.min(off + 123_457, back.length)), off);
    expect(Buffer.from(back).equals(Buffer.from(data))).toBe(true);
  });

  it('readAtAsync (how the shipper reads) reads what readAt reads, across stripes, segments and sub-LVs', async () => {
    for (const [name, step] of [['str', 123_457], ['lin', 1 * MiB + 512], ['top', 300_001]] as const) {
      const data = writeAndCheck(name, 1 * MiB);
      const dev = openLv(env(), vg, lvNamed(name), { writable: false });
      const back = new Uint8Array(data.length);
      const reads: Promise<void>[] = [];
      for (let off = 0; off < back.length; off += step) reads.push(dev.readAtAsync!(back.subarray(off, Math.min(off + step, back.length)), off));
      await Promise.all(reads);
      expect(Buffer.from(back).equals(Buffer.from(data)), name).toBe(true);
      await expect(dev.readAtAsync!(new Uint8Array(10), data.length - 5)).rejects.toMatchObject({ code: 'EINVAL' });
      dev.close();
    }
  });

  it('an area that is a sub-LV maps through it', () => {
    writeAndCheck('top', 300_000);
  });

  it('lvByteRuns agrees with the reference, run by run', () => {
    for (const name of ['lin', 'str', 'top']) {
      const lv = lvNamed(name);
      const size = lv.segments.reduce((n, s) => n + s.extentCount, 0) * MiB;
      const runs = lvByteRuns(vg, lv, 12_345, size - 20_000);
      expect(runs.reduce((n, r) => n + r.length, 0)).toBe(size - 20_000);
      for (const r of runs) {
        for (const probe of [0, r.length - 1]) {
          const ref = whereIs(lv, r.lvOffset + probe);
          expect({ path: r.pv.path, pos: r.byteOffset + probe }).toEqual(ref);
        }
      }
    }
  });

  it('lvExtentMap lists every area with its PV byte offset', () => {
    const runs = lvExtentMap(vg, lvNamed('str'));
    expect(runs.map((r) => [r.startLe, r.areaIndex, r.areaLen, r.pv?.name, r.byteOffset])).toEqual([
      [0, 0, 2, '/dev/loop1', pvByteOffset(vg, pv1, 6)],
      [0, 1, 2, '/dev/loop2', pvByteOffset(vg, pv2, 0)],
      [0, 2, 2, '/dev/loop3', pvByteOffset(vg, pv3, 1)],
      [6, 0, 1, '/dev/loop3', pvByteOffset(vg, pv3, 10)],
    ]);
    expect(pvByteOffset(vg, pv1, 3)).toBe(1 * MiB + 3 * MiB);
  });
});

describe('refusals', () => {
  it('an inactive LV is ENXIO, unless opened as a sub-LV area', () => {
    expect(() => openLv(env(), vg, lvNamed('off'), { writable: false })).toThrow(expect.objectContaining({ code: 'ENXIO' }));
    expect(openLinearArea(env(), vg, lvNamed('off')).size()).toBe(MiB);
  });

  it('a read-only LV cannot be opened for writing', () => {
    expect(() => openLv(env(), vg, lvNamed('ro'), { writable: true })).toThrow(expect.objectContaining({ code: 'EROFS' }));
  });

  it('I/O past the end is ENOSPC (write) or EINVAL (read) and touches nothing', () => {
    const dev = openLv(env(), vg, lvNamed('lin'), { writable: true });
    expect(() => dev.writeAt(new Uint8Array(10), 5 * MiB - 5)).toThrow(LvIoError);
    expect(() => dev.readAt(new Uint8Array(10), 5 * MiB - 5)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(readImage(pv2.path, pvByteOffset(vg, pv2, 7) - 5, 5)).toEqual(new Uint8Array(5));
  });

  it('a missing PV image raises DeviceIoError with op open', () => {
    pv2.path = `${lab.devDir}/nonexistent`;
    expect(() => openLv(env(), vg, lvNamed('lin'), { writable: false })).toThrow(expect.objectContaining({ op: 'open' }));
  });
});

describe('mirror segments', () => {
  it('openLv refuses a mirror segment when no engine is registered; a registered SegmentIo gets segment offsets', async () => {
    const legs = [makeLv('m_mimage_0', [seg(0, 2, [pvArea(pv1, 10)])]), makeLv('m_mimage_1', [seg(0, 2, [pvArea(pv2, 10)])])];
    const m = makeLv('m', [
      seg(0, 1, [pvArea(pv3, 14)]),
      { startLe: 1, extentCount: 2, type: 'mirror', stripeSize: 0, regionSize: 1024, mirrorLog: null,
        areas: [{ kind: 'lv', lvName: 'm_mimage_0', le: 0 }, { kind: 'lv', lvName: 'm_mimage_1', le: 0 }] },
    ]);
    vg.lvs.push(...legs, m);
    const calls: string[] = [];
    registerSegmentIo('mirror', (e, g, lv, s) => {
      const devs = s.areas.map((a) => openLinearArea(e, g, g.lvs.find((l) => l.name === (a as { lvName: string }).lvName)!));
      return {
        read: (buf, off) => { calls.push(`r${off}+${buf.length}`); devs[0]!.readAt(buf, off); },
        write: (buf, off) => { calls.push(`w${off}+${buf.length}`); for (const d of devs) d.writeAt(buf, off); },
        flush: () => devs.forEach((d) => d.flush()),
        close: () => devs.forEach((d) => d.close()),
      };
    });
    const dev = await openLvAsync(env(), vg, m, { writable: true });
    const data = random(2 * MiB);
    dev.writeAt(data, MiB / 2);
    expect(calls).toEqual([`w0+${1.5 * MiB}`]);
    dev.flush();
    for (const p of [pv1, pv2]) {
      expect(Buffer.from(readImage(p.path, pvByteOffset(vg, p, 10), 1.5 * MiB)).equals(Buffer.from(data.subarray(MiB / 2)))).toBe(true);
    }
    const back = new Uint8Array(2 * MiB);
    dev.readAt(back, MiB / 2);
    expect(Buffer.from(back).equals(Buffer.from(data))).toBe(true);
    dev.close();
  });
});
