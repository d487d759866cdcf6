// Failover of a group with several replicas (issue 12, items 4 and 7 together): site A replicates to
// B (async, through a link that the test cuts) and to C (sync). A is cut off from B, writes on (C
// gets it, B does not), B is promoted and writes. A's demotion keeps the promoted replica (the one
// its shipper found promoted, or the one named by --target) and drops C, which holds writes B never
// got; B takes C with `replica add` (a full copy) and fails back to A while C ships on. At the end A,
// B and C hold the same bytes. Refusals change nothing.
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliLab } from './helpers/aux.js';
import { until } from './helpers/serving.js';
import { Procs, replicaSite, replStatus } from './helpers/repl-lab.js';

const R = 512 * 1024; // the replication region size
const MiB = 1024 * 1024;

let labs: CliLab[] = [];
const procs = new Procs();

afterEach(() => {
  procs.stopAll();
  for (const l of labs) l.cleanup();
  labs = [];
});

const uri = (lv: string, socket: string) => `nbd+unix:///${lv}?socket=${socket}`;
const vgSocket = (lab: CliLab, vg: string) => join(lab.systemDir, 'run', 'nbd', `${vg}.sock`);

function pattern(tag: string, region: number): Buffer {
  const b = Buffer.alloc(R);
  for (let i = 0; i < R; i += 64) b.write(`${tag}:${region}:${i}`.padEnd(64, '.'), i, 'latin1');
  return b;
}

async function writeRegion(lab: CliLab, lv: string, region: number, data: Buffer): Promise<void> {
  const file = join(lab.dir, `w-${region}`);
  writeFileSync(file, data);
  await lab.ok('dd', `if=${file}`, `of=/dev/${lv}`, `bs=${R}`, 'count=1', `seek=${region}`, 'conv=fsync');
}

const site = (prefix: string, vg: string): Promise<CliLab> => replicaSite(labs, prefix, vg);

describe('failover of a group with several replicas', () => {
  it('demotes keeping the promoted replica, drops the others, fails back with several replicas', async () => {
    const a = await site('tsvm-repl-many-a-', 'vg');
    const b = await site('tsvm-repl-many-b-', 'dr');
    const c = await site('tsvm-repl-many-c-', 'dc');
    const base = Buffer.alloc(8 * MiB);
    for (let r = 0; r < 16; r++) pattern('BASE', r).copy(base, r * R);
    writeFileSync(join(a.dir, 'base'), base);
    await a.ok('dd', `if=${join(a.dir, 'base')}`, 'of=/dev/vg/data', 'bs=1M', 'conv=fsync');
    const expected = Buffer.from(base);

    const link = join(a.dir, 'link.sock');
    let linkProxy = await procs.proxy(link, vgSocket(b, 'dr'));
    await a.ok('replica', 'create', 'vg/data', '--target', uri('dr/data', link), '-L', '4M');
    await a.ok('replica', 'add', 'data', '--target', uri('dc/data', vgSocket(c, 'dc')), '--type', 'sync');
    await until(async () => (await replStatus(a)).every((s) => s.repl_state === 'replicating' && s.repl_lag_writes === '0'), 60_000);

    // B is cut off; A writes on: C (sync) has regions 10 and 11, B does not.
    linkProxy.kill('SIGKILL');
    await until(async () => (await replStatus(a))[0]!.repl_state === 'degraded', 40_000);
    for (const r of [10, 11]) await writeRegion(a, 'vg/data', r, pattern('A', r));
    expect((await c.legBytes('dc/data', 10 * R, R)).equals(pattern('A', 10))).toBe(true);

    await b.ok('replica', 'promote', 'dr/data', '--target', uri('vg/data', vgSocket(a, 'vg')));
    await writeRegion(b, 'dr/data', 14, pattern('B', 14));
    pattern('B', 14).copy(expected, 14 * R);

    // Which replica was promoted is not known yet on A: refused, nothing changed.
    const unknown = await a.failsUnchanged(5, 'replica', 'demote', '-y', 'vg/data');
    expect(unknown).toMatch(/Replication group data has 2 replicas and none was found promoted\.\n.*--target/);
    expect(await a.failsUnchanged(5, 'replica', 'demote', '-y', 'vg/data', '--target', 'dc/nosuch'))
      .toMatch(/Replication group data has no replica with target\(s\) nbd\+unix:\/\/\/dc\/nosuch/);
    expect((await replStatus(a)).map((s) => s.repl_role)).toEqual(['source', 'source']);

    // The link is back: A's shipper finds B promoted and splits that replica only.
    linkProxy = await procs.proxy(link, vgSocket(b, 'dr'));
    await until(async () => (await replStatus(a))[0]!.repl_state === 'split', 60_000);
    expect((await replStatus(a))[1]!.repl_state).toBe('replicating');

    const demoted = await a.ok('replica', 'demote', '-y', 'vg/data');
    expect(demoted.stdout).toMatch(/Replica 1 \(nbd\+unix:\/\/\/dc\/data\?socket=\S+, sync\) dropped from replication group data: it is not a prefix of the new source's history\./);
    expect(demoted.stdout).toMatch(/Replication group data demoted: 2 region\(s\) \(1\.00 MiB\) written here since the split/);
    const left = await replStatus(a);
    expect(left.map((s) => [s.repl_slot, s.repl_role])).toEqual([['0', 'replica']]);

    // B takes C (a full copy: C holds A's regions 10 and 11, which B never got) and fails back to A.
    await b.ok('replica', 'add', 'data', '--target', uri('dc/data', vgSocket(c, 'dc')));
    const fb = await b.ok('replica', 'failback', 'dr/data');
    expect(fb.stdout).toMatch(/recopied 3 region\(s\), 1\.50 MiB \(1 written here since the split, 2 on the old source, 0 on both\)\./);
    await until(async () => (await replStatus(b)).every((s) => s.repl_state === 'replicating' && s.repl_lag_writes === '0'), 60_000);
    await writeRegion(b, 'dr/data', 3, pattern('B2', 3));
    pattern('B2', 3).copy(expected, 3 * R);
    await until(async () => (await replStatus(b)).every((s) => s.repl_lag_writes === '0'), 60_000);
    for (const [lab, lv] of [[a, 'vg/data'], [b, 'dr/data'], [c, 'dc/data']] as const) {
      expect((await lab.legBytes(lv, 0, 8 * MiB)).equals(expected), lv).toBe(true);
    }
  }, 480_000);
});
