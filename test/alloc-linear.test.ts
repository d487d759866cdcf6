// Linear and striped creation: gaps after removal, spill across PVs, PV lists, PE ranges, contiguous,
// anywhere, stripes; transcripts in test/fixtures-alloc/{linear-gaps,striped,anywhere,g4-spill-extend}.txt.
import { describe, expect, it } from 'vitest';
import { allocate, checkStripeCount, checkVgFree, resolvePolicy, type AllocRequest } from '../src/alloc/index.js';
import { addLinear, addStriped, errorLines, makeVg, placed, uuidOf } from './alloc-helpers.js';

const L = (n: number) => `/dev/loop${n}`;
type Vg = ReturnType<typeof makeVg>;
const create = (vg: Vg, lvName: string, extents: number, more: Partial<AllocRequest> = {}) =>
  allocate({ vg, policy: 'inherit', areaCount: 1, extents, logCount: 0, logLen: 0, lvName, ...more });

/** linear-gaps.scn after the two removals: holes on loop0 at 0-4, 8-13, 16-23. */
function holes(): Vg {
  const vg = makeVg([L(0), L(1), L(2)]);
  addLinear(vg, 'b', [[L(0), 5, 3]]);
  addLinear(vg, 'd', [[L(0), 14, 2]]);
  return vg;
}

describe('linear', () => {
  it('G4: 30 extents spill from a full PV1 onto PV2', () => {
    const vg = makeVg([L(0), L(1), L(2)]);
    expect(placed(create(vg, 'big', 30)).areas).toEqual(['/dev/loop0:0-23 /dev/loop1:0-5']);
    addLinear(vg, 'big', [[L(0), 0, 24], [L(1), 0, 6]]);
    expect(placed(create(vg, 'small', 2)).areas).toEqual(['/dev/loop1:6-7']);
  });

  it('gaps after removal: first pick wins, then the smallest hole that fits', () => {
    const vg = holes();
    // e: 4 extents -> loop0 16-19 (the largest hole is reserved first and keeps its place)
    expect(placed(create(vg, 'e', 4)).areas).toEqual(['/dev/loop0:16-19']);
    addLinear(vg, 'e', [[L(0), 16, 4]]);
    expect(placed(create(vg, 'f', 6)).areas).toEqual(['/dev/loop0:8-13']);
    addLinear(vg, 'f', [[L(0), 8, 6]]);
    // g: 7 fits no hole on loop0 (5, 4) -> first PV that covers it
    expect(placed(create(vg, 'g', 7)).areas).toEqual(['/dev/loop1:0-6']);
  });

  it('PV list order and PE ranges restrict (h on loop2 first as listed, i in loop1:20-23)', () => {
    const vg = holes();
    addLinear(vg, 'e', [[L(0), 16, 4]]);
    addLinear(vg, 'f', [[L(0), 8, 6]]);
    addLinear(vg, 'g', [[L(1), 0, 7]]);
    expect(placed(create(vg, 'h', 10, { allowedPvs: [{ pvUuid: uuidOf(L(2)) }, { pvUuid: uuidOf(L(1)) }] })).areas)
      .toEqual(['/dev/loop2:0-9']);
    addLinear(vg, 'h', [[L(2), 0, 10]]);
    const i = create(vg, 'i', 3, { allowedPvs: [{ pvUuid: uuidOf(L(1)), ranges: [[20, 23]] }, { pvUuid: uuidOf(L(2)), ranges: [[5, 9]] }] });
    expect(placed(i).areas).toEqual(['/dev/loop1:20-22']);
    addLinear(vg, 'i', [[L(1), 20, 3]]);
    const j = () => create(vg, 'j', 5, { allowedPvs: [{ pvUuid: uuidOf(L(1)), ranges: [[0, 1], [4, 9]] }] });
    expect(errorLines(j)).toEqual(['Insufficient free space: 5 extents needed, but only 3 available']);
    // contiguous: no 20-extent run; 13 fits loop1 7-19
    expect(errorLines(() => create(vg, 'k', 20, { policy: 'contiguous' }))).toEqual([
      'Insufficient suitable contiguous allocatable extents for logical volume k: 20 more required',
    ]);
    expect(placed(create(vg, 'k', 13, { policy: 'contiguous' })).areas).toEqual(['/dev/loop1:7-19']);
    addLinear(vg, 'k', [[L(1), 7, 13]]);
    expect(checkVgFree(vg, 30)).toEqual(['Volume group "vg" has insufficient free space (24 extents): 30 required.']);
    expect(checkVgFree(vg, 100)).toEqual(['Volume group "vg" has insufficient free space (24 extents): 100 required.']);
  });

  it('lvcreate pre-check: Volume group has insufficient free space (G6, linear-gaps)', () => {
    const vg = makeVg([L(0)]);
    addLinear(vg, 'big', [[L(0), 0, 15]]);
    expect(checkVgFree(vg, 25)).toEqual(['Volume group "vg" has insufficient free space (9 extents): 25 required.']);
    expect(checkVgFree(vg, 9)).toBeNull();
    addLinear(vg, 'rest', [[L(0), 15, 9]]);
    expect(errorLines(() => create(vg, 'rest', 1))).toEqual(['Insufficient free space: 1 extents needed, but only 0 available']);
  });

  it('canSplit false fails like contiguous when no single run is big enough', () => {
    const vg = holes();
    expect(errorLines(() => create(vg, 'x', 10, { canSplit: false, allowedPvs: [{ pvUuid: uuidOf(L(0)) }] }))).toEqual([
      'Insufficient suitable contiguous allocatable extents for logical volume x: 10 more required',
    ]);
  });
});

describe('striped', () => {
  const stripes = (vg: Vg, name: string, n: number, lePerStripe: number, more: Partial<AllocRequest> = {}) =>
    create(vg, name, lePerStripe, { areaCount: n, ...more });

  it('-i 2 and -i 3 on uneven PVs (striped.txt)', () => {
    const vg = makeVg([L(0), L(1), L(2)]);
    addLinear(vg, 'pad', [[L(1), 0, 4]]);
    expect(placed(stripes(vg, 's2', 2, 5)).areas).toEqual(['/dev/loop0:0-4', '/dev/loop1:4-8']);
    addStriped(vg, 's2', [[L(0), 0], [L(1), 4]], 5);
    expect(placed(stripes(vg, 's3', 3, 3)).areas).toEqual(['/dev/loop0:5-7', '/dev/loop1:9-11', '/dev/loop2:0-2']);
    addStriped(vg, 's3', [[L(0), 5], [L(1), 9], [L(2), 0]], 3);
    // -i 2 -l 40: 16 per stripe on the two largest, then 4 more on the two largest left
    expect(placed(stripes(vg, 's6', 2, 20)).areas).toEqual(['/dev/loop2:3-18 /dev/loop1:12-15', '/dev/loop0:8-23 /dev/loop2:19-22']);
  });

  it('striped extension that cannot complete reports LEs still required', () => {
    const vg = makeVg([L(0), L(1), L(2)]);
    addLinear(vg, 'pad', [[L(1), 0, 4]]);
    const s2 = addStriped(vg, 's2', [[L(0), 0], [L(1), 4]], 5);
    addStriped(vg, 's3', [[L(0), 5], [L(1), 9], [L(2), 0]], 3);
    addStriped(vg, 's6a', [[L(2), 3], [L(0), 8]], 16);
    addStriped(vg, 's6b', [[L(1), 12], [L(2), 19]], 4);
    expect(errorLines(() => stripes(vg, 's2', 2, 2, { previous: s2.segments }))).toEqual([
      'Insufficient suitable allocatable extents for logical volume s2: 2 more required',
    ]);
    // -i 1 -l +2: a linear segment after the striped one
    expect(placed(create(vg, 's2', 2, { previous: s2.segments })).areas).toEqual(['/dev/loop1:16-17']);
  });

  it('Number of stripes must not exceed number of physical volumes', () => {
    expect(checkStripeCount(3, 2, 'inherit')).toEqual(['Number of stripes (3) must not exceed number of physical volumes (2)']);
    expect(checkStripeCount(4, 3, 'normal')).toEqual(['Number of stripes (4) must not exceed number of physical volumes (3)']);
    expect(checkStripeCount(2, 1, 'anywhere')).toBeNull();
  });

  it('anywhere: two stripes on one PV (anywhere.txt)', () => {
    const vg = makeVg([L(0)]);
    addLinear(vg, 'a', [[L(0), 0, 3]]);
    expect(placed(stripes(vg, 's', 2, 2, { policy: 'anywhere' })).areas).toEqual(['/dev/loop0:3-4', '/dev/loop0:5-6']);
    expect(errorLines(() => stripes(vg, 's', 2, 2))).toEqual(['Insufficient suitable allocatable extents for logical volume s: 4 more required']);
  });
});

describe('resolvePolicy', () => {
  it('inherit takes the VG policy', () => {
    const vg = makeVg([L(0)]);
    expect(resolvePolicy('inherit', vg)).toBe('normal');
    vg.alloc = 'contiguous';
    expect(resolvePolicy('inherit', vg)).toBe('contiguous');
    expect(resolvePolicy('anywhere', vg)).toBe('anywhere');
  });
});
