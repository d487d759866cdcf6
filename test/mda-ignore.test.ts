// Ignored metadata areas (pvchange --metadataignore, vgchange --metadatacopies): the flag is
// LVM2's RAW_LOCN_IGNORED in the area header's slot 0; an area found ignored is left as it is by
// later commits, a newly ignored one gets the text once more; vgscan reads the flags back.
// (Golden 15-mdacopies and fixtures/ondisk/05-metadata-ignore compare the reports with LVM2.)
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeSync, openSync, readSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliLab } from './helpers/aux.js';

let lab: CliLab;

beforeEach(async () => {
  lab = new CliLab('tsvm-mdaignore-');
  lab.prepareDevs(3, 100);
  await lab.ok('vgcreate', 'vg', '/dev/loop0', '/dev/loop1', '/dev/loop2');
});
afterEach(() => lab.cleanup());

/** slot 0 of the mda header at 4 KiB: offset, size, flags. */
function slot0(dev: string): { offset: number; size: number; flags: number } {
  const b = Buffer.alloc(512);
  const fd = openSync(join(lab.devDir, dev), 'r');
  readSync(fd, b, 0, 512, 4096);
  closeSync(fd);
  return { offset: Number(b.readBigUInt64LE(40)), size: Number(b.readBigUInt64LE(48)), flags: b.readUInt32LE(60) };
}

const counts = async () => (await lab.ok('pvs', '--noheadings', '-o', 'pv_name,pv_mda_used_count,pv_mda_free')).stdout;

describe('ignored metadata areas', () => {
  it('flags the header, leaves an ignored area alone, and survives a rebuilt database', async () => {
    await lab.ok('pvchange', '--metadataignore', 'y', '/dev/loop1');
    const ignored = slot0('loop1');
    expect(ignored.flags).toBe(1);
    expect(ignored.size).toBeGreaterThan(0);
    expect(slot0('loop0').flags).toBe(0);
    await lab.ok('lvcreate', '-L', '8m', '-n', 'lv', 'vg');
    // the ignored area keeps the copy it had; the others moved on
    expect(slot0('loop1')).toEqual(ignored);
    expect(slot0('loop0').offset).not.toBe(ignored.offset);
    const before = await counts();
    expect(before).toMatch(/loop1 +0 +0 \n/);
    rmSync(lab.systemDir, { recursive: true, force: true });
    await lab.ok('vgscan');
    expect(await counts()).toBe(before);
    await lab.ok('pvchange', '--metadataignore', 'n', '/dev/loop1');
    expect(slot0('loop1').flags).toBe(0);
    // an area coming back into use starts its buffer afresh (the old copy is not followed)
    expect(slot0('loop1').offset).toBe(512);
  });

  it('keeps the managed number of copies when PVs join', async () => {
    await lab.ok('vgchange', '--metadatacopies', '1', 'vg');
    writeFileSync(join(lab.devDir, 'loop3'), '');
    truncateSync(join(lab.devDir, 'loop3'), 100 * 1024 * 1024);
    await lab.ok('pvcreate', '/dev/loop3');
    await lab.ok('vgextend', 'vg', '/dev/loop3');
    const used = (await lab.ok('vgs', '--noheadings', '-o', 'vg_mda_count,vg_mda_used_count,vg_mda_copies', 'vg')).stdout.trim();
    expect(used.split(/\s+/)).toEqual(['4', '1', '1']);
    expect(['loop0', 'loop1', 'loop2', 'loop3'].filter((d) => !(slot0(d).flags & 1))).toHaveLength(1);
  });
});
