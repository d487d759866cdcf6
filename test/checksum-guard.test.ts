// The checksum guard on its own, over plain files (two legs, two table copies): self-healing reads,
// EIO for a block no leg holds, dirty regions left alone, torn records, partial-block writes and
// the resync's choice of source; each with a table of either block hash version.
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, truncateSync, writeFileSync, openSync, writeSync, closeSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { FileDevice } from '../src/device/file-device.js';
import { DeviceIoError } from '../src/device/block-device.js';
import { ChecksumTable } from '../src/checksum/table.js';
import { ChecksumGuard, ChecksumError, type GuardLeg, type GuardedMirror } from '../src/checksum/guard.js';
import { CSUM_VERSION, chooseBlockShift, recordOffset, tableBytes } from '../src/checksum/format.js';
import { hashBlockJsOf, type HashVersion } from '../src/checksum/block-hash.js';
import { judgeRegion, repairRegion } from '../src/checksum/scrub.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const REGION = 512 * KiB;
const SIZE = 4 * MiB;

let dir: string;
let legs: GuardLeg[];
let copies: FileDevice[];
let dirty: Set<number>;
let guard: ChecksumGuard;
/** The version the table is made at (each suite runs at both). */
let version: HashVersion = CSUM_VERSION;

function flip(file: string, at: number, n = 3): void {
  const fd = openSync(file, 'r+');
  const b = Buffer.alloc(n);
  const cur = readFileSync(file).subarray(at, at + n);
  for (let i = 0; i < n; i++) b[i] = cur[i]! ^ 0x5a;
  writeSync(fd, b, 0, n, at);
  closeSync(fd);
}

const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');

function mirror(): GuardedMirror {
  return {
    path: 'vg/lv', regionBytes: REGION, writable: true, size: () => SIZE,
    liveLegs: () => legs.filter((l) => !l.failed), primary: () => legs.find((l) => !l.failed),
    regionClean: (r) => !dirty.has(r), withLock: (fn) => fn(),
    failLeg: (l, e) => { l.failed = String(e); },
  };
}

/** What MirrorDevice.writeAt does around the guard: CRCs first, then every leg. */
function write(data: Buffer, offset: number): void {
  guard.noteWrite(data, offset);
  for (const l of legs) l.dev!.writeAt(data, offset);
}

function open(): void {
  const t = ChecksumTable.open(copies, { owner: 'LVUUID', regionSize: REGION / 512, nrRegions: SIZE / REGION });
  if (!t) throw new Error('no table');
  guard = new ChecksumGuard(mirror(), t);
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsvm-csum-'));
  legs = ['rimage_0', 'rimage_1'].map((n) => {
    writeFileSync(join(dir, n), '');
    truncateSync(join(dir, n), SIZE);
    return { lv: { name: n }, dev: new FileDevice(join(dir, n)), failed: null };
  });
  copies = ['rmeta_0', 'rmeta_1'].map((n) => {
    writeFileSync(join(dir, n), '');
    truncateSync(join(dir, n), 64 * KiB);
    return new FileDevice(join(dir, n));
  });
  dirty = new Set();
  const t = ChecksumTable.format(copies, { version, enabled: true, blockShift: 12, regionSize: REGION / 512, nrRegions: SIZE / REGION, owner: 'LVUUID' });
  guard = new ChecksumGuard(mirror(), t!);
});

afterEach(() => {
  for (const l of legs) l.dev?.close();
  for (const c of copies) c.close();
  rmSync(dir, { recursive: true, force: true });
});

describe.each([1, 2] as const)('checksum guard, table version %i', (v) => {
  beforeAll(() => {
    version = v;
  });

  it('records each block with its table version\'s hash, and reopens the table at that version', () => {
    const data = randomBytes(SIZE);
    write(data, 0);
    guard.persist();
    open();
    expect(guard.table.header.version).toBe(v);
    const hash = hashBlockJsOf(v);
    const rec = guard.table.record(1);
    for (const i of [0, 7, 127]) expect(rec[i]).toBe(hash(data.subarray(REGION + i * 4096, REGION + (i + 1) * 4096)) || 1);
    expect(hashBlockJsOf(v === 1 ? 2 : 1)(data.subarray(REGION, REGION + 4096))).not.toBe(rec[0]);
  });

  it('returns the right copy, rewrites the bad leg, and names it', () => {
    const data = randomBytes(SIZE);
    write(data, 0);
    guard.persist();
    open();
    flip(join(dir, 'rimage_0'), 5 * 4096 + 100);
    const got = Buffer.alloc(MiB);
    guard.verifyRead(readFrom(0, got, 0), 0);
    expect(md5(got)).toBe(md5(data.subarray(0, MiB)));
    expect(guard.heals).toEqual([{ block: 5, region: 0, bad: ['rimage_0'], source: 'rimage_1', healed: true }]);
    expect(md5(readFileSync(join(dir, 'rimage_0')))).toBe(md5(data));
    expect(md5(readFileSync(join(dir, 'rimage_1')))).toBe(md5(data));
  });

  it('fails that block only with EIO when every leg is bad, and writes nothing', () => {
    const data = randomBytes(SIZE);
    write(data, 0);
    guard.persist();
    open();
    for (const l of legs) flip(join(dir, l.lv.name), 9 * 4096 + 7);
    const before = legs.map((l) => md5(readFileSync(join(dir, l.lv.name))));
    const blk = Buffer.alloc(4096);
    let err: unknown;
    try {
      guard.verifyRead(readFrom(0, blk, 9 * 4096), 9 * 4096);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DeviceIoError);
    expect((err as DeviceIoError).cause).toBeInstanceOf(ChecksumError);
    for (const b of [8, 10]) {
      guard.verifyRead(readFrom(0, blk, b * 4096), b * 4096);
      expect(md5(blk)).toBe(md5(data.subarray(b * 4096, (b + 1) * 4096)));
    }
    expect(legs.map((l) => md5(readFileSync(join(dir, l.lv.name))))).toEqual(before);
    expect(guard.heals.map((h) => [h.block, h.healed, h.bad])).toEqual([[9, false, ['rimage_0', 'rimage_1']]]);
  });

  it('leaves a dirty region alone: a crash between data and checksum is not rot', () => {
    const data = randomBytes(SIZE);
    write(data, 0);
    guard.persist();
    open();
    // A write whose CRCs never reached the table (the crash case): region 1 dirty.
    dirty.add(1);
    const newer = randomBytes(4096);
    legs[0]!.dev!.writeAt(newer, REGION);
    const got = Buffer.alloc(4096);
    guard.verifyRead(readFrom(0, got, REGION), REGION);
    expect(got.equals(newer)).toBe(true);
    expect(guard.heals).toEqual([]);
    // The resync's copy prefers the leg matching the recorded CRC, and records what it copied.
    const buf = Buffer.alloc(REGION);
    legs[0]!.dev!.readAt(buf, REGION);
    expect(guard.fixSource(1, buf, legs[0]!)).toEqual([0]);
    expect(md5(buf)).toBe(md5(data.subarray(REGION, 2 * REGION)));
  });

  it('records the CRC of the merged block for a partial-block write', () => {
    const data = randomBytes(SIZE);
    write(data, 0);
    write(Buffer.from('hello'), 3 * 4096 + 10);
    guard.persist();
    open();
    const got = Buffer.alloc(4096);
    guard.verifyRead(readFrom(0, got, 3 * 4096), 3 * 4096);
    expect(got.subarray(10, 15).toString()).toBe('hello');
    expect(guard.heals).toEqual([]);
    // An unaligned read verifies the whole block it touches.
    flip(join(dir, 'rimage_0'), 3 * 4096 + 4000);
    const part = Buffer.alloc(5);
    guard.verifyRead(readFrom(0, part, 3 * 4096 + 10), 3 * 4096 + 10);
    expect(part.toString()).toBe('hello');
    expect(guard.heals.map((h) => h.bad)).toEqual([['rimage_0']]);
  });

  it('writes each changed record to every copy as the format lays it out (CRC-32, then the entries)', () => {
    // Regions 0, 1 and 3 changed (two runs of records), region 2 never written.
    write(randomBytes(2 * REGION), 0);
    write(randomBytes(REGION), 3 * REGION);
    guard.persist();
    const g = guard.table.geometry;
    for (const name of ['rmeta_0', 'rmeta_1']) {
      const area = readFileSync(join(dir, name));
      for (const r of [0, 1, 2, 3]) {
        const raw = area.subarray(recordOffset(g, r), recordOffset(g, r) + g.recordBytes);
        const want = Buffer.alloc(g.recordBytes);
        if (r !== 2) {
          const rec = guard.table.record(r);
          for (let i = 0; i < g.blocksPerRegion; i++) want.writeUInt32LE(rec[i]!, 4 + 4 * i);
          want.writeUInt32LE(crc32(want.subarray(4)), 0);
          expect(rec.every((e) => e !== 0)).toBe(true);
        }
        expect(raw.equals(want), `${name} record ${r}`).toBe(true);
      }
    }
  });

  it('reads a record from the other copy when one copy is torn, and knows nothing when both are', () => {
    const data = randomBytes(SIZE);
    write(data, 0);
    guard.persist();
    const g = guard.table.geometry;
    flip(join(dir, 'rmeta_0'), recordOffset(g, 2) + 40);
    open();
    flip(join(dir, 'rimage_0'), 2 * REGION + 4096);
    const got = Buffer.alloc(REGION);
    guard.verifyRead(readFrom(0, got, 2 * REGION), 2 * REGION);
    expect(md5(got)).toBe(md5(data.subarray(2 * REGION, 3 * REGION)));
    flip(join(dir, 'rmeta_1'), recordOffset(g, 2) + 40);
    flip(join(dir, 'rimage_1'), 2 * REGION + 8192);
    open();
    guard.verifyRead(readFrom(0, got, 2 * REGION), 2 * REGION);
    expect(guard.heals).toEqual([]);
  });

  it('keeps the records of an extended LV while the table still fits', () => {
    write(randomBytes(SIZE), 0);
    guard.persist();
    const before = Array.from(guard.table.reload(3));
    const expect12 = { owner: 'LVUUID', regionSize: REGION / 512, nrRegions: 12 };
    expect(ChecksumTable.open(copies, expect12, false)).toBe(null);
    const t = ChecksumTable.open(copies, expect12, true)!;
    expect(t.nrRegions).toBe(12);
    expect(Array.from(t.record(3))).toEqual(before);
    expect(t.record(10).every((e) => e === 0)).toBe(true);
    expect(ChecksumTable.open(copies, expect12)!.nrRegions).toBe(12);
  });

  it('doubles the block until the table fits its area', () => {
    const region = 2 * MiB / 512;
    expect(chooseBlockShift(region, 1500, 3 * MiB)).toBe(12);
    expect(chooseBlockShift(region, 2048, 3 * MiB)).toBe(13);
    expect(chooseBlockShift(region, 200 * 512, 3 * MiB)).toBe(19);
    expect(chooseBlockShift(region, 10_000_000, 3 * MiB)).toBe(null);
    expect(tableBytes({ blockShift: 12, regionSize: region, nrRegions: 1 })).toBe(4096 + 4 + 4 * 512);
  });
});

describe.each([1, 2] as const)('check and repair by checksums, table version %i', (v) => {
  beforeAll(() => {
    version = v;
  });
  const copiesOf = (r: number) => legs.map((l) => {
    const b = Buffer.alloc(REGION);
    l.dev!.readAt(b, r * REGION);
    return b;
  });

  it('names the bad leg of each block and repairs each from a copy whose CRC is right', () => {
    const data = randomBytes(SIZE);
    write(data, 0);
    guard.persist();
    open();
    flip(join(dir, 'rimage_0'), REGION + 2 * 4096 + 1);
    flip(join(dir, 'rimage_1'), REGION + 7 * 4096 + 1);
    const f = judgeRegion(guard, 1, copiesOf(1));
    expect(f.badLegs).toEqual([0, 1]);
    expect(f.blocks).toEqual([
      { index: 2, bad: [0], source: 1, unrecorded: false },
      { index: 7, bad: [1], source: 0, unrecorded: false },
    ]);
    expect(repairRegion(guard, f, copiesOf(1), legs)).toBe(2 * 4096);
    for (const l of legs) expect(md5(readFileSync(join(dir, l.lv.name)))).toBe(md5(data));
    expect(judgeRegion(guard, 1, copiesOf(1)).blocks).toEqual([]);
    expect(judgeRegion(guard, 0, copiesOf(0)).blocks).toEqual([]);
  });

  it('leaves a block wrong on every leg as it is', () => {
    write(randomBytes(SIZE), 0);
    guard.persist();
    for (const l of legs) flip(join(dir, l.lv.name), 3 * 4096);
    const before = legs.map((l) => md5(readFileSync(join(dir, l.lv.name))));
    const f = judgeRegion(guard, 0, copiesOf(0));
    expect(f).toMatchObject({ badLegs: [0, 1], lost: 1, blocks: [{ index: 3, bad: [0, 1], source: null }] });
    expect(repairRegion(guard, f, copiesOf(0), legs)).toBe(0);
    expect(legs.map((l) => md5(readFileSync(join(dir, l.lv.name))))).toEqual(before);
  });

  it('judges unrecorded blocks by the primary, as dm-raid does, and records the CRCs it learns', () => {
    const data = randomBytes(REGION);
    for (const l of legs) l.dev!.writeAt(data, 0);
    legs[1]!.dev!.writeAt(Buffer.from('other'), 5 * 4096);
    const f = judgeRegion(guard, 0, copiesOf(0));
    expect(f.blocks).toEqual([{ index: 5, bad: [1], source: 0, unrecorded: true }]);
    repairRegion(guard, f, copiesOf(0), legs);
    guard.persist();
    open();
    flip(join(dir, 'rimage_0'), 5 * 4096 + 9);
    flip(join(dir, 'rimage_1'), 6 * 4096 + 9);
    const g = judgeRegion(guard, 0, copiesOf(0));
    expect(g.blocks.map((b) => [b.index, b.bad, b.source, b.unrecorded])).toEqual([[5, [0], 1, false], [6, [1], 0, false]]);
  });
});

function readFrom(k: number, buf: Buffer, offset: number): Buffer {
  legs[k]!.dev!.readAt(buf, offset);
  return buf;
}
