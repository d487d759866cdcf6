// Helpers of the pvmove data tests (in the spirit of LVM2's aux/check for pvmove-*.sh): a `tsvm dd`
// writer, the move's Cpy%Sync polled through lvs, a pvmove killed (SIGKILL) once far enough, and
// the checks that no pvmove LV or locked LV is left.
import { execa, type ResultPromise } from 'execa';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { BIN, type CliLab } from './aux.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Cpy%Sync of the pvmove LV, or -1 when there is none. */
export async function movePercent(lab: CliLab): Promise<number> {
  const r = await lab.run('lvs', '-a', '--noheadings', '--separator', ',', '-o', 'lv_name,copy_percent', 'vg');
  const row = r.stdout.split('\n').map((l) => l.trim().split(',')).find((f) => f[0] === '[pvmove0]');
  return row ? Number(row[1]) || 0 : -1;
}

/** A dd of `data` (written to a file first) into vg/lv, started now. */
export function writer(lab: CliLab, lv: string, data: Buffer, name: string): ResultPromise {
  const f = join(lab.dir, name);
  writeFileSync(f, data);
  return execa(BIN, ['dd', `if=${f}`, `of=/dev/vg/${lv}`, 'bs=256k', 'conv=notrunc,fsync'], { env: lab.env, reject: false });
}

/** Start `pvmove -i 0 args`, kill -9 it once the move is at least `at` percent done. */
export async function pvmoveKilledAt(lab: CliLab, at: number, ...args: string[]): Promise<number> {
  const p = execa(BIN, ['pvmove', '-i', '0', ...args], { env: lab.env, reject: false });
  let pct = 0;
  let seen = false;
  for (let i = 0; i < 4000 && pct < at; i++) {
    await sleep(25);
    pct = await movePercent(lab);
    if (pct >= 0) seen = true;
    else if (seen) break; // finished before we looked: the copy was not slow enough
  }
  p.kill('SIGKILL');
  await p;
  expect(pct, `the move never reached ${at}%`).toBeGreaterThanOrEqual(at);
  return pct;
}

export async function expectNoMoveLeft(lab: CliLab): Promise<void> {
  const r = await lab.ok('lvs', '-a', '--noheadings', '-o', 'lv_name,lv_attr', 'vg');
  expect(r.stdout).not.toContain('pvmove');
  for (const line of r.stdout.trim().split('\n')) expect(line.trim().split(/\s+/)[1]![2], line).toMatch(/[a-z]/);
}

export async function pvUsed(lab: CliLab, pv: string): Promise<number> {
  return Number((await lab.ok('pvs', '--noheadings', '--units', 'b', '--nosuffix', '-o', 'pv_used', pv)).stdout.trim());
}

/** Wait for a background move (resumed by activation) to finish. */
export async function waitMoved(lab: CliLab): Promise<void> {
  for (let i = 0; i < 3000 && (await movePercent(lab)) >= 0; i++) await sleep(100);
  expect(await movePercent(lab), 'the move did not finish').toBe(-1);
}
