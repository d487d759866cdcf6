// tsvm dd, run as the built binary: file -> LV -> file round trips (bytes checked on the images),
// writing past the end, inactive and unknown LVs, stdin/stdout, skip/seek/count, injected faults,
// and GNU dd's exact statistics lines (compared with the system's dd on the same operands).
import { NO_KERNEL_DEVICES } from './helpers/serving.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { BIN } from './helpers/aux.js';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDb } from '../src/store/db.js';
import { MetadataStore } from '../src/store/metadata-store.js';
import { saveFaults } from '../src/device/faults.js';
import { lvByteRuns, pvByteOffset } from '../src/lv-io/index.js';
import type { VolumeGroup } from '../src/model/types.js';
import { MiB, makeLab, makeLv, makePv, makeVg, pvArea, random, readImage, seg, type Lab } from './lv-io-helpers.js';

let lab: Lab;
let vg: VolumeGroup;

beforeEach(() => {
  lab = makeLab();
  const pv1 = makePv(lab, 'loop1', 16, 15);
  const pv2 = makePv(lab, 'loop2', 16, 15);
  vg = makeVg('vg', 2048, [pv1, pv2], [
    makeLv('lin', [seg(0, 2, [pvArea(pv1, 3)])]),
    makeLv('str', [seg(0, 4, [pvArea(pv1, 6), pvArea(pv2, 1)], 128), seg(4, 1, [pvArea(pv2, 9)])]),
    makeLv('off', [seg(0, 1, [pvArea(pv2, 12)])], { active: false }),
  ]);
  const db = openDb(lab.systemDir);
  new MetadataStore(db).commitVg(null, vg, 'test setup');
  db.close();
});
afterEach(() => lab.cleanup());

const dd = (args: string[], input?: Uint8Array | string) => execa(BIN, ['dd', ...args], {
  reject: false, encoding: 'buffer', input, env: { TSVM_SYSTEM_DIR: lab.systemDir, TSVM_DEV_DIR: lab.devDir, ...NO_KERNEL_DEVICES },
});
const errLines = (r: { stderr: unknown }) => Buffer.from(r.stderr as Uint8Array).toString().split('\n').filter(Boolean);
/** The statistics with the time and rate (which vary) cut off. */
const stable = (lines: string[]) => lines.map((l) => l.replace(/ copied, .*$/, ' copied'));

describe('tsvm dd', () => {
  it('file -> striped LV -> file round trip; the bytes are where the extent map says', async () => {
    const data = random(5 * MiB);
    const src = join(lab.dir, 'in');
    const out = join(lab.dir, 'out');
    writeFileSync(src, data);
    let r = await dd([`if=${src}`, 'of=/dev/vg/str', 'bs=1M', 'conv=fsync']);
    expect(r.exitCode).toBe(0);
    expect(stable(errLines(r))).toEqual(['5+0 records in', '5+0 records out', '5242880 bytes (5.2 MB, 5.0 MiB) copied']);
    expect(errLines(r)[2]).toMatch(/^5242880 bytes \(5\.2 MB, 5\.0 MiB\) copied, [0-9.e-]+ s, [0-9.]+ [kMG]B\/s$/);
    for (const run of lvByteRuns(vg, vg.lvs[1]!, 0, 5 * MiB)) {
      const want = data.subarray(run.lvOffset, run.lvOffset + run.length);
      expect(Buffer.from(readImage(run.pv.path, run.byteOffset, run.length)).equals(Buffer.from(want))).toBe(true);
    }
    r = await dd(['if=vg/str', `of=${out}`, 'bs=64K']);
    expect(r.exitCode).toBe(0);
    expect(stable(errLines(r))).toEqual(['80+0 records in', '80+0 records out', '5242880 bytes (5.2 MB, 5.0 MiB) copied']);
    expect(readFileSync(out).equals(Buffer.from(data))).toBe(true);
  });

  it('stdin to an LV and an LV to stdout, with seek/skip/count in bytes', async () => {
    const data = random(300_000);
    let r = await dd(['of=vg/lin', 'bs=100000', 'seek=12345', 'oflag=seek_bytes', 'iflag=fullblock'], data);
    expect(r.exitCode).toBe(0);
    expect(stable(errLines(r))).toEqual(['3+0 records in', '3+0 records out', '300000 bytes (300 kB, 293 KiB) copied']);
    const img = readImage(join(lab.devDir, 'loop1'), pvByteOffset(vg, vg.pvs[0]!, 3) + 12345, data.length);
    expect(Buffer.from(img).equals(Buffer.from(data))).toBe(true);
    r = await dd(['if=/dev/vg/lin', 'skip=12345', 'count=300000', 'iflag=skip_bytes,count_bytes', 'bs=128K', 'status=none']);
    expect(r.exitCode).toBe(0);
    expect(errLines(r)).toEqual([]);
    expect(Buffer.from(r.stdout as Uint8Array).equals(Buffer.from(data))).toBe(true);
  });

  it('writing past the end of the LV: the part that fits, then ENOSPC, exit 1', async () => {
    let r = await dd(['if=/dev/zero', 'of=/dev/vg/lin', 'bs=1M', 'count=3']);
    expect(r.exitCode).toBe(1);
    expect(stable(errLines(r))).toEqual([
      "dd: error writing '/dev/vg/lin': No space left on device",
      '3+0 records in', '2+0 records out', '2097152 bytes (2.1 MB, 2.0 MiB) copied',
    ]);
    r = await dd(['if=/dev/zero', 'of=/dev/vg/lin', 'bs=768K', 'count=5']);
    expect(r.exitCode).toBe(1);
    expect(stable(errLines(r))).toEqual([
      "dd: error writing '/dev/vg/lin': No space left on device",
      '3+0 records in', '2+0 records out', '2097152 bytes (2.1 MB, 2.0 MiB) copied',
    ]);
    r = await dd(['if=/dev/zero', 'of=/dev/vg/lin', 'bs=1M', 'seek=3']);
    expect(r.exitCode).toBe(1);
    expect(errLines(r)[0]).toBe('dd: /dev/vg/lin: cannot seek: Invalid argument');
  });

  it('reading stops at the end of the LV', async () => {
    const r = await dd(['if=vg/lin', 'of=/dev/null', 'bs=768K']);
    expect(r.exitCode).toBe(0);
    expect(stable(errLines(r))).toEqual(['2+1 records in', '2+1 records out', '2097152 bytes (2.1 MB, 2.0 MiB) copied']);
  });

  it('an inactive LV, an unknown LV: failed to open, exit 1, no statistics', async () => {
    let r = await dd(['if=/dev/vg/off', 'of=/dev/null']);
    expect(r.exitCode).toBe(1);
    expect(errLines(r)).toEqual(["dd: failed to open '/dev/vg/off': No such device or address"]);
    r = await dd(['if=/dev/zero', 'of=/dev/vg/nope', 'count=1']);
    expect(errLines(r)).toEqual(["dd: failed to open '/dev/vg/nope': No such file or directory"]);
    expect(r.exitCode).toBe(1);
  });

  it('an injected read error: error reading, exit 1; conv=noerror,sync goes on with zeros', async () => {
    const pv1 = vg.pvs[0]!;
    saveFaults(lab.systemDir, [{ device: '/dev/loop1', op: 'read', offset: pvByteOffset(vg, pv1, 4), length: 512, kind: 'error' }]);
    let r = await dd(['if=/dev/vg/lin', 'of=/dev/null', 'bs=1M']);
    expect(r.exitCode).toBe(1);
    expect(stable(errLines(r))).toEqual([
      "dd: error reading '/dev/vg/lin': Input/output error",
      '1+0 records in', '1+0 records out', '1048576 bytes (1.0 MB, 1.0 MiB) copied',
    ]);
    r = await dd(['if=/dev/vg/lin', `of=${join(lab.dir, 'rescued')}`, 'bs=1M', 'conv=noerror,sync']);
    expect(r.exitCode).toBe(0);
    expect(stable(errLines(r))).toEqual([
      "dd: error reading '/dev/vg/lin': Input/output error",
      '1+0 records in', '1+0 records out', '1048576 bytes (1.0 MB, 1.0 MiB) copied',
      '1+1 records in', '2+0 records out', '2097152 bytes (2.1 MB, 2.0 MiB) copied',
    ]);
    expect(statSync(join(lab.dir, 'rescued')).size).toBe(2 * MiB);
  });

  it('an injected write error: error writing, exit 1', async () => {
    saveFaults(lab.systemDir, [{ device: '/dev/loop2', op: 'write', offset: 'all', length: 'all', kind: 'error' }]);
    const r = await dd(['if=/dev/zero', 'of=vg/str', 'bs=64K', 'count=4']);
    expect(r.exitCode).toBe(1);
    expect(stable(errLines(r))).toEqual([
      "dd: error writing 'vg/str': Input/output error",
      '2+0 records in', '1+0 records out', '65536 bytes (66 kB, 64 KiB) copied',
    ]);
  });

  it('bad operands exit 1 with dd messages', async () => {
    let r = await dd(['foo=1'], '');
    expect(r.exitCode).toBe(1);
    expect(errLines(r)[0]).toMatch(/^dd: unrecognized operand .foo=1.$/);
    r = await dd(['bs=0'], '');
    expect(r.exitCode).toBe(1);
    expect(errLines(r)).toEqual([expect.stringMatching(/^dd: invalid number: .0.$/)]);
    r = await dd(['--help']);
    expect(Buffer.from(r.stdout as Uint8Array).toString()).toContain('No space left on device');
  });
});

describe('statistics match GNU dd', () => {
  const cases: string[][] = [
    ['bs=1000', 'count=7'], ['ibs=300', 'obs=700'], ['bs=1M'], ['bs=3', 'count=5', 'iflag=count_bytes'],
    ['skip=2', 'bs=100'], ['ibs=4K', 'obs=1K', 'count=2'], ['bs=1M', 'iflag=fullblock', 'count=2'], [],
  ];
  for (const ops of cases) {
    it(`dd ${ops.join(' ') || '(defaults)'}`, async () => {
      const input = random(2_500_000);
      const src = join(lab.dir, 'src');
      writeFileSync(src, input);
      const gnu = await execa('dd', [`if=${src}`, `of=${join(lab.dir, 'gnu')}`, ...ops], { reject: false, env: { LC_ALL: 'C' } });
      const ours = await dd([`if=${src}`, `of=${join(lab.dir, 'ours')}`, ...ops]);
      expect(ours.exitCode).toBe(gnu.exitCode);
      expect(stable(errLines(ours))).toEqual(stable(gnu.stderr.split('\n').filter(Boolean)));
      expect(readFileSync(join(lab.dir, 'ours')).equals(readFileSync(join(lab.dir, 'gnu')))).toBe(true);
    });
  }
});
