// Crash torture for the mirror engine: tsvm processes writing through a mirror, converting it and
// resyncing it are killed with SIGKILL at random moments; after each round the next access must
// recover (dirty regions recopied from the primary leg), metadata must be consistent, no
// acknowledged write may be lost, and every leg must hold the same bytes. Bounded: TORTURE_ROUNDS
// rounds (default 50), seeded (TORTURE_SEED) so a failure can be replayed.
import { execa } from 'execa';
import { closeSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, CliLab } from './helpers/aux.js';
import { lcg } from './helpers/lcg.js';

const MiB = 1024 * 1024;
const EXTENT = 4 * MiB;
const PAGE = 4096;
const LV_MIB = 16;
const ROUNDS = Number(process.env.TORTURE_ROUNDS ?? 50);
const SEED0 = Number(process.env.TORTURE_SEED ?? Date.now() % 100000);
const rnd = lcg(SEED0);
function bytes(n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i += 4) b.writeUInt32LE((rnd(2 ** 31) * 7919) >>> 0, i);
  return b;
}

const lab = new CliLab('tsvm-torture-');
const run = (...args: string[]) => lab.run(...args);
const ok = (...args: string[]) => lab.ok(...args);

/**
 * How long the last complete run of each kind of command took (ms): the kills are aimed at a
 * random moment between 40% and 95% of it (past the start-up, into the command's work), whatever
 * the machine's and the build's speed. The first run of a kind is aimed as if it took 400 ms.
 */
const took = new Map<string, number>();

/** Start a tsvm command and SIGKILL it at a random moment; true if it finished with exit 0 before. */
async function killAfter(kind: string, ...args: string[]): Promise<boolean> {
  const ms = Math.round((took.get(kind) ?? 400) * (0.4 + rnd(550) / 1000));
  const t0 = performance.now();
  const p = execa(BIN, [...args], { env: lab.env, input: '', reject: false });
  const t = setTimeout(() => p.kill('SIGKILL'), ms);
  const r = await p;
  clearTimeout(t);
  const done = r.exitCode === 0 && !r.signal;
  if (done) took.set(kind, performance.now() - t0);
  return done;
}

interface Seg {
  lv: string;
  startLe: number;
  pv: string;
  pe0: number;
  pe1: number;
}

/** One report of every LV segment: names, devices (top level), PE ranges, Cpy%Sync. */
async function snapshot(): Promise<{ segs: Seg[]; devices: string; copy: string }> {
  const r = await ok('lvs', '-a', '--segments', '--noheadings', '--separator', ';', '-o', 'lv_name,seg_start_pe,seg_pe_ranges,devices,copy_percent', 'vg');
  const segs: Seg[] = [];
  let devices = '';
  let copy = '';
  for (const line of r.stdout.trim().split('\n')) {
    const [name, start, ranges, devs, cp] = line.trim().split(';').map((x) => x.trim());
    const lv = name!.replace(/^\[|\]$/g, '');
    if (lv === 'lv') {
      devices = devs!;
      copy = cp!;
    }
    for (const rg of ranges!.split(' ')) {
      const m = /^\/dev\/([^:]+):(\d+)-(\d+)$/.exec(rg);
      if (m) segs.push({ lv, startLe: Number(start), pv: m[1]!, pe0: Number(m[2]), pe1: Number(m[3]) });
    }
  }
  return { segs, devices, copy };
}

function legBytes(segs: Seg[], lv: string): Buffer {
  const out = Buffer.alloc(LV_MIB * MiB);
  for (const s of segs.filter((x) => x.lv === lv)) {
    const len = (s.pe1 - s.pe0 + 1) * EXTENT;
    const fd = openSync(join(lab.devDir, s.pv), 'r');
    readSync(fd, out, s.startLe * EXTENT, Math.min(len, out.length - s.startLe * EXTENT), MiB + s.pe0 * EXTENT);
    closeSync(fd);
  }
  return out;
}

/** No two LV segments share a PE. */
function checkNoOverlap(segs: Seg[]): void {
  const byPv = new Map<string, Seg[]>();
  for (const s of segs) byPv.set(s.pv, [...(byPv.get(s.pv) ?? []), s]);
  for (const runs of byPv.values()) {
    runs.sort((a, b) => a.pe0 - b.pe0);
    for (let i = 1; i < runs.length; i++) expect(runs[i]!.pe0, `${runs[i]!.lv} overlaps ${runs[i - 1]!.lv}`).toBeGreaterThan(runs[i - 1]!.pe1);
  }
}

let model: Buffer;
/** Per MiB block: the version that must be there (acknowledged), or a set of allowed ones. */
let pending: Map<number, Buffer[]> = new Map();

beforeAll(async () => {
  lab.prepareDevs(3, 64);
  await ok('pvcreate', '/dev/loop0', '/dev/loop1', '/dev/loop2');
  await ok('vgcreate', 'vg', '/dev/loop0', '/dev/loop1', '/dev/loop2');
  await ok('lvcreate', '-L', `${LV_MIB}m`, '-n', 'lv', 'vg');
  model = bytes(LV_MIB * MiB);
  writeFileSync(join(lab.dir, 'init'), model);
  await ok('dd', `if=${join(lab.dir, 'init')}`, 'of=/dev/vg/lv', 'bs=1M', 'conv=fsync', 'status=none');
  await ok('lvconvert', '-y', '-i', '0', '--type', 'mirror', '-m', '1', 'vg/lv');
});
afterAll(() => lab.cleanup());

async function recoverAndCheck(round: string): Promise<void> {
  // The next access recovers: a poll finishes any conversion/resync and recopies dirty regions.
  await ok('lvconvert', '-i', '0', 'vg/lv');
  const snap = await snapshot();
  checkNoOverlap(snap.segs);
  const isMirror = !snap.devices.startsWith('/dev/');
  const images = isMirror ? snap.devices.split(',').map((d) => d.replace(/\(\d+\)$/, '')) : ['lv'];
  const copies = images.map((i) => legBytes(snap.segs, i));
  for (let i = 1; i < copies.length; i++) expect(copies[i]!.equals(copies[0]!), `${round}: leg ${images[i]} differs from ${images[0]}`).toBe(true);
  if (isMirror) expect(snap.copy, round).toBe('100.00');
  const got = copies[0]!;
  for (let b = 0; b < LV_MIB; b++) {
    const block = got.subarray(b * MiB, (b + 1) * MiB);
    const allowed = [model.subarray(b * MiB, (b + 1) * MiB), ...(pending.get(b) ?? [])];
    if (!allowed.some((a) => a.equals(block))) {
      // A write killed inside its pwrite(2) may be torn: Linux stops copying a write to a file
      // between pages once SIGKILL is pending. So an unacknowledged MiB may mix versions, but
      // each 4 KiB page must still be one of them; a block with no pending write has no excuse.
      expect(pending.has(b), `${round}: MiB ${b} does not hold the acknowledged data`).toBe(true);
      for (let p = 0; p < MiB; p += PAGE) {
        const page = block.subarray(p, p + PAGE);
        const hit = allowed.find((a) => a.subarray(p, p + PAGE).equals(page));
        expect(hit, `${round}: MiB ${b}, page at ${p} holds neither the acknowledged data nor an unacknowledged write`).toBeDefined();
      }
    }
    // From now on what was read is what must stay (recovery settled it).
    block.copy(model, b * MiB);
  }
  pending = new Map();
  if (isMirror) expect(await lab.lvField('vg/lv', 'copy_percent')).toBe('100.00');
}

describe(`torture: SIGKILL during writes, conversions and resyncs (seed ${SEED0})`, () => {
  it(`${ROUNDS} rounds`, async () => {
    const counts = { write: 0, convert: 0, resync: 0, killed: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      const what = rnd(10);
      let done: boolean;
      const mirrored = !(await snapshot()).devices.startsWith('/dev/');
      if (what < 6 || !mirrored) {
        counts.write++;
        const off = rnd(LV_MIB - 2);
        const n = 1 + rnd(2);
        const data = bytes(n * MiB);
        const f = join(lab.dir, 'w');
        writeFileSync(f, data);
        done = await killAfter('write', 'dd', `if=${f}`, 'of=/dev/vg/lv', 'bs=1M', `seek=${off}`, 'conv=notrunc,fsync', 'status=none');
        for (let b = 0; b < n; b++) {
          const blk = data.subarray(b * MiB, (b + 1) * MiB);
          if (done) blk.copy(model, (off + b) * MiB);
          else pending.set(off + b, [...(pending.get(off + b) ?? []), Buffer.from(blk)]);
        }
        if (!mirrored) await ok('lvconvert', '-y', '-i', '0', '--type', 'mirror', '-m', '1', 'vg/lv');
      } else if (what < 8) {
        counts.convert++;
        // down to linear, then up again with the copy killed at a random moment
        await ok('lvconvert', '-y', '-m', '0', 'vg/lv');
        done = await killAfter('convert', 'lvconvert', '-y', '-i', '0', '--type', 'mirror', '-m', '1', 'vg/lv');
      } else {
        counts.resync++;
        done = await killAfter('resync', 'lvchange', '-y', '--resync', 'vg/lv');
        if (done) done = await killAfter('poll', 'lvconvert', '-i', '0', 'vg/lv');
      }
      if (!done) counts.killed++;
      await recoverAndCheck(`round ${round} (seed ${SEED0})`);
    }
    rmSync(join(lab.dir, 'w'), { force: true });
    // Enough of the rounds must really have been interrupted.
    expect(counts.killed).toBeGreaterThan(ROUNDS / 5);
    console.log(`torture seed ${SEED0} (last complete runs, ms: ${JSON.stringify(Object.fromEntries(took))}):`, counts);
  }, 280_000);
});

describe('an interrupted conversion resumes where it stopped', () => {
  it('kill -9 of lvconvert mid-copy: the next run copies only what was left', async () => {
    const l2 = new CliLab('tsvm-resume-');
    try {
      l2.prepareDevs(3, 200);
      const o = (...a: string[]) => l2.ok(...a);
      await o('pvcreate', '/dev/loop0', '/dev/loop1', '/dev/loop2');
      await o('vgcreate', 'vg', '/dev/loop0', '/dev/loop1', '/dev/loop2');
      await o('lvcreate', '-L', '64m', '-n', 'lv', 'vg', '/dev/loop0');
      writeFileSync(join(l2.dir, 'd'), bytes(64 * MiB));
      await o('dd', `if=${join(l2.dir, 'd')}`, 'of=/dev/vg/lv', 'bs=1M', 'status=none');
      // Slow the new leg down so the copy is still running when it is killed.
      await o('fault', 'add', '/dev/loop1', '--delay', '40', '--write');
      const p = execa(BIN, ['lvconvert', '-y', '-i', '0', '--type', 'mirror', '-m', '1', 'vg/lv', '/dev/loop1', '/dev/loop2'],
        { env: { ...l2.env, TSVM_NO_AUTOSYNC: '1' }, reject: false });
      let pct = 0;
      for (let i = 0; i < 200 && pct < 20; i++) {
        await new Promise((r) => setTimeout(r, 50));
        const r = await l2.run('lvs', '--noheadings', '-o', 'copy_percent', 'vg/lv');
        pct = Number(r.stdout.trim()) || 0;
      }
      p.kill('SIGKILL');
      await p;
      const after = Number((await l2.run('lvs', '--noheadings', '-o', 'copy_percent', 'vg/lv')).stdout.trim());
      expect(after).toBeGreaterThan(0);
      expect(after).toBeLessThan(100);
      await o('fault', 'clear');
      const uuid = (await l2.lvField('vg/lv', 'lv_uuid')).trim();
      await l2.run('lvconvert', '-i', '0', 'vg/lv');
      const stats = JSON.parse(readFileSync(join(l2.systemDir, 'run', `mirror-${uuid}.lastsync.json`), 'utf8'));
      expect(stats.regionsSynced).toBeLessThan(32);
      expect(stats.regionsSynced).toBeGreaterThan(0);
      expect(await l2.lvField('vg/lv', 'copy_percent')).toBe('100.00');
    } finally {
      l2.cleanup();
    }
  }, 60_000);
});
