// Split checksummed reads (src/checksum/split-read.ts, issue 11's read speed): a large read of an LV
// with checksums is read and hashed half by the caller, half by a worker thread that preads the
// image files itself. The sums must be exactly those of an inline read, whatever the files hold
// (holes, the end of a file), a worker read that fails must leave the read to the caller, and the
// mirror's reads must heal rot and fail unrecoverable blocks the same way on both halves.
// The unit part runs the built code (dist/: the worker is a file of its own there).
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CliLab } from './helpers/aux.js';

const MiB = 1024 * 1024;
const dist = '../dist/src/';

describe('splitRead', () => {
  let dir: string;
  const saved = process.env.TSVM_SPLIT_READ;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tsvm-split-'));
    process.env.TSVM_SPLIT_READ = 'on';
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    if (saved === undefined) delete process.env.TSVM_SPLIT_READ;
    else process.env.TSVM_SPLIT_READ = saved;
  });

  it('gives the sums of an inline read, also past the end of the file, and falls back when the worker fails', async () => {
    const { splitRead, splitReadCounts } = await import(`${dist}checksum/split-read.js`);
    const { hashableBuffer } = await import(`${dist}checksum/block-hash.js`);
    const { blockSums } = await import(`${dist}checksum/format.js`);
    const { FileDevice } = await import(`${dist}device/file-device.js`);
    const data = randomBytes(3 * MiB);
    const f = join(dir, 'img');
    writeFileSync(f, data);
    const dev = new FileDevice(f, false);
    const buf = hashableBuffer(MiB, true) as Buffer;
    const sums = { blockBytes: 4096, version: 2, sumsOf: (d: Uint8Array) => blockSums(d, 4096, 2) };
    const before = splitReadCounts().split;
    // whole MiBs, and one reaching 512 KiB past the end of the file (zeros there, as readAt gives)
    for (const off of [0, MiB, 2 * MiB + 512 * 1024]) {
      const got = splitRead(dev, buf, off, sums);
      expect(got).not.toBeNull();
      const want = Buffer.alloc(MiB);
      data.copy(want, 0, off, Math.min(off + MiB, data.length));
      expect(buf.equals(want)).toBe(true);
      expect([...got!]).toEqual([...blockSums(want, 4096, 2)]);
    }
    expect(splitReadCounts().split - before).toBe(3);
    // A device whose second half the worker cannot read (a bad descriptor): the caller reads it.
    const liar = { path: f, size: () => data.length, readAt: (b: Uint8Array, o: number) => dev.readAt(b, o), writeAt() {}, flush() {}, close() {},
      fileRuns: (o: number, l: number) => [{ fd: 987654, pos: o, len: l }] };
    buf.fill(0xee);
    const got = splitRead(liar, buf, MiB, sums);
    expect(buf.equals(data.subarray(MiB, 2 * MiB))).toBe(true);
    expect([...got!]).toEqual([...blockSums(data.subarray(MiB, 2 * MiB), 4096, 2)]);
    // Buffers after buffer (the lvm shell's dd after dd): the worker keeps a few memories and is
    // given an evicted one again when it comes back.
    const bufs = Array.from({ length: 6 }, () => hashableBuffer(MiB, true) as Buffer);
    for (const b of [...bufs, bufs[0]!, bufs[5]!]) {
      const n = splitReadCounts().split;
      const got2 = splitRead(dev, b, 2 * MiB, sums);
      expect(splitReadCounts().split).toBe(n + 1);
      expect(b.equals(data.subarray(2 * MiB, 3 * MiB))).toBe(true);
      expect([...got2!]).toEqual([...blockSums(data.subarray(2 * MiB, 3 * MiB), 4096, 2)]);
    }
    // Too short to split: left to the caller.
    expect(splitRead(dev, hashableBuffer(64 * 1024, true), 0, sums)).toBeNull();
    dev.close();
  });
});

describe('raid1 reads split across two threads (TSVM_SPLIT_READ=on)', () => {
  let lab: CliLab;
  const leg = (k: number) => `vg/lv_rimage_${k}`;
  async function read(): Promise<{ data: Buffer; exitCode: number; stderr: string }> {
    const f = join(lab.dir, 'out');
    const r = await lab.run('dd', 'if=/dev/vg/lv', `of=${f}`, 'bs=1M', 'status=none');
    const data = readFileSync(f);
    rmSync(f);
    return { data, exitCode: r.exitCode, stderr: r.stderr };
  }
  beforeEach(async () => {
    lab = new CliLab('tsvm-split-read-');
    lab.prepareDevs(3, 100);
    mkdirSync(lab.systemDir, { recursive: true });
    writeFileSync(join(lab.systemDir, 'lvm.conf'), 'activation {\n  monitoring = 0\n}\n');
    await lab.ok('pvcreate', '/dev/loop0', '/dev/loop1', '/dev/loop2');
    await lab.ok('vgcreate', 'vg', '/dev/loop0', '/dev/loop1', '/dev/loop2');
    await lab.ok('lvcreate', '-y', '--type', 'raid1', '-m', '1', '-L', '8m', '-n', 'lv', 'vg');
    await lab.ok('lvconvert', '-i', '0', 'vg/lv');
    lab.extraEnv.TSVM_SPLIT_READ = 'on';
  });
  afterEach(() => lab.cleanup());

  it('heals rot in either half of a read and fails a block rotten on both legs with EIO', async () => {
    const data = randomBytes(8 * MiB);
    const f = join(lab.dir, 'in');
    writeFileSync(f, data);
    await lab.ok('dd', `if=${f}`, 'of=/dev/vg/lv', 'bs=1M', 'conv=fsync', 'status=none');
    // A clean read: no mismatch anywhere (the worker's sums agree with the table's).
    const clean = await read();
    expect(clean.stderr).toBe('');
    expect(clean.data.equals(data)).toBe(true);
    // Rot in the first half of one MiB read and in the second half of another.
    await lab.rot(leg(0), 2 * MiB + 8192);
    await lab.rot(leg(0), 5 * MiB + 768 * 1024 + 100);
    const r = await read();
    expect(r.exitCode).toBe(0);
    expect(r.data.equals(data)).toBe(true);
    expect(r.stderr).toContain(`WARNING: vg/lv: checksum mismatch at offset ${2 * MiB + 8192} on ${leg(0)}: rewritten from ${leg(1)}.`);
    expect(r.stderr).toContain(`WARNING: vg/lv: checksum mismatch at offset ${5 * MiB + 768 * 1024} on ${leg(0)}: rewritten from ${leg(1)}.`);
    expect(r.stderr.trim().split('\n')).toHaveLength(2);
    expect((await lab.legBytes(leg(0), 0, 8 * MiB)).equals(data)).toBe(true);
    // The same block rotten on both legs, in a second half: EIO, and neither copy "repaired".
    const at = 6 * MiB + 900 * 1024;
    await lab.rot(leg(0), at + 10);
    await lab.rot(leg(1), at + 10);
    const l0 = await lab.legBytes(leg(0), at, 4096);
    const l1 = await lab.legBytes(leg(1), at, 4096);
    const bad = await read();
    expect(bad.exitCode).not.toBe(0);
    expect(bad.stderr).toContain(`WARNING: vg/lv: checksum mismatch at offset ${at} on every image: read failed (Input/output error).`);
    expect(bad.stderr).toContain("dd: error reading '/dev/vg/lv': Input/output error");
    expect((await lab.legBytes(leg(0), at, 4096)).equals(l0)).toBe(true);
    expect((await lab.legBytes(leg(1), at, 4096)).equals(l1)).toBe(true);
  });
});
