// Extensions: contiguous continuation, cling (first segment's PVs, maximise_cling), cling to what
// this allocation already took, mirror images; transcripts: test/fixtures-alloc/{g4-spill-extend,
// extend-cling,cling-first-segment,g7-uneven,separate-logs}.txt.
import { describe, expect, it } from 'vitest';
import { allocate, buildParallelAreas, type AllocRequest } from '../src/alloc/index.js';
import { addLinear, addMirror, errorLines, lv, makeVg, placed } from './alloc-helpers.js';

const L = (n: number) => `/dev/loop${n}`;
type Vg = ReturnType<typeof makeVg>;
const extend = (vg: Vg, name: string, extents: number, more: Partial<AllocRequest> = {}) =>
  allocate({ vg, policy: 'inherit', areaCount: 1, extents, logCount: 0, logLen: 0, lvName: name, previous: lv(vg, name).segments, ...more });

describe('lvextend of a linear LV', () => {
  it('G4: skips the LV in between and stays on the last PV', () => {
    const vg = makeVg([L(0), L(1), L(2)]);
    addLinear(vg, 'big', [[L(0), 0, 24], [L(1), 0, 6]]);
    addLinear(vg, 'small', [[L(1), 6, 2]]);
    expect(placed(extend(vg, 'big', 2)).areas).toEqual(['/dev/loop1:8-9']);
    lv(vg, 'big').segments.push({ ...lv(vg, 'big').segments[1]!, startLe: 30, extentCount: 2, areas: [{ kind: 'pv', pvUuid: 'uuid-loop1', pe: 8 }] });
    expect(placed(extend(vg, 'small', 3)).areas).toEqual(['/dev/loop1:10-12']);
  });

  it('normal extension cling to the PV of the first segment: x continues at loop0:14', () => {
    const vg = makeVg([L(0), L(1), L(2)]);
    addLinear(vg, 'x', [[L(0), 0, 10]]);
    addLinear(vg, 'y', [[L(0), 10, 4]]);
    addLinear(vg, 'z', [[L(1), 0, 4]]);
    expect(placed(extend(vg, 'x', 4)).areas).toEqual(['/dev/loop0:14-17']);
  });

  it('cling fails when the clung PV is full; normal then takes the first PV that fits', () => {
    const vg = makeVg([L(0), L(1), L(2)]);
    addLinear(vg, 'x', [[L(0), 0, 10], [L(0), 14, 4]]);
    addLinear(vg, 'y', [[L(0), 10, 4]]);
    addLinear(vg, 'z', [[L(1), 0, 4]]);
    addLinear(vg, 'big', [[L(2), 0, 24]]);
    expect(errorLines(() => extend(vg, 'big', 2, { policy: 'cling' }))).toEqual([
      'Insufficient suitable allocatable extents for logical volume big: 2 more required',
    ]);
    expect(placed(extend(vg, 'big', 2)).areas).toEqual(['/dev/loop0:18-19']);
    lv(vg, 'big').segments.push({ ...lv(vg, 'big').segments[0]!, startLe: 24, extentCount: 2, areas: [{ kind: 'pv', pvUuid: 'uuid-loop0', pe: 18 }] });
    // contiguous: z grows into loop1:4; +20 takes the 19 that follow, then fails for 1, as LVM2 does
    expect(placed(extend(vg, 'z', 1, { policy: 'contiguous' })).areas).toEqual(['/dev/loop1:4-4']);
    lv(vg, 'z').segments[0]!.extentCount = 5;
    expect(errorLines(() => extend(vg, 'z', 20, { policy: 'contiguous' }))).toEqual([
      'Insufficient suitable contiguous allocatable extents for logical volume z: 1 more required',
    ]);
    // anywhere: y (loop0:10-13) continues on its own PV
    expect(placed(extend(vg, 'y', 2, { policy: 'anywhere' })).areas).toEqual(['/dev/loop0:20-21']);
  });

  it('cling with maximise_cling looks only at the first segment (cling-first-segment.txt)', () => {
    const vg = makeVg([L(0), L(1), L(2)]);
    addLinear(vg, 'big', [[L(0), 0, 20], [L(1), 0, 4]]);
    addLinear(vg, 's1', [[L(0), 20, 2]]);
    addLinear(vg, 's2', [[L(1), 4, 2]]);
    expect(placed(extend(vg, 'big', 1, { policy: 'cling' })).areas).toEqual(['/dev/loop0:22-22']);
    lv(vg, 'big').segments.push({ ...lv(vg, 'big').segments[0]!, startLe: 24, extentCount: 1, areas: [{ kind: 'pv', pvUuid: 'uuid-loop0', pe: 22 }] });
    addLinear(vg, 's3', [[L(0), 23, 1]]);
    expect(errorLines(() => extend(vg, 'big', 1, { policy: 'cling' }))).toEqual([
      'Insufficient suitable allocatable extents for logical volume big: 1 more required',
    ]);
    expect(placed(extend(vg, 'big', 1)).areas).toEqual(['/dev/loop1:6-6']);
  });
});

describe('lvextend of a mirror (Extending 2 mirror images)', () => {
  it('G7: both images full or blocked -> new segments on the first two PVs that fit', () => {
    const vg = makeVg([L(0), L(1), L(2), L(3)]);
    addLinear(vg, 'f1', [[L(0), 0, 20]]);
    addLinear(vg, 'f2', [[L(1), 0, 10]]);
    addLinear(vg, 'f4', [[L(3), 0, 4]]);
    addMirror(vg, 'm', [[[L(0), 20, 3]], [[L(1), 10, 3]]], [L(3), 4, 1]);
    addMirror(vg, 'm2', [[[L(2), 0, 3]], [[L(1), 13, 3]]], [L(0), 23, 1]);
    const req = { vg, policy: 'inherit' as const, areaCount: 2, extents: 4, logCount: 0, logLen: 0, lvName: 'm' };
    const want = ['/dev/loop1:16-19', '/dev/loop2:3-6'];
    expect(placed(allocate({ ...req, previous: lv(vg, 'm').segments })).areas).toEqual(want);
    const perArea = [lv(vg, 'm_mimage_0').segments, lv(vg, 'm_mimage_1').segments];
    expect(placed(allocate({ ...req, previousPerArea: perArea })).areas).toEqual(want);
  });

  it('contiguous continuation of each image (separate-logs.txt)', () => {
    const vg = makeVg([L(0), L(1)]);
    addMirror(vg, 'lv', [[[L(0), 0, 10]], [[L(1), 0, 10]]], [L(1), 10, 1]);
    const res = allocate({ vg, policy: 'inherit', areaCount: 2, extents: 3, logCount: 0, logLen: 0, lvName: 'lv', previous: lv(vg, 'lv').segments });
    expect(placed(res).areas).toEqual(['/dev/loop0:10-12', '/dev/loop1:11-13']);
  });

  it('mirror_logs_require_separate_pvs=1 on 2 PVs: no room for the log', () => {
    const vg = makeVg([L(0), L(1)]);
    addLinear(vg, 'lv', [[L(0), 0, 10]]);
    const req = { vg, policy: 'inherit' as const, areaCount: 1, extents: 10, logCount: 1, logLen: 1, lvName: '', parallelAreas: buildParallelAreas(vg, 'lv') };
    expect(errorLines(() => allocate({ ...req, mirrorLogsRequireSeparatePvs: true }))).toEqual([
      'Insufficient suitable allocatable extents for logical volume : 10 more required',
    ]);
    expect(placed(allocate(req))).toEqual({ areas: ['/dev/loop1:0-9'], logs: ['/dev/loop1:10-10'] });
  });

  it('mirror_logs_require_separate_pvs=1 with fewer PVs than areas + logs (separate-logs-1pv.txt)', () => {
    const vg = makeVg([L(0)]);
    addLinear(vg, 'lv', [[L(0), 0, 10]]);
    const req = { vg, policy: 'inherit' as const, areaCount: 1, extents: 10, logCount: 1, logLen: 1, lvName: '', mirrorLogsRequireSeparatePvs: true };
    expect(errorLines(() => allocate({ ...req, parallelAreas: buildParallelAreas(vg, 'lv') }))).toEqual([
      'Not enough PVs with free space available for parallel allocation.',
      'Consider --alloc anywhere if desperate.',
    ]);
  });
});
