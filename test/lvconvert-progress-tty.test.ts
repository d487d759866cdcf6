// The waiting part of lvconvert draws a progress bar on stderr when stderr is a terminal
// (commands/lvconvert-poll.ts), besides LVM2's "vg/lv: Converted: NN.NN%" lines on stdout. Run under
// a pseudo-terminal with util-linux's `script` (bsdutils on Debian; .ci/run installs it): the bar
// appears, its last state is full at 100.00%, and it is erased before the final line. Without a
// terminal there is no bar and the same LVM2 lines.
import { execa } from 'execa';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { BIN, CliLab } from './helpers/aux.js';

const BAR = /\r {2}\[([#.]{40})\] (\d+\.\d\d)%/g;
const ERASE = '\r\x1b[K';

function haveScript(): boolean {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

let lab: CliLab;
beforeEach(async () => {
  lab = new CliLab('tsvm-ptty-');
  lab.prepareDevs(3, 200);
  await lab.ok('pvcreate', '/dev/loop0', '/dev/loop1', '/dev/loop2');
  await lab.ok('vgcreate', 'vg', '/dev/loop0', '/dev/loop1', '/dev/loop2');
  await lab.ok('lvcreate', '-L', '40m', '-n', 'lv', 'vg', '/dev/loop0');
  // Real data, so the copy has bytes to move and the bar more than one state.
  writeFileSync(join(lab.dir, 'data'), randomBytes(40 * 1024 * 1024));
  await lab.ok('dd', `if=${join(lab.dir, 'data')}`, 'of=/dev/vg/lv', 'bs=1M', 'status=none');
});
afterEach(() => lab.cleanup());

const CONVERT = ['lvconvert', '-y', '--type', 'mirror', '-m', '1', '-i', '1', 'vg/lv'];

it('on a terminal: the progress bar is drawn, ends full at 100.00%, is erased; the Converted lines are printed', async () => {
  expect(haveScript(), 'util-linux `script` is needed (apt-get install bsdutils)').toBe(true);
  // script -e: exit with the command's status; -f: flush at once; -q: no "Script started" lines.
  const r = await execa('script', ['-qfec', [BIN, ...CONVERT].join(' '), '/dev/null'], {
    env: { ...lab.env, NO_COLOR: '1' }, stdin: 'ignore', reject: false,
  });
  expect(r.exitCode, r.stdout).toBe(0);
  // The terminal got stdout and stderr, with CR LF line ends.
  const out = r.stdout;
  const bars = [...out.matchAll(BAR)];
  expect(bars.length, JSON.stringify(out)).toBeGreaterThan(0);
  const last = bars[bars.length - 1]!;
  expect(last[1]).toBe('#'.repeat(40));
  expect(last[2]).toBe('100.00');
  for (const b of bars) expect(b[1]!.replace(/\.+$/, '')).toMatch(/^#*$/);
  // Erased just before the final LVM2 line, which ends the output (execa strips the last line end).
  expect(out.endsWith(`${ERASE}  vg/lv: Converted: 100.00%`), JSON.stringify(out.slice(-200))).toBe(true);
  // An earlier line (the first is printed before the copy starts), also after the bar was erased.
  expect(out).toMatch(/\r\x1b\[K {2}vg\/lv: Converted: \d+\.\d\d%\r\n/);
  expect(out).toContain('  Logical volume vg/lv being converted.\r\n');
  expect(await lab.lvField('vg/lv', 'copy_percent')).toBe('100.00');
});

it('not on a terminal: no bar, the same Converted lines on stdout', async () => {
  const r = await lab.run(...CONVERT);
  expect(r.exitCode, r.stderr).toBe(0);
  expect(r.stderr).not.toMatch(/[\r\x1b]|\[[#.]+\]/);
  expect(r.stdout).not.toMatch(/[\r\x1b]/);
  const lines = r.stdout.split('\n');
  expect(lines[0]).toBe('  Logical volume vg/lv being converted.');
  expect(lines.slice(1).every((l) => /^ {2}vg\/lv: Converted: \d+\.\d\d%$/.test(l)), r.stdout).toBe(true);
  expect(lines[lines.length - 1]).toBe('  vg/lv: Converted: 100.00%');
});
