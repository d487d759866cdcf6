// tsvm replica: bad command lines (exit 3) and refused setups (exit 5) change nothing, metadata,
// images and replication state alike; a replica to another VG of the same system, served by its
// NBD daemon, gets the LV's bytes, and lvs/status report it (issue 12, items 3 and 8).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { CliLab } from './helpers/aux.js';
import { until } from './helpers/serving.js';

let lab: CliLab;

beforeEach(async () => {
  lab = new CliLab('tsvm-repl-usage-');
  lab.prepareDevs(3, 64);
  await lab.ok('vgcreate', 'vg', '/dev/loop0');
  await lab.ok('vgcreate', 'dr', '/dev/loop1');
  await lab.ok('vgcreate', '-s', '1m', 'small', '/dev/loop2');
  await lab.ok('lvcreate', '-L', '8M', '-n', 'data', 'vg');
  await lab.ok('lvcreate', '-L', '8M', '-n', 'copy', 'dr');
  await lab.ok('lvcreate', '-L', '4M', '-n', 'tiny', 'dr');
  await lab.ok('lvcreate', '-L', '4M', '-n', 'sdata', 'small');
  await lab.ok('lvcreate', '-L', '4M', '-n', 'scopy', 'dr');
});
afterEach(() => lab.cleanup());

const groups = () => join(lab.systemDir, 'repl', 'groups.json');
const sock = () => join(lab.systemDir, 'run', 'nbd', 'dr.sock');

describe('tsvm replica refusals', () => {
  it('refuses bad command lines with exit 3', async () => {
    for (const args of [
      ['replica', 'create', 'vg/data', '-L', '8M'],
      ['replica', 'create', 'vg/data', '--target', 'dr/copy'],
      ['replica', 'create', 'vg/data', '--target', 'dr/copy', '--target', 'dr/tiny', '-L', '8M'],
      ['replica', 'create', 'vg/data', '--target', 'dr/copy', '-L', '8M', '--type', 'semi'],
      ['replica', 'create', 'vg/data', '--target', 'dr/copy', '-L', '8M', '--rpopolicy', 'drop'],
      ['replica', 'create', '--target', 'dr/copy', '-L', '8M'],
      ['replica', 'frobnicate', 'vg/data'],
    ]) {
      const err = await lab.failsUnchanged(3, ...args);
      expect(err).toMatch(/Run `replica --help' for more information\./);
    }
    expect(existsSync(groups())).toBe(false);
  });

  it('refuses unreachable, wrong and small targets, a journal too small and inactive members with exit 5', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--target', `nbd+unix:///dr/copy?socket=${join(lab.dir, 'nowhere.sock')}`], /Cannot connect to replica target .*nowhere\.sock/],
      [['--target', `nbd+unix:///dr/nosuch?socket=${sock()}`], /Cannot connect to replica target .*dr\/nosuch/],
      [['--target', 'dr/tiny'], /is smaller \(4194304 bytes\) than the logical volume \(8388608 bytes\)/],
      [['--target', 'vg/data'], /is logical volume vg\/data itself/],
      [['--target', 'nbd://'], /Invalid NBD URI|Cannot connect/],
    ];
    for (const [target, msg] of cases) {
      const err = await lab.failsUnchanged(5, 'replica', 'create', 'vg/data', ...target, '-L', '8M');
      expect(err).toMatch(msg);
    }
    const small = await lab.failsUnchanged(5, 'replica', 'create', 'small/sdata', '--target', 'dr/scopy', '-L', '1M');
    expect(small).toMatch(/Journal size 1\.00 MiB is too small for one write of 1\.00 MiB/);
    await lab.ok('lvchange', '-an', 'small/sdata');
    const inactive = await lab.failsUnchanged(5, 'replica', 'create', 'vg/data', 'small/sdata', '--target', 'dr/copy', '--target', 'dr/scopy', '-L', '8M');
    expect(inactive).toMatch(/Logical volume small\/sdata is not active/);
    expect(existsSync(groups())).toBe(false);
  });
});

describe('tsvm replica to another VG over NBD', () => {
  it('copies the LV, ships later writes in order, reports them and is removed cleanly', async () => {
    const random = join(lab.dir, 'random');
    writeFileSync(random, randomBytes(2 * 1024 * 1024));
    await lab.ok('dd', `if=${random}`, 'of=/dev/vg/data', 'bs=64k', 'count=32');
    const out = await lab.ok('replica', 'create', 'vg/data', '--target', 'dr/copy', '-L', '4M');
    expect(out.stdout).toMatch(/Replication group data created with journal vg\/data_rjournal \(4\.00 MiB\)/);
    expect((await lab.ok('lvs', '-a', '--noheadings', '-o', 'lv_name', 'vg')).stdout).toMatch(/\[data_rjournal\]/);
    await lab.ok('dd', `if=${random}`, 'of=/dev/vg/data', 'bs=4k', 'count=50', 'skip=7', 'seek=300', 'oflag=sync');
    const state = async () => JSON.parse((await lab.ok('replica', 'status', '--reportformat', 'json')).stdout).report[0].replica[0];
    await until(async () => {
      const s = await state();
      return s.repl_state === 'replicating' && s.repl_lag_writes === '0';
    }, 60_000);
    await new Promise((r) => setTimeout(r, 500));
    // A second replication of the same LV is refused (the shipper is idle now: nothing else writes).
    expect(await lab.failsUnchanged(5, 'replica', 'create', 'vg/data', '--target', 'dr/scopy', '-L', '4M')).toMatch(/already replicated/);
    const src = await lab.legBytes('vg/data', 0, 8 * 1024 * 1024);
    const dst = await lab.legBytes('dr/copy', 0, 8 * 1024 * 1024);
    expect(src.equals(dst)).toBe(true);
    const lvs = await lab.ok('lvs', '--noheadings', '--separator', ',', '-o', 'lv_name,repl_state,repl_kind,repl_group,repl_lag_writes,repl_target', 'vg/data');
    expect(lvs.stdout.trim()).toBe(`data,replicating,async,data,0,nbd+unix:///dr/copy?socket=${sock()}`);
    const json = JSON.parse((await lab.ok('lvs', '--reportformat', 'json', '-o', 'lv_name,repl_state,repl_lag_bytes', 'vg/data')).stdout);
    expect(json.report[0].lv[0]).toMatchObject({ lv_name: 'data', repl_state: 'replicating' });
    expect((await lab.ok('replica', 'status')).stdout).toMatch(/vg\/data .*replicating/);
    // Neither the LV nor its journal can be removed while replicated.
    expect(await lab.failsUnchanged(5, 'lvremove', '-y', 'vg/data')).toMatch(/Can't remove logical volume vg\/data used by replication\./);
    expect(await lab.failsUnchanged(5, 'lvremove', '-y', 'vg/data_rjournal')).toMatch(/used by replication/);
    await lab.ok('replica', 'remove', '-y', 'vg/data');
    expect((await lab.ok('lvs', '-a', '--noheadings', '-o', 'lv_name', 'vg')).stdout).not.toMatch(/rjournal/);
    expect((await lab.ok('replica', 'status')).stdout).toMatch(/No replicated logical volumes/);
  });
});

describe('tsvm replica when the journal fills', () => {
  it('drops the replica to its region bitmap, then resyncs the marked regions to an equal copy', async () => {
    await lab.ok('replica', 'create', 'vg/data', '--target', 'dr/copy', '-L', '4M', '--nosync');
    await lab.ok('replica', 'pause', 'vg/data');
    const state = async () => JSON.parse((await lab.ok('replica', 'status', '--reportformat', 'json')).stdout).report[0].replica[0];
    const random = join(lab.dir, 'random');
    writeFileSync(random, randomBytes(6 * 1024 * 1024));
    // 64 KiB writes are journaled as references to the LV's bytes (a few sectors each); written a
    // second time before shipped, their old bytes are preserved in the journal, which fills it.
    await lab.ok('dd', `if=${random}`, 'of=/dev/vg/data', 'bs=64k', 'conv=fsync');
    expect((await state()).repl_state).toBe('paused');
    expect(Number((await state()).repl_lag_writes)).toBeGreaterThanOrEqual(96);
    await lab.ok('dd', `if=${random}`, 'of=/dev/vg/data', 'bs=64k', 'conv=fsync', 'skip=1', 'seek=1');
    expect(await state()).toMatchObject({ repl_state: 'paused', repl_reason: 'journal full', repl_resyncs: '0' });
    await lab.ok('replica', 'resume', 'vg/data');
    await until(async () => {
      const s = await state();
      return s.repl_state === 'replicating' && s.repl_lag_writes === '0';
    }, 60_000);
    expect((await state()).repl_resyncs).toBe('1');
    const src = await lab.legBytes('vg/data', 0, 8 * 1024 * 1024);
    const dst = await lab.legBytes('dr/copy', 0, 8 * 1024 * 1024);
    expect(src.equals(dst)).toBe(true);
  });
});
