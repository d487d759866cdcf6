// scripts/lvm2-testsuite.sh, the runner of LVM2's test/shell scripts against tsvm: over tsvm's own
// scripts in LVM2's style (test/fixtures-lvm2-testsuite/shell), each class and its reason, the
// sandbox and leftover processes cleaned up; over LVM2's own checkout (LVM2_TEST_DIR) when present,
// every script of scripts/lvm2-testsuite/pass.list still passes.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { alive } from './helpers/serving.js';

const repo = resolve(__dirname, '..');
const runner = join(repo, 'scripts', 'lvm2-testsuite.sh');
const fake = join(repo, 'test', 'fixtures-lvm2-testsuite');
const work = mkdtempSync(join(tmpdir(), 'tsvm-suite-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Row {
  cls: string;
  reason: string;
}

function run(args: string[], tmp: string, logs: string): { rows: Map<string, Row>; status: number; stderr: string } {
  const r = spawnSync('bash', [runner, ...args, '--logs', logs], {
    env: { ...process.env, TMPDIR: tmp },
    encoding: 'utf8',
    timeout: 900_000,
  });
  const rows = new Map<string, Row>();
  for (const line of r.stdout.split('\n').filter(Boolean)) {
    const [name, cls, reason] = line.split('\t');
    rows.set(name!, { cls: cls!, reason: reason ?? '' });
  }
  return { rows, status: r.status ?? -1, stderr: r.stderr };
}

describe('lvm2-testsuite runner over its own scripts', () => {
  const tmp = join(work, 'tmp');
  const logs = join(work, 'logs');
  execFileSync('mkdir', ['-p', tmp, logs]);
  const names = ['fake-pass', 'fake-skip', 'fake-kernel', 'fake-fail', 'fake-missing'];
  let res: ReturnType<typeof run>;

  it('classifies each script: pass, skip, needs-the-kernel, fail, with the first failing line', () => {
    res = run(['--lvm2', fake, '--timeout', '240', ...names], tmp, logs);
    expect([...res.rows.keys()]).toEqual(names);
    expect(res.rows.get('fake-pass')).toEqual({ cls: 'pass', reason: '' });
    expect(res.rows.get('fake-skip')).toEqual({
      cls: 'skip',
      reason: 'line 4: aux have_thin 1 0 0 || skip — tsvm has no thin provisioning',
    });
    expect(res.rows.get('fake-kernel')).toEqual({
      cls: 'needs-the-kernel',
      reason: 'line 6: dmsetup status $vg-$lv1 — dmsetup status LVMTESTvg-LV1',
    });
    expect(res.rows.get('fake-fail')).toEqual({
      cls: 'fail',
      reason: 'line 6: check lv_field $vg/$lv1 lv_size "2.00m" — lv_field: LVMTESTvg/LV1, field="lv_size", actual="512.00k", expected="2.00m"',
    });
    expect(res.rows.get('fake-missing')).toEqual({
      cls: 'fail',
      reason: 'line 4: lvmconfig --type default — tsvm has no command lvmconfig',
    });
    expect(readFileSync(join(logs, 'fake-fail.log'), 'utf8')).not.toContain('never here');
  });

  it('leaves no sandbox, image file or daemon behind', () => {
    expect(readdirSync(tmp)).toEqual([]);
    expect(readdirSync(logs).sort()).toEqual([...names.map((n) => `${n}.log`), 'results.tsv'].sort());
  });

  it('prints the README table from the results', () => {
    const out = execFileSync('bash', [runner, '--table-from', join(logs, 'results.tsv')], { encoding: 'utf8' });
    const lines = out.split('\n');
    expect(lines[0]).toBe('5 scripts: **1 pass**, 2 fail, 1 need the kernel, 1 skip.');
    expect(lines).toContain('| fake-kernel | needs-the-kernel | line 6: dmsetup status $vg-$lv1 — dmsetup status LVMTESTvg-LV1 |');
    expect(lines).toContain('| fake-pass | pass |  |');
  });

  it('stops a script at its timeout and kills what it started', () => {
    const r = run(['--lvm2', fake, '--timeout', '5', 'fake-slow'], tmp, logs);
    expect(r.rows.get('fake-slow')?.cls).toBe('fail');
    expect(r.rows.get('fake-slow')?.reason).toMatch(/^timed out after 5s at line \d+: sleep 300/);
    const pid = Number(/^background pid (\d+)$/m.exec(readFileSync(join(logs, 'fake-slow.log'), 'utf8'))?.[1]);
    expect(pid).toBeGreaterThan(0);
    expect(alive(pid)).toBe(false);
    expect(readdirSync(tmp)).toEqual([]);
  });
});

it('lvm segtypes lists what tsvm implements (aux have_raid asks it)', () => {
  const out = execFileSync(join(repo, 'dist', 'tsvm'), ['lvm', 'segtypes'], {
    encoding: 'utf8', env: { ...process.env, TSVM_SYSTEM_DIR: join(work, 'segtypes') },
  });
  expect(out).toBe('  linear\n  striped\n  mirror\n  raid1\n');
});

// LVM2's own scripts: only with a checkout of its test/ directory (tag v2_03_16), which CI has not.
const lvm2 = process.env.LVM2_TEST_DIR;
const haveLvm2 = !!lvm2 && existsSync(join(lvm2, 'shell'));
describe.skipIf(!haveLvm2)('LVM2 2.03.16 test/shell (set LVM2_TEST_DIR to a checkout of lvm2 test/ at v2_03_16)', () => {
  it('every script of scripts/lvm2-testsuite/pass.list still passes', () => {
    const passList = readFileSync(join(repo, 'scripts', 'lvm2-testsuite', 'pass.list'), 'utf8')
      .split('\n')
      .map((l) => l.replace(/#.*/, '').trim())
      .filter(Boolean);
    const tmp = join(work, 'tmp-lvm2');
    const logs = join(work, 'logs-lvm2');
    execFileSync('mkdir', ['-p', tmp, logs]);
    const r = run(['--lvm2', lvm2!, '--check-pass-list', ...passList], tmp, logs);
    const failed = passList.filter((n) => r.rows.get(n)?.cls !== 'pass').map((n) => `${n}: ${JSON.stringify(r.rows.get(n))}`);
    expect(failed).toEqual([]);
    expect(r.status).toBe(0);
  }, 3_600_000);
});
if (!haveLvm2) console.info('lvm2-testsuite: LVM2 test/shell part skipped: LVM2_TEST_DIR does not name a checkout of lvm2 test/ (v2_03_16)');
