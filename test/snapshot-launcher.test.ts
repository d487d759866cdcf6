// The start-up snapshot (scripts/build-snapshot.mjs) and the launcher (scripts/launcher.mjs): the bin
// users run prints what the plain build (node dist/src/main.js) prints, byte for byte and with the
// same exit codes, through links named after LVM commands too, and node prints nothing of its own;
// a launcher whose blob does not load falls back to the plain build; the snapshot is made with the
// warm-up of the report commands.
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BIN, CliLab } from './helpers/aux.js';

const MAIN = resolve(__dirname, '../dist/src/main.js');

/** The launcher's shell lines (scripts/launcher.mjs). */
const head = (file: string) => readFileSync(file, 'utf8').split('\n').slice(0, 2).join('\n');

interface Run {
  stdout: string;
  stderr: string;
  exitCode: number | undefined;
}

// No background syncer: the mirror's Cpy%Sync must not move between the runs compared.
class Lab extends CliLab {
  override get env(): Record<string, string> {
    return { ...super.env, TSVM_NO_AUTOSYNC: '1' };
  }
}

let lab: CliLab;
beforeAll(async () => {
  lab = new Lab('tsvm-snapshot-');
  lab.prepareDevs(3, 64);
  await lab.ok('pvcreate', '/dev/loop0', '/dev/loop1', '/dev/loop2');
  await lab.ok('vgcreate', 'vg', '/dev/loop0', '/dev/loop1', '/dev/loop2');
  for (const n of ['a', 'b', 'c']) await lab.ok('lvcreate', '-an', '-L', '8m', '-n', n, 'vg');
  await lab.ok('lvcreate', '-y', '--type', 'mirror', '-m', '1', '-L', '8m', '-n', 'm', 'vg');
}, 60_000);
afterAll(() => lab.cleanup());

async function run(file: string, args: string[]): Promise<Run> {
  const [cmd, all] = file.endsWith('.js') ? ['node', [file, ...args]] : [file, args];
  const r = await execa(cmd, all, { env: lab.env, input: '', reject: false });
  return { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode };
}

const CASES = [
  ['lvs'],
  ['lvs', '-a', '-o', '+devices,seg_pe_ranges,copy_percent'],
  ['lvs', '--reportformat', 'json', 'vg'],
  ['pvs', '-o', '+pv_uuid'],
  ['vgs', '-o', '+vg_seqno'],
  ['lvdisplay', 'vg/m'],
  ['lvs', 'nosuchvg'],
  ['lvcreate', '-L', '4m'],
  ['lvs', '--nosuchoption'],
  ['lvs', '--help'],
  ['version'],
  ['nosuchcommand'],
  [],
];

describe('dist/tsvm', () => {
  it.skipIf(!!process.env.TSVM_NO_SNAPSHOT)('starts node on the start-up snapshot of the build', () => {
    expect(head(BIN)).toContain('--snapshot-blob');
  });

  it('prints what the plain build prints, with the same exit codes', async () => {
    for (const args of CASES) {
      expect(await run(BIN, args), `tsvm ${args.join(' ')}`).toEqual(await run(MAIN, args));
    }
  }, 60_000);

  it('works through a link named after the command', async () => {
    const link = join(lab.dir, 'lvs');
    symlinkSync(BIN, link);
    const args = ['-a', '-o', '+devices', 'vg'];
    const got = await run(link, args);
    expect(got.exitCode).toBe(0);
    expect(got).toEqual(await run(MAIN, ['lvs', ...args]));
  });

  it('changes metadata as the plain build does, and node prints nothing of its own', async () => {
    const r = await run(BIN, ['lvcreate', '-an', '-Zn', '-L', '4m', '-n', 'x', 'vg']);
    expect(r).toEqual({ stdout: '  Logical volume "x" created.', stderr: '  WARNING: Logical volume vg/x not zeroed.', exitCode: 0 });
    expect(await run(BIN, ['lvs', '-o', 'lv_name', '--noheadings', 'vg/x'])).toEqual(await run(MAIN, ['lvs', '-o', 'lv_name', '--noheadings', 'vg/x']));
    expect(await run(MAIN, ['lvremove', '-y', 'vg/x'])).toEqual({ stdout: '  Logical volume "x" successfully removed.', stderr: '', exitCode: 0 });
    expect((await run(BIN, ['lvs', 'vg/x'])).exitCode).toBe(5);
  });
});

describe('launcher (scripts/launcher.mjs)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tsvm-launcher-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('falls back to the plain build when the blob does not load', async () => {
    // @ts-expect-error: a plain .mjs script without types
    const { installLauncher } = await import('../scripts/launcher.mjs');
    const blob = join(dir, 'broken.blob');
    writeFileSync(blob, 'not a snapshot');
    const refusals: string[] = [];
    const launcher = join(dir, 'tsvm');
    expect(installLauncher(launcher, blob, (l: string) => refusals.push(l))).toBe('plain');
    expect(refusals.join('\n')).toMatch(/snapshot not used/);
    expect(head(launcher)).not.toContain('--snapshot-blob');
    expect(await run(launcher, ['lvs', '-a'])).toEqual(await run(MAIN, ['lvs', '-a']));
  }, 60_000);

  it.skipIf(!!process.env.TSVM_NO_SNAPSHOT)('uses a snapshot built anywhere, for a copy of the launcher anywhere', async () => {
    // @ts-expect-error: a plain .mjs script without types
    const { buildSnapshot } = await import('../scripts/build-snapshot.mjs');
    // @ts-expect-error: a plain .mjs script without types
    const { installLauncher } = await import('../scripts/launcher.mjs');
    // (made with the warm-up, src/cli/warm-up.ts: the build says when it could not run it)
    const logged: string[] = [];
    const blob = await buildSnapshot({ bundle: join(dir, 'tsvm.cjs'), blob: join(dir, 'tsvm.blob'), log: (l: string) => logged.push(l) });
    expect(logged).toEqual([]);
    const launcher = join(dir, 'tsvm');
    expect(installLauncher(launcher, blob, () => {})).toBe('snapshot');
    expect(head(launcher)).toContain(`b='${blob}'`);
    symlinkSync(launcher, join(dir, 'vgs'));
    expect(await run(join(dir, 'vgs'), ['vg'])).toEqual(await run(MAIN, ['vgs', 'vg']));
  }, 120_000);
});
