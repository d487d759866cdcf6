// Activation of LVs that use a missing PV (LVM2's activate-partial and missing-pv tests,
// lib/activate/activate.c): a partial mirror is refused unless --activationmode partial (or
// --partial); vgchange -ay activates the others and fails. Nothing is activated by a refusal.
import { renameSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { CliLab } from './helpers/aux.js';

let lab: CliLab;
afterEach(() => lab?.cleanup());

const refusal = "  Refusing activation of partial LV vg/m.  Use '--activationmode partial' to override.";

it('a mirror with a missing leg activates only in partial mode', async () => {
  lab = new CliLab('tsvm-partial-');
  lab.prepareDevs(4, 100);
  await lab.ok('vgcreate', 'vg', '/dev/loop0', '/dev/loop1', '/dev/loop2', '/dev/loop3');
  await lab.ok('lvcreate', '--type', 'mirror', '-m', '1', '-L', '8m', '-n', 'm', 'vg', '/dev/loop0', '/dev/loop1', '/dev/loop2');
  await lab.ok('lvcreate', '-L', '4m', '-n', 'lin', 'vg', '/dev/loop3');
  await lab.ok('vgchange', '-an', 'vg');
  renameSync(join(lab.devDir, 'loop1'), join(lab.dir, 'loop1.gone'));

  const r = await lab.run('lvchange', '-ay', 'vg/m');
  expect(r.exitCode).toBe(5);
  expect(r.stderr).toContain(refusal);
  expect((await lab.run('lvs', '--noheadings', '-o', 'lv_active', 'vg/m')).stdout.trim()).toBe('');

  const v = await lab.run('vgchange', '-ay', 'vg');
  expect(v.exitCode).toBe(5);
  expect(v.stderr).toContain(refusal);
  expect(v.stdout).toContain('1 logical volume(s) in volume group "vg" now active');
  expect((await lab.run('lvs', '--noheadings', '-o', 'lv_active', 'vg/lin')).stdout.trim()).toBe('active');

  const bad = await lab.run('lvchange', '-ay', '--partial', '--activationmode', 'degraded', 'vg/m');
  expect(bad.exitCode).toBe(3);
  expect(bad.stderr).toContain('--partial and --activationmode are mutually exclusive arguments');
  const badMode = await lab.run('lvchange', '-ay', '--activationmode', 'sideways', 'vg/m');
  expect(badMode.exitCode).toBe(3);
  expect(badMode.stderr).toContain('Invalid activation mode given.');

  const p = await lab.run('lvchange', '-ay', '--activationmode', 'partial', 'vg/m');
  expect(p.exitCode, p.stderr).toBe(0);
  expect(p.stderr).toContain('PARTIAL MODE. Incomplete logical volumes will be processed.');
  expect((await lab.run('lvs', '--noheadings', '-o', 'lv_active', 'vg/m')).stdout.trim()).toBe('active');

  // lvchange --refresh (lv_refresh_suspend_resume): a partial LV only in partial mode, active or not
  const rf = await lab.run('lvchange', '--refresh', 'vg/m');
  expect(rf.exitCode).toBe(5);
  expect(rf.stderr).toContain("  Refusing refresh of partial LV vg/m. Use '--activationmode partial' to override.");
  const rp = await lab.run('lvchange', '--refresh', '--partial', 'vg/m');
  expect(rp.exitCode, rp.stderr).toBe(0);
  expect((await lab.run('lvchange', '--refresh', 'vg/lin')).exitCode).toBe(0);
  expect((await lab.run('lvs', '--noheadings', '-o', 'lv_active', 'vg/m')).stdout.trim()).toBe('active');
  // every command computes the mode: lvs -P ignores -P (an IO option), activation_mode does not
  const lp = await lab.run('lvs', '-P', 'vg');
  expect(lp.stderr).not.toContain('PARTIAL MODE');
  const lc = await lab.run('lvs', '--config', 'activation/activation_mode="partial"', 'vg');
  expect(lc.stderr).toContain('PARTIAL MODE. Incomplete logical volumes will be processed.');
}, 120_000);
