// Mirror conversion placements: G1, G2, G3, G5, G6, G7 and the seed lab (test/fixtures-alloc/*.txt).
import { describe, expect, it } from 'vitest';
import { allocate, buildParallelAreas } from '../src/alloc/index.js';
import { addLinear, addMirror, errorLines, lv, makeVg, placed, pvUuids } from './alloc-helpers.js';

const L = (n: number) => `/dev/loop${n}`;

/** lvconvert --type mirror -m N: new images avoid the LV's PVs per LE range, one log (lvName ''). */
function convert(vg: ReturnType<typeof makeVg>, name: string, images: number, logCount = 1, policy: 'inherit' | 'anywhere' = 'inherit') {
  const extents = lv(vg, name).segments.reduce((n, s) => n + s.extentCount, 0);
  return allocate({
    vg, policy, areaCount: images, extents, logCount, logLen: 1, lvName: '',
    parallelAreas: buildParallelAreas(vg, name),
  });
}

describe('lvconvert --type mirror placements (oracle)', () => {
  it('G1: 2 PVs -> image on PV2, log right after it on PV2', () => {
    const vg = makeVg([L(0), L(1)]);
    addLinear(vg, 'lv', [[L(0), 0, 10]]);
    expect(placed(convert(vg, 'lv', 1))).toEqual({ areas: ['/dev/loop1:0-9'], logs: ['/dev/loop1:10-10'] });
  });

  it('G1 with avoidPvUuids instead of parallelAreas', () => {
    const vg = makeVg([L(0), L(1)]);
    addLinear(vg, 'lv', [[L(0), 0, 10]]);
    const res = allocate({ vg, policy: 'inherit', areaCount: 1, extents: 10, logCount: 1, logLen: 1, lvName: '', avoidPvUuids: pvUuids(L(0)) });
    expect(placed(res)).toEqual({ areas: ['/dev/loop1:0-9'], logs: ['/dev/loop1:10-10'] });
  });

  it('G2: 3 PVs -> log on PV3', () => {
    const vg = makeVg([L(0), L(1), L(2)]);
    addLinear(vg, 'lv', [[L(0), 0, 10]]);
    expect(placed(convert(vg, 'lv', 1))).toEqual({ areas: ['/dev/loop1:0-9'], logs: ['/dev/loop2:0-0'] });
  });

  it('G3: -m2 on 4 PVs -> images on PV2, PV3, log on PV4', () => {
    const vg = makeVg([L(0), L(1), L(2), L(3)]);
    addLinear(vg, 'lv', [[L(0), 0, 10]]);
    expect(placed(convert(vg, 'lv', 2))).toEqual({ areas: ['/dev/loop1:0-9', '/dev/loop2:0-9'], logs: ['/dev/loop3:0-0'] });
  });

  it('G5: core log (no log area) and mirrored log (2 log areas)', () => {
    const vg = makeVg([L(0), L(1), L(2), L(3)]);
    addLinear(vg, 'core', [[L(0), 0, 5]]);
    expect(placed(convert(vg, 'core', 1, 0))).toEqual({ areas: ['/dev/loop1:0-4'], logs: [] });
    vg.lvs = [];
    addMirror(vg, 'core', [[[L(0), 0, 5]], [[L(1), 0, 5]]]);
    addLinear(vg, 'mlg', [[L(0), 5, 5]]);
    expect(placed(convert(vg, 'mlg', 1, 2))).toEqual({ areas: ['/dev/loop1:5-9'], logs: ['/dev/loop2:0-0', '/dev/loop3:0-0'] });
  });

  it('G5: --mirrorlog disk on a core-log mirror -> log on the last equal candidate (loop3:1)', () => {
    const vg = makeVg([L(0), L(1), L(2), L(3)]);
    addMirror(vg, 'core', [[[L(0), 0, 5]], [[L(1), 0, 5]]]);
    addMirror(vg, 'mlg', [[[L(0), 5, 5]], [[L(1), 5, 5]]]);
    addLinear(vg, 'mlg_mlog_mimage_0', [[L(2), 0, 1]], false);
    addLinear(vg, 'mlg_mlog_mimage_1', [[L(3), 0, 1]], false);
    const res = allocate({ vg, policy: 'inherit', areaCount: 0, extents: 0, logCount: 1, logLen: 1, lvName: '', parallelAreas: buildParallelAreas(vg, 'core') });
    expect(placed(res)).toEqual({ areas: [], logs: ['/dev/loop3:1-1'] });
  });

  it('G6: 1 PV -> no room for a second image; --alloc anywhere stacks image and log on it', () => {
    const vg = makeVg([L(0)]);
    addLinear(vg, 'lv', [[L(0), 0, 10]]);
    expect(errorLines(() => convert(vg, 'lv', 1))).toEqual(['Insufficient suitable allocatable extents for logical volume : 10 more required']);
    expect(placed(convert(vg, 'lv', 1, 1, 'anywhere'))).toEqual({ areas: ['/dev/loop0:10-19'], logs: ['/dev/loop0:20-20'] });
  });

  it('G6: too few free extents in total (with a disk log 16, core log 15)', () => {
    const vg = makeVg([L(0)]);
    addLinear(vg, 'big', [[L(0), 0, 15]]);
    expect(errorLines(() => convert(vg, 'big', 1))).toEqual(['Insufficient free space: 16 extents needed, but only 9 available']);
    expect(errorLines(() => convert(vg, 'big', 1, 0))).toEqual(['Insufficient free space: 15 extents needed, but only 9 available']);
  });

  it('G7: uneven free space -> image on the next PV in order, log in the last equal candidate or a 1-extent hole', () => {
    const vg = makeVg([L(0), L(1), L(2), L(3)]);
    addLinear(vg, 'f1', [[L(0), 0, 20]]);
    addLinear(vg, 'f2', [[L(1), 0, 10]]);
    addLinear(vg, 'f4', [[L(3), 0, 4]]);
    addLinear(vg, 'm', [[L(0), 20, 3]]);
    expect(placed(convert(vg, 'm', 1))).toEqual({ areas: ['/dev/loop1:10-12'], logs: ['/dev/loop3:4-4'] });
    vg.lvs.pop();
    addMirror(vg, 'm', [[[L(0), 20, 3]], [[L(1), 10, 3]]], [L(3), 4, 1]);
    addLinear(vg, 'm2', [[L(2), 0, 3]]);
    expect(placed(convert(vg, 'm2', 1))).toEqual({ areas: ['/dev/loop1:13-15'], logs: ['/dev/loop0:23-23'] });
  });
});

describe('seed lab 002 (vg_webapp, 20G disks: 5119 extents each)', () => {
  const D = (n: number) => `/dev/loop${n}`;
  function lab(pvCount: number) {
    const vg = makeVg([D(0), D(1), D(2), D(3)].slice(0, pvCount), 5119, 'vg_webapp');
    addLinear(vg, 'lv_sources', [[D(0), 0, 256]]);
    addLinear(vg, 'lv_run', [[D(0), 2816, 256]]);
    addLinear(vg, 'lv_data', [[D(1), 0, 5119], [D(0), 3072, 1]]);
    return vg;
  }

  it('lvcreate -L 20G spills from the emptiest-fitting PV: loop1 then a 1-extent piece on loop0', () => {
    const vg = makeVg([D(0), D(1)], 5119, 'vg_webapp');
    addLinear(vg, 'lv_sources', [[D(0), 0, 256]]);
    addLinear(vg, 'lv_run', [[D(0), 2816, 256]]);
    const res = allocate({ vg, policy: 'inherit', areaCount: 1, extents: 5120, logCount: 0, logLen: 0, lvName: 'lv_data' });
    expect(placed(res).areas).toEqual(['/dev/loop1:0-5118 /dev/loop0:3072-3072']);
  });

  it('2 PVs: Insufficient free space: 5121 extents needed, but only 4606 available', () => {
    expect(errorLines(() => convert(lab(2), 'lv_data', 1))).toEqual(['Insufficient free space: 5121 extents needed, but only 4606 available']);
  });

  it('3 PVs: the second LE range must avoid loop0 -> 1 more required', () => {
    expect(errorLines(() => convert(lab(3), 'lv_data', 1))).toEqual(['Insufficient suitable allocatable extents for logical volume : 1 more required']);
  });

  it('4 PVs: image 1 follows image 0 segment boundaries across two PVs, log in loop0 hole', () => {
    expect(placed(convert(lab(4), 'lv_data', 1))).toEqual({
      areas: ['/dev/loop2:0-5118 /dev/loop3:0-0'],
      logs: ['/dev/loop0:256-256'],
    });
  });

  it('buildParallelAreas follows the segments of the LV', () => {
    expect(buildParallelAreas(lab(4), 'lv_data')).toEqual([
      { le: 0, len: 5119, pvUuids: pvUuids(D(1)) },
      { le: 5119, len: 1, pvUuids: pvUuids(D(0)) },
    ]);
  });
});
