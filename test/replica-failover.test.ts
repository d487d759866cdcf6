// Failover and back (issue 12, item 7): two tsvm "sites" (system dirs), the replica over NBD through a
// proxy process (the link). The source writes, the link is cut, the source writes more, the far side
// is promoted and writes, the link comes back (the old source splits), the old source is demoted and
// the failback copies exactly the union of both sides' region maps (bytes counted on the wire), after
// which both LVs are equal byte for byte on their image files; then the same the other way round.
// A kill -9 of the failback (command and shipper) mid-copy, then a rerun, ends the same. Refusals
// change nothing: metadata, image bytes and replication state.
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BIN, CliLab } from './helpers/aux.js';
import { alive, until } from './helpers/serving.js';

const HELPERS = resolve(__dirname, 'helpers');
const R = 512 * 1024; // the replication region size
const MiB = 1024 * 1024;

let labs: CliLab[] = [];
const procs = new Set<ChildProcess>();
const pids = new Set<number>();

afterEach(() => {
  for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
  procs.clear();
  for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
  pids.clear();
  for (const l of labs) l.cleanup();
  labs = [];
});

/** A process of the test (killed by afterEach at the latest); resolves once it printed a first line (or ended). */
function start(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<ChildProcess> {
  const p = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  procs.add(p);
  p.on('exit', () => procs.delete(p));
  p.stderr!.resume();
  return new Promise((done) => {
    p.stdout!.once('data', () => done(p));
    p.stdout!.resume();
    p.on('exit', () => done(p));
  });
}

const proxy = (listen: string, target: string, delayMs = 0, countFile?: string) =>
  start(process.execPath, [join(HELPERS, 'repl-proxy.mjs'), listen, target, String(delayMs), ...(countFile ? [countFile] : [])]);

const uri = (lv: string, socket: string) => `nbd+unix:///${lv}?socket=${socket}`;
const vgSocket = (lab: CliLab, vg: string) => join(lab.systemDir, 'run', 'nbd', `${vg}.sock`);

/** A region's worth of bytes that says who wrote it. */
function pattern(tag: string, region: number): Buffer {
  const b = Buffer.alloc(R);
  for (let i = 0; i < R; i += 64) b.write(`${tag}:${region}:${i}`.padEnd(64, '.'), i, 'latin1');
  return b;
}

/** Write `data` at region `region` of `lv` through tsvm dd (journaled on a source, marked on a promoted LV). */
async function writeRegion(lab: CliLab, lv: string, region: number, data: Buffer): Promise<void> {
  const file = join(lab.dir, `w-${region}`);
  writeFileSync(file, data);
  await lab.ok('dd', `if=${file}`, `of=/dev/${lv}`, `bs=${R}`, 'count=1', `seek=${region}`, 'conv=fsync');
}

async function status(lab: CliLab): Promise<Record<string, string>> {
  return JSON.parse((await lab.ok('replica', 'status', '--reportformat', 'json')).stdout).report[0].replica[0];
}

/** Is the LV held open by an NBD client of its site's daemon (lv_attr's sixth character)? */
async function isOpen(lab: CliLab, lv: string): Promise<boolean> {
  return (await lab.lvField(lv, 'lv_attr'))[5] === 'o';
}

/**
 * Replication state files (group list, region maps) of a site, hashed. Not the activity log
 * (`active-N`): the shipper starts it afresh on its own when the group is idle and caught up,
 * which may fall while a refused command runs.
 */
function replHash(lab: CliLab): string {
  const h = createHash('sha256');
  const walk = (dir: string): void => {
    if (!existsSync(dir)) return;
    for (const f of readdirSync(dir).sort()) {
      const p = join(dir, f);
      if (/^active-\d+$/.test(f)) continue;
      if (statSync(p).isDirectory()) walk(p);
      else h.update(p).update(readFileSync(p));
    }
  };
  walk(join(lab.systemDir, 'repl'));
  return h.digest('hex');
}

/** A refusal that changes nothing on either site: metadata, images and replication state. */
async function refused(lab: CliLab, other: CliLab, code: number, ...args: string[]): Promise<string> {
  const before = [replHash(lab), replHash(other), other.state()];
  const err = await lab.failsUnchanged(code, ...args);
  expect([replHash(lab), replHash(other), other.state()], `tsvm ${args.join(' ')} changed replication state`).toEqual(before);
  return err;
}

async function twoSites(sizeMiB: number): Promise<{ a: CliLab; b: CliLab; base: Buffer }> {
  const a = new CliLab('tsvm-repl-fo-a-');
  const b = new CliLab('tsvm-repl-fo-b-');
  labs.push(a, b);
  a.prepareDevs(2, 64);
  b.prepareDevs(1, 64);
  await a.ok('vgcreate', 'vg', '/dev/loop0', '/dev/loop1');
  await a.ok('lvcreate', '-L', `${sizeMiB}M`, '-n', 'data', 'vg');
  await b.ok('vgcreate', 'dr', '/dev/loop0');
  await b.ok('lvcreate', '-L', `${sizeMiB}M`, '-n', 'data', 'dr');
  const base = Buffer.alloc(sizeMiB * MiB);
  for (let r = 0; r < base.length / R; r++) pattern('BASE', r).copy(base, r * R);
  const file = join(a.dir, 'base');
  writeFileSync(file, base);
  await a.ok('dd', `if=${file}`, 'of=/dev/vg/data', 'bs=1M', 'conv=fsync');
  return { a, b, base };
}

const lvBytes = (lab: CliLab, lv: string, size: number) => lab.legBytes(lv, 0, size);

/** Regions where two images differ (for the failure message). */
function differing(x: Buffer, y: Buffer): number[] {
  const out: number[] = [];
  for (let r = 0; r * R < x.length; r++) if (!x.subarray(r * R, (r + 1) * R).equals(y.subarray(r * R, (r + 1) * R))) out.push(r);
  return out;
}

async function expectImage(lab: CliLab, lv: string, expected: Buffer): Promise<void> {
  const got = await lvBytes(lab, lv, expected.length);
  expect(differing(got, expected), `${lv}: regions that differ from what both sides should hold`).toEqual([]);
}

describe('replica failover and failback', () => {
  it('promotes the replica, fails back copying only the union of both sides\' regions, and back again', async () => {
    const { a, b, base } = await twoSites(8);
    const expected = Buffer.from(base);
    const link = join(a.dir, 'link.sock');
    let linkProxy = await proxy(link, vgSocket(b, 'dr'));
    await a.ok('replica', 'create', 'vg/data', '--target', uri('dr/data', link), '-L', '4M');
    await until(async () => {
      const s = await status(a);
      return s.repl_state === 'replicating' && s.repl_lag_writes === '0';
    }, 60_000);

    // Shipped before the cut.
    await writeRegion(a, 'vg/data', 1, pattern('A1', 1));
    pattern('A1', 1).copy(expected, 1 * R);
    await until(async () => (await status(a)).repl_lag_writes === '0', 60_000);

    // The link is cut; the source writes on (journaled, not shipped).
    linkProxy.kill('SIGKILL');
    await until(async () => !(await isOpen(b, 'dr/data')), 40_000);
    for (const r of [10, 11, 12]) await writeRegion(a, 'vg/data', r, pattern('A2', r));
    const cut = await status(a);
    expect(cut.repl_state).toBe('degraded');
    expect(Number(cut.repl_lag_writes)).toBeGreaterThan(0);

    // Failover: the far side is promoted and writes.
    const promoted = await b.ok('replica', 'promote', 'dr/data');
    expect(promoted.stdout).toMatch(/Logical volume dr\/data promoted: writable, split from its replication source\./);
    expect(await b.lvField('dr/data', 'repl_role')).toBe('promoted');
    for (const r of [11, 14]) {
      await writeRegion(b, 'dr/data', r, pattern('B1', r));
      pattern('B1', r).copy(expected, r * R);
    }

    // The link comes back: the old source's shipper finds the LV promoted and splits, shipping nothing.
    linkProxy = await proxy(link, vgSocket(b, 'dr'));
    await until(async () => (await status(a)).repl_state === 'split', 60_000);
    expect((await status(a)).repl_lag_writes).toBe('0');
    const far = await lvBytes(b, 'dr/data', 8 * MiB);
    expect(far.subarray(10 * R, 11 * R).equals(base.subarray(10 * R, 11 * R)), 'a write of the old source reached the promoted LV').toBe(true);

    // Failback needs a demoted old source: refused, nothing changed, while it still writes on its own,
    // and to a plain LV (as to nbdkit: no region map, no failback).
    await a.ok('lvcreate', '-L', '8M', '-n', 'plain', 'vg');
    expect(await refused(b, a, 5, 'replica', 'failback', 'dr/data', '--target', uri('vg/data', vgSocket(a, 'vg'))))
      .toMatch(/Old source .* still writes on its own\.\n.*Demote it on its site first/);
    expect(await refused(b, a, 5, 'replica', 'failback', 'dr/data', '--target', uri('vg/plain', vgSocket(a, 'vg'))))
      .toMatch(/is not a demoted tsvm logical volume: its writes since the split are unknown/);
    expect(await refused(b, a, 5, 'replica', 'failback', 'dr/data')).toMatch(/does not know where the old source of dr\/data is/);

    const demoted = await a.ok('replica', 'demote', '-y', 'vg/data');
    expect(demoted.stdout).toMatch(/Replication group data demoted: 3 region\(s\) \(1\.50 MiB\) written here since the split/);
    expect(await a.lvField('vg/data', 'repl_role')).toBe('replica');

    // Failback through a link that counts the bytes it carries.
    const back = join(b.dir, 'back.sock');
    const count = join(b.dir, 'count');
    await proxy(back, vgSocket(a, 'vg'), 0, count);
    const fb = await b.ok('replica', 'failback', 'dr/data', '--target', uri('vg/data', back));
    expect(fb.stdout).toMatch(/recopied 4 region\(s\), 2\.00 MiB \(2 written here since the split, 3 on the old source, 1 on both\)\./);
    const copied = Number(readFileSync(count, 'utf8'));
    expect(copied).toBeGreaterThanOrEqual(4 * R);
    expect(copied).toBeLessThan(4 * R + 64 * 1024);
    await until(async () => (await status(b)).repl_state === 'replicating', 60_000);
    await expectImage(a, 'vg/data', expected);
    await expectImage(b, 'dr/data', expected);
    const fields = await b.ok('lvs', '--noheadings', '--separator', ',', '--units', 'b', '--nosuffix', '-o', 'repl_role,repl_state,repl_recopied_regions,repl_recopied_bytes', 'dr/data');
    expect(fields.stdout.trim()).toBe('source,replicating,4,2097152');
    expect((await b.ok('replica', 'status')).stdout).toMatch(/Failback of replication group data to .*: recopied 4 region\(s\), 2\.00 MiB/);

    // And back the other way: the old source is promoted while the new one is connected (--force).
    await until(() => isOpen(a, 'vg/data'), 40_000);
    expect(await refused(a, b, 5, 'replica', 'promote', 'vg/data')).toMatch(/Logical volume vg\/data in use\.\n.*--force/);
    await a.ok('replica', 'promote', '--force', 'vg/data');
    await writeRegion(a, 'vg/data', 2, pattern('A3', 2));
    pattern('A3', 2).copy(expected, 2 * R);
    // B's shipper finds A promoted: B is split and fenced, its writes refused (src/repl/fence.ts).
    await until(async () => (await status(b)).repl_state === 'split', 60_000);
    await until(async () => (await status(b)).repl_fenced !== '', 60_000);
    const file = join(b.dir, 'w-fenced');
    writeFileSync(file, pattern('B2', 3));
    const fenced = await b.run('dd', `if=${file}`, 'of=/dev/dr/data', `bs=${R}`, 'count=1', 'seek=3', 'conv=fsync');
    expect(fenced.stderr).toMatch(/Read-only file system/);
    await b.ok('replica', 'demote', '-y', 'dr/data');
    const fb2 = await a.ok('replica', 'failback', 'vg/data');
    // The first failback cleared the old source's map: only what was written since this split.
    expect(fb2.stdout).toMatch(/recopied 1 region\(s\), 512\.00 KiB \(1 written here since the split, 0 on the old source, 0 on both\)\./);
    await until(async () => (await status(a)).repl_state === 'replicating', 60_000);
    await expectImage(a, 'vg/data', expected);
    await expectImage(b, 'dr/data', expected);
  }, 480_000);

  it('finishes a failback killed -9 mid-copy (command and shipper) when it is run again', async () => {
    const { a, b, base } = await twoSites(16);
    const expected = Buffer.from(base);
    const link = join(a.dir, 'link.sock');
    const linkProxy = await proxy(link, vgSocket(b, 'dr'));
    await a.ok('replica', 'create', 'vg/data', '--target', uri('dr/data', link), '-L', '4M');
    await until(async () => (await status(a)).repl_state === 'replicating', 60_000);
    linkProxy.kill('SIGKILL');
    await until(async () => !(await isOpen(b, 'dr/data')), 40_000);
    for (const r of [1, 3]) await writeRegion(a, 'vg/data', r, pattern('A', r));
    await b.ok('replica', 'promote', 'dr/data', '--target', uri('vg/data', join(b.dir, 'slow.sock')));
    const written = Array.from({ length: 16 }, (_, i) => 2 * i);
    const file = join(b.dir, 'many');
    const many = Buffer.alloc(16 * MiB);
    base.copy(many);
    for (const r of written) pattern('B', r).copy(many, r * R);
    many.copy(expected);
    // One dd, region by region (bs = a region, every other one): the map marks the 16 written.
    for (const r of written) writeFileSync(`${file}-${r}`, many.subarray(r * R, (r + 1) * R));
    for (const r of written) await b.ok('dd', `if=${file}-${r}`, 'of=/dev/dr/data', `bs=${R}`, 'count=1', `seek=${r}`);
    await a.ok('replica', 'demote', '-y', 'vg/data');

    // A slow link back, so that the copy is under way when it is killed.
    await proxy(join(b.dir, 'slow.sock'), vgSocket(a, 'vg'), 150);
    const fb = await start(BIN, ['replica', 'failback', 'dr/data'], b.env);
    // The shipper's published progress (run/repl/state.json): some regions copied, not all.
    const progress = () => {
      try {
        const links = Object.values(JSON.parse(readFileSync(join(b.systemDir, 'run', 'repl', 'state.json'), 'utf8'))) as Array<{ resyncDone?: number; resyncTotal?: number }>;
        return links[0] ?? {};
      } catch {
        return {};
      }
    };
    await until(() => (progress().resyncDone ?? 0) >= 2, 60_000).catch(async (e: Error) => {
      throw new Error(`${e.message} ${readFileSync(join(b.systemDir, 'run', 'repl', 'state.json'), 'utf8')} ${fb.exitCode} ${JSON.stringify(await status(b))}`);
    });
    expect(progress().resyncDone).toBeLessThan(18);
    const shipper = Number(readFileSync(join(b.systemDir, 'run', 'repl', 'shipper.pid'), 'utf8'));
    pids.add(shipper);
    fb.kill('SIGKILL');
    process.kill(shipper, 'SIGKILL');
    await until(() => !alive(shipper) && (fb.exitCode !== null || fb.signalCode !== null), 10_000);
    expect((await status(b)).repl_failback).toBe('copying');

    const again = await b.ok('replica', 'failback', 'dr/data');
    expect(again.stdout).toMatch(/recopied 18 region\(s\), 9\.00 MiB \(16 written here since the split, 2 on the old source, 0 on both\)\./);
    await until(async () => (await status(b)).repl_state === 'replicating', 60_000);
    await expectImage(a, 'vg/data', expected);
    await expectImage(b, 'dr/data', expected);
  }, 360_000);

  it('refuses bad promotions, demotions and failbacks, changing nothing', async () => {
    const { a, b } = await twoSites(8);
    await a.ok('replica', 'create', 'vg/data', '--target', uri('dr/data', vgSocket(b, 'dr')), '-L', '4M');
    await until(async () => (await status(a)).repl_state === 'replicating', 60_000);
    await until(() => isOpen(b, 'dr/data'), 40_000);
    for (const args of [
      ['replica', 'promote'],
      ['replica', 'promote', 'dr/data', '--target', 'vg/x', '--target', 'vg/y'],
      ['replica', 'promote', 'nolv'],
      ['replica', 'failback'],
      ['replica', 'demote', 'dr/data', 'dr/other'],
    ]) {
      expect(await refused(b, a, 3, ...args)).toMatch(/Run `replica --help' for more information\./);
    }
    // The source is still connected: no promotion without --force.
    expect(await refused(b, a, 5, 'replica', 'promote', 'dr/data')).toMatch(/Logical volume dr\/data in use\./);
    expect(await refused(b, a, 5, 'replica', 'promote', 'dr/nosuch')).toMatch(/Failed to find logical volume "dr\/nosuch"/);
    expect(await refused(b, a, 5, 'replica', 'promote', 'nosuch/data')).toMatch(/Volume group "nosuch" not found/);
    expect(await refused(a, b, 5, 'replica', 'promote', 'vg/data')).toMatch(/Logical volume vg\/data is a replication source \(group data\), not a replica\./);
    // Nothing split: nothing to fail back; nothing replicated on the far side.
    expect(await refused(a, b, 5, 'replica', 'failback', 'vg/data')).toMatch(/Replication group data is not split from its replica: there is nothing to fail back\./);
    expect(await refused(b, a, 5, 'replica', 'failback', 'dr/data')).toMatch(/Logical volume dr\/data is not replicated\./);
    expect(await refused(a, b, 5, 'replica', 'demote', 'vg/nosuch')).toMatch(/Logical volume vg\/nosuch is not replicated\./);
    // Demoting asks first (no answer: no).
    expect(await refused(a, b, 5, 'replica', 'demote', 'vg/data')).toMatch(/Replication group data not demoted\./);
    expect((await status(a)).repl_state).toBe('replicating');
  }, 360_000);
  it('fails over to another VG of the same system and back (one system dir, one shipper, one daemon)', async () => {
    const lab = new CliLab('tsvm-repl-fo-same-');
    labs.push(lab);
    lab.prepareDevs(2, 64);
    await lab.ok('vgcreate', 'vg', '/dev/loop0');
    await lab.ok('vgcreate', 'dr', '/dev/loop1');
    await lab.ok('lvcreate', '-L', '8M', '-n', 'data', 'vg');
    await lab.ok('lvcreate', '-L', '8M', '-n', 'data', 'dr');
    await lab.ok('replica', 'create', 'vg/data', '--target', 'dr/data', '-L', '4M');
    await until(async () => (await status(lab)).repl_state === 'replicating', 60_000);
    await lab.ok('replica', 'pause', 'vg/data');
    await writeRegion(lab, 'vg/data', 3, pattern('A', 3));
    // The group name is taken by the source's group on this system: the promoted one gets another.
    expect(await lab.failsUnchanged(5, 'replica', 'promote', 'dr/data')).toMatch(/Replication group data already exists\./);
    await lab.ok('replica', 'promote', 'dr/data', '-n', 'back', '--target', 'vg/data');
    await writeRegion(lab, 'dr/data', 5, pattern('B', 5));
    await lab.ok('replica', 'demote', '-y', 'vg/data');
    const fb = await lab.ok('replica', 'failback', 'back');
    expect(fb.stdout).toMatch(/recopied 2 region\(s\), 1\.00 MiB \(1 written here since the split, 1 on the old source, 0 on both\)\./);
    expect((await lab.legBytes('vg/data', 0, 8 * MiB)).equals(await lab.legBytes('dr/data', 0, 8 * MiB))).toBe(true);
    const roles = await lab.ok('lvs', '--noheadings', '--separator', ',', '-o', 'lv_full_name,repl_role,repl_group');
    expect(roles.stdout.replace(/ /g, '').trim().split('\n').sort()).toEqual(['dr/data,source,back', 'vg/data,replica,data']);
  }, 360_000);
});
