// lvextend of a raid1 LV by a lot (issue 11): LVM2 keeps the rmeta at its size and doubles the
// region size past 2^21 regions (lv_extend, raid_ensure_min_region_size); tsvm's write-intent bitmap
// and checksum table live in that fixed space, so the table is re-laid (regrouped, or recomputed from
// data verified against the old checksums when the block must grow) and the bitmap remapped.
// Afterwards reads still heal rot in old and in new data, and the resync copied
// nothing it did not have to. The rmeta bytes are read straight from the PV image files.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { blockSums, decodeHeader, decodeRecord, geometry, recordOffset, type CsumHeader } from '../src/checksum/format.js';
import { RaidLab } from './helpers/raid.js';

const MiB = 1024 * 1024;
const CSUM_AREA = MiB; // RMETA_CSUM_OFFSET
let lab: RaidLab;
afterEach(() => lab.cleanup());

async function header(k: number): Promise<CsumHeader> {
  const h = decodeHeader(await lab.legBytes(`vg/r_rmeta_${k}`, CSUM_AREA, 4096));
  expect(h).not.toBeNull();
  return h!;
}

/** Region q's record in rmeta k equals the checksums of `data`'s bytes of that region. */
async function recordMatches(k: number, h: CsumHeader, q: number, data: Buffer): Promise<boolean> {
  const g = geometry(h);
  const raw = await lab.legBytes(`vg/r_rmeta_${k}`, CSUM_AREA + recordOffset(g, q), g.recordBytes);
  const rec = decodeRecord(raw, g.blocksPerRegion);
  const want = blockSums(data.subarray(q * g.regionBytes, (q + 1) * g.regionBytes), g.blockBytes, h.version);
  return !!rec && rec.every((e, i) => e === want[i]);
}

async function readHealing(offMiB: number, lenMiB: number): Promise<{ data: Buffer; stderr: string }> {
  const f = join(lab.dir, `out-${Math.random()}`);
  const r = await lab.ok('dd', 'if=/dev/vg/r', `of=${f}`, 'bs=1M', `skip=${offMiB}`, `count=${lenMiB}`, 'status=none');
  return { data: readFileSync(f), stderr: r.stderr };
}

function lastSync(uuid: string): { copiedBytes: number } {
  return JSON.parse(readFileSync(join(lab.systemDir, 'run', `mirror-${uuid}.lastsync.json`), 'utf8'));
}

describe('lvextend of a raid1 LV with checksums', () => {
  beforeEach(() => {
    lab = new RaidLab('tsvm-raid1-extend-');
  });

  it('64 MiB to 4 GiB: the block grows (4 KiB to 8 KiB), every old block recomputed from verified data', async () => {
    lab.prepareDevs(2, 4200);
    await lab.ok('vgcreate', 'vg', '/dev/loop0', '/dev/loop1');
    await lab.ok('lvcreate', '-m', '1', '-L', '64m', '-n', 'r', 'vg');
    const data = randomBytes(64 * MiB);
    await lab.write('vg/r', data);
    await lab.settle('vg/r');
    expect((await header(0)).blockShift).toBe(12);
    // rot on the primary before the extension: its new checksum must come from the right copy
    await lab.rot('vg/r_rimage_0', 10 * MiB + 5000);
    const r = await lab.ok('lvextend', '-L', '4g', 'vg/r');
    // the re-hash shows its progress as lvconvert does (first line when it starts, 100.00% at the end)
    expect(r.stdout).toBe('  Extending 2 mirror images.\n'
      + '  Size of logical volume vg/r changed from 64.00 MiB (16 extents) to 4.00 GiB (1024 extents).\n'
      + '  vg/r: Checksummed: 0.00%\n  vg/r: Checksummed: 100.00%\n'
      + '  Logical volume vg/r successfully resized.');
    expect(r.stderr).toBe('');
    await lab.settle('vg/r');
    // the rmeta kept its size (LVM2), the table now covers 2048 regions of 2 MiB with 8 KiB blocks
    expect(await lab.lvField('vg/r_rmeta_0', 'lv_size')).toBe('4.00m');
    for (const k of [0, 1]) {
      const h = await header(k);
      expect(h).toMatchObject({ version: 2, enabled: true, blockShift: 13, regionSize: 4096, nrRegions: 2048 });
      for (const q of [0, 5, 7, 31]) expect(await recordMatches(k, h, q, data)).toBe(true);
    }
    // the extension's resync had nothing to copy: the new regions were never written
    expect(lastSync(await lab.lvField('vg/r', 'lv_uuid')).copiedBytes).toBe(0);
    expect(await lab.dirtyRegions('vg/r')).toEqual([]);
    // the rot in old data is still caught and healed from the other image
    const back = await readHealing(0, 64);
    expect(back.data.equals(data)).toBe(true);
    expect(back.stderr).toContain('WARNING: vg/r: checksum mismatch at offset 10485760 on vg/r_rimage_0: rewritten from vg/r_rimage_1.');
    // and so is rot in data written at the new end
    const tail = randomBytes(2 * MiB);
    await lab.write('vg/r', tail, 4 * 1024 - 2);
    await lab.rot('vg/r_rimage_0', (4 * 1024 - 1) * MiB + 77);
    const end = await readHealing(4 * 1024 - 2, 2);
    expect(end.data.equals(tail)).toBe(true);
    expect(end.stderr).toContain(`WARNING: vg/r: checksum mismatch at offset ${(4 * 1024 - 1) * MiB} on vg/r_rimage_0: rewritten from vg/r_rimage_1.`);
    expect((await lab.legBytes('vg/r_rimage_0', (4 * 1024 - 2) * MiB, 2 * MiB)).equals(tail)).toBe(true);
  }, 300_000);

  it('past 2^21 regions the region size doubles (4 KiB to 8 KiB): bitmap and table regrouped, rot still healed', async () => {
    lab.prepareDevs(2, 9600);
    await lab.ok('vgcreate', '-s', '64m', 'vg', '/dev/loop0', '/dev/loop1');
    await lab.ok('lvcreate', '-m', '1', '-R', '4k', '-l', '1', '-n', 'r', 'vg');
    const data = randomBytes(64 * MiB);
    await lab.write('vg/r', data);
    await lab.settle('vg/r');
    expect(await header(0)).toMatchObject({ blockShift: 12, regionSize: 8, nrRegions: 16384 });
    // a progress line when it starts, every activation/polling_interval seconds (1 here), and at 100.00%
    const r = await lab.ok('lvextend', '--config', 'activation/polling_interval=1', '-L', '9g', 'vg/r');
    const lines = r.stdout.split('\n').filter((l) => l.includes('Checksummed'));
    expect(lines[0]).toBe('  vg/r: Checksummed: 0.00%');
    expect(lines[lines.length - 1]).toBe('  vg/r: Checksummed: 100.00%');
    for (const l of lines) expect(l).toMatch(/^ {2}vg\/r: Checksummed: \d+\.\d\d%$/);
    expect(r.stdout.indexOf('Checksummed: 100.00%')).toBeLessThan(r.stdout.indexOf('successfully resized'));
    // LVM2's raid_ensure_min_region_size: 9 GiB / 2^21 sectors = 9 sectors, so 4 KiB doubles once
    expect(await lab.lvField('vg/r', 'region_size')).toBe('8.00k');
    await lab.settle('vg/r');
    expect(await lab.dirtyRegions('vg/r')).toEqual([]);
    for (const k of [0, 1]) {
      const h = await header(k);
      expect(h).toMatchObject({ enabled: true, blockShift: 12, regionSize: 16, nrRegions: 1179648 });
      for (const q of [0, 640, 8191]) expect(await recordMatches(k, h, q, data)).toBe(true);
    }
    await lab.rot('vg/r_rimage_0', 5 * MiB + 4096 + 3);
    const back = await readHealing(0, 64);
    expect(back.data.equals(data)).toBe(true);
    expect(back.stderr).toContain('WARNING: vg/r: checksum mismatch at offset 5246976 on vg/r_rimage_0: rewritten from vg/r_rimage_1.');
    expect((await lab.legBytes('vg/r_rimage_0', 0, 64 * MiB)).equals(data)).toBe(true);
  }, 300_000);

  it('an rmeta too small for the grown bitmap refuses the extension, changing nothing', async () => {
    lab.prepareDevs(2, 400);
    await lab.ok('vgcreate', '-s', '8k', 'vg', '/dev/loop0', '/dev/loop1');
    await lab.ok('lvcreate', '-m', '1', '-R', '4k', '-L', '8m', '-n', 'r', 'vg');
    await lab.settle('vg/r');
    expect(await lab.lvField('vg/r_rmeta_0', 'lv_size')).toBe('16.00k');
    expect(await lab.failsUnchanged(5, 'lvextend', '-L', '380m', 'vg/r')).toBe(
      '  Metadata LV vg/r_rmeta_0 of 16.00 KiB is too small for the write-intent bitmap of the 97280 regions of vg/r (13.00 KiB needed); '
        + 'raid metadata LVs are not extended.\n  Use a larger region size for vg/r, or a VG with larger extents.');
  }, 120_000);
});
