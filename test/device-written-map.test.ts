// The ever-written map of PV images: marked before a write lands, persistent across processes,
// conservative for images that already held data.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WrittenMap, initWrittenMap, WRITTEN_CHUNK } from '../src/device/written-map.js';
import { DevicePool } from '../src/device/device-pool.js';
import type { PhysicalVolume } from '../src/model/types.js';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'tsvm-wm-'));
  dirs.push(d);
  return d;
};
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('WrittenMap', () => {
  it('marks chunks and remembers them in a new instance', () => {
    const d = tmp();
    const m = WrittenMap.forPv(d, 'pv1');
    expect(m.written(0, 100 * WRITTEN_CHUNK)).toBe(false);
    m.mark(5 * WRITTEN_CHUNK + 10, 14);
    m.mark(40 * WRITTEN_CHUNK - 1, 2); // straddles chunks 39 and 40
    m.close();
    const again = WrittenMap.forPv(d, 'pv1');
    expect(again.written(5 * WRITTEN_CHUNK, 1)).toBe(true);
    expect(again.written(6 * WRITTEN_CHUNK, WRITTEN_CHUNK)).toBe(false);
    expect(again.written(39 * WRITTEN_CHUNK, 1)).toBe(true);
    expect(again.written(40 * WRITTEN_CHUNK, 1)).toBe(true);
    expect(again.written(41 * WRITTEN_CHUNK, 10 * WRITTEN_CHUNK)).toBe(false);
  });

  it('two processes marking chunks of one PV keep each other\'s marks (merged with the bytes on disk)', () => {
    const d = tmp();
    const a = WrittenMap.forPv(d, 'pv1');
    a.mark(2 * WRITTEN_CHUNK, 1); // a's copy of the map now has byte 0
    const b = WrittenMap.forPv(d, 'pv1'); // another process, loaded now
    b.mark(9 * WRITTEN_CHUNK, 1);
    b.close();
    a.mark(10 * WRITTEN_CHUNK, 1); // same byte 1 as chunk 9: a's stale copy must not erase it
    a.close();
    const again = WrittenMap.forPv(d, 'pv1');
    expect(again.written(2 * WRITTEN_CHUNK, 1)).toBe(true);
    expect(again.written(9 * WRITTEN_CHUNK, 1)).toBe(true);
    expect(again.written(10 * WRITTEN_CHUNK, 1)).toBe(true);
    expect(again.written(11 * WRITTEN_CHUNK, 1)).toBe(false);
  });

  it('a write of a whole chunk or more marks the next 31 chunks with it (one map sync per 32 MiB of a stream)', () => {
    const d = tmp();
    const m = WrittenMap.forPv(d, 'pv1');
    m.mark(4 * WRITTEN_CHUNK, WRITTEN_CHUNK);
    m.close();
    const again = WrittenMap.forPv(d, 'pv1');
    expect(again.written(35 * WRITTEN_CHUNK, 1)).toBe(true);
    expect(again.written(36 * WRITTEN_CHUNK, 1)).toBe(false);
    expect(again.written(3 * WRITTEN_CHUNK, 1)).toBe(false);
  });

  it('starts empty for a sparse image and full for one that holds data', () => {
    const d = tmp();
    const sparse = join(d, 'sparse');
    writeFileSync(sparse, '');
    truncateSync(sparse, 64 * WRITTEN_CHUNK);
    initWrittenMap(d, 'a', sparse, 64 * WRITTEN_CHUNK);
    expect(WrittenMap.forPv(d, 'a').written(0, 64 * WRITTEN_CHUNK)).toBe(false);
    const full = join(d, 'full');
    writeFileSync(full, Buffer.alloc(4 * WRITTEN_CHUNK, 1));
    initWrittenMap(d, 'b', full, 4 * WRITTEN_CHUNK);
    expect(WrittenMap.forPv(d, 'b').written(3 * WRITTEN_CHUNK, 1)).toBe(true);
  });

  it('is filled by writes through the device pool, before they land', () => {
    const d = tmp();
    const img = join(d, 'img');
    writeFileSync(img, '');
    truncateSync(img, 16 * WRITTEN_CHUNK);
    const pv: PhysicalVolume = { uuid: 'u1', name: '/dev/img', path: img, devSize: 16 * WRITTEN_CHUNK, peStart: 2048,
      peCount: 3, allocatable: true, missing: false, tags: [], vgName: 'vg' };
    const pool = new DevicePool(d);
    pool.get(pv, true).writeAt(Buffer.from('hello'), 3 * WRITTEN_CHUNK + 7);
    expect(pool.everWritten(pv, 3 * WRITTEN_CHUNK, WRITTEN_CHUNK)).toBe(true);
    expect(pool.everWritten(pv, 4 * WRITTEN_CHUNK, WRITTEN_CHUNK)).toBe(false);
    pool.closeAll();
    expect(new DevicePool(d).everWritten(pv, 3 * WRITTEN_CHUNK, 1)).toBe(true);
  });
});
