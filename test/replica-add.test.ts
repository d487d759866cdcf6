// tsvm replica add: a second (Nth) replica of a group that has one (issue 12, item 4), sync or
// async, copied in full and then fed from the same journal; refusals (wrong, taken, smaller or
// unreachable targets, a group that is not there, bad command lines) change nothing.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliLab } from './helpers/aux.js';
import { until } from './helpers/serving.js';
import { replStatus } from './helpers/repl-lab.js';

const MiB = 1024 * 1024;
let lab: CliLab;

beforeEach(async () => {
  lab = new CliLab('tsvm-repl-add-');
  lab.prepareDevs(2, 64);
  await lab.ok('vgcreate', 'vg', '/dev/loop0');
  await lab.ok('vgcreate', 'dr', '/dev/loop1');
  await lab.ok('lvcreate', '-L', '8M', '-n', 'data', 'vg');
  for (const [n, size] of [['copy', '8M'], ['copy2', '8M'], ['copy3', '8M'], ['tiny', '4M']] as const) await lab.ok('lvcreate', '-L', size, '-n', n, 'dr');
});
afterEach(() => lab.cleanup());

const groups = () => readFileSync(join(lab.systemDir, 'repl', 'groups.json'), 'utf8');
const sock = () => join(lab.systemDir, 'run', 'nbd', 'dr.sock');

async function allCaughtUp(): Promise<void> {
  await until(async () => (await replStatus(lab)).every((s) => s.repl_state === 'replicating' && s.repl_lag_writes === '0'), 60_000);
}

async function equal(lv: string): Promise<boolean> {
  return (await lab.legBytes('vg/data', 0, 8 * MiB)).equals(await lab.legBytes(lv, 0, 8 * MiB));
}

describe('tsvm replica add', () => {
  it('adds a sync and an async replica to a replicated LV, each copied and fed in order', async () => {
    const random = join(lab.dir, 'random');
    writeFileSync(random, randomBytes(4 * MiB));
    await lab.ok('dd', `if=${random}`, 'of=/dev/vg/data', 'bs=1M', 'count=3');
    await lab.ok('replica', 'create', 'vg/data', '--target', 'dr/copy', '-L', '4M');
    await allCaughtUp();

    const out = await lab.ok('replica', 'add', 'data', '--target', 'dr/copy2', '--type', 'sync');
    expect(out.stdout.trimEnd()).toBe(`  Logical volume vg/data is replicated to nbd+unix:///dr/copy2?socket=${sock()} (sync).\n` +
      '  Replica 1 added to replication group data (2 replicas).');
    await lab.ok('replica', 'add', 'vg/data', '--target', 'dr/copy3', '--nosync', '--rpobytes', '1m', '--rpopolicy', 'bitmap');
    const rows = await replStatus(lab);
    expect(rows.map((r) => [r.repl_slot, r.repl_kind, r.repl_rpo])).toEqual([['0', 'async', ''], ['1', 'sync', ''], ['2', 'async', '1.00m bitmap']]);
    await allCaughtUp();
    expect(await equal('dr/copy2')).toBe(true);

    // Later writes reach every replica; the sync one has them when dd gets its answer.
    await lab.ok('dd', `if=${random}`, 'of=/dev/vg/data', 'bs=4k', 'count=30', 'skip=100', 'seek=1200', 'oflag=sync');
    expect(await equal('dr/copy2')).toBe(true);
    await lab.ok('dd', `if=${random}`, 'of=/dev/vg/data', 'bs=64k', 'count=8', 'skip=3', 'seek=2', 'conv=fsync');
    await allCaughtUp();
    for (const lv of ['dr/copy', 'dr/copy2']) expect(await equal(lv), lv).toBe(true);
    // The --nosync replica has every write since it was added, and nothing from before.
    const src = await lab.legBytes('vg/data', 0, 8 * MiB);
    const third = await lab.legBytes('dr/copy3', 0, 8 * MiB);
    const span = (a: number, n: number) => [src.subarray(a, a + n), third.subarray(a, a + n)] as const;
    for (const [a, n] of [[1200 * 4096, 30 * 4096], [2 * 65536, 8 * 65536]]) {
      const [x, y] = span(a!, n!);
      expect(x.equals(y)).toBe(true);
    }
    expect(third.subarray(MiB, 2 * MiB).equals(Buffer.alloc(MiB))).toBe(true);
    expect(src.subarray(MiB, 2 * MiB).equals(Buffer.alloc(MiB))).toBe(false);
    const lvs = await lab.ok('lvs', '--noheadings', '-o', 'repl_kind,repl_state', 'vg/data');
    expect(lvs.stdout.trim()).toMatch(/^async,sync,async\s+replicating,replicating,replicating$/);
  });

  it('refuses wrong, taken, smaller and unreachable targets and bad command lines, changing nothing', async () => {
    await lab.ok('replica', 'create', 'vg/data', '--target', 'dr/copy', '-L', '4M', '--nosync');
    await allCaughtUp();
    await new Promise((r) => setTimeout(r, 1500)); // the shipper idle: nothing else writes
    const before = groups();
    const cases: Array<[string[], RegExp]> = [
      [['--target', 'dr/tiny'], /is smaller \(4194304 bytes\) than the logical volume \(8388608 bytes\)/],
      [['--target', 'dr/copy'], /Replica target .*dr\/copy.* is already replica 0 of group data\./],
      [['--target', 'vg/data'], /is logical volume vg\/data of group data itself/],
      [['--target', `nbd+unix:///dr/copy2?socket=${join(lab.dir, 'nowhere.sock')}`], /Cannot connect to replica target/],
      [['--target', `nbd+unix:///dr/nosuch?socket=${sock()}`], /Cannot connect to replica target .*dr\/nosuch/],
      [['--target', 'dr/copy2', '--target', 'dr/copy3'], /has 1 logical volume\(s\) but 2 --target\(s\) were given/],
    ];
    for (const [args, msg] of cases) expect(await lab.failsUnchanged(5, 'replica', 'add', 'data', ...args)).toMatch(msg);
    expect(await lab.failsUnchanged(5, 'replica', 'add', 'nosuch', '--target', 'dr/copy2')).toMatch(/Replication group nosuch not found\./);
    expect(await lab.failsUnchanged(5, 'replica', 'add', 'vg/other', '--target', 'dr/copy2')).toMatch(/Logical volume vg\/other is not replicated\./);
    for (const args of [
      ['replica', 'add', 'data'],
      ['replica', 'add', '--target', 'dr/copy2'],
      ['replica', 'add', 'data', 'vg/data', '--target', 'dr/copy2'],
      ['replica', 'add', 'data', '--target', 'dr/copy2', '-L', '4M'],
      ['replica', 'add', 'data', '--target', 'dr/copy2', '--type', 'semi'],
      ['replica', 'add', 'data', '--target', 'dr/copy2', '--type', 'sync', '--rpo', '5'],
    ]) {
      expect(await lab.failsUnchanged(3, ...args)).toMatch(/Run `replica --help' for more information\./);
    }
    expect(groups()).toBe(before);
  });
});
