// Block devices as PVs (issue 9 item 1c): loop devices over image files, named by their real
// paths (no TSVM_DEV_DIR). The device size is what the kernel reports (stat says 0 for a block
// device), and the same lab gives the same answers and bytes on the loop devices as on the files.
// Needs root and losetup; skipped otherwise. Every loop device made here is detached at the end.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CliLab } from './helpers/aux.js';

const MiB = 1024 * 1024;
const canLoop = process.getuid?.() === 0 && existsSync('/dev/loop-control') && spawnSync('losetup', ['--version']).status === 0;
const why = canLoop ? '' : ' (skipped: needs root, /dev/loop-control and losetup)';

const labs: CliLab[] = [];
const loops: string[] = [];
afterEach(() => {
  for (const l of loops.splice(0)) spawnSync('losetup', ['-d', l]);
  for (const l of labs.splice(0)) l.cleanup();
});

/** The lab: PVs, VG, a linear LV with data, converted to a mirror, split; what each step printed. */
async function lab(l: CliLab, devs: string[], data: Buffer): Promise<{ out: string; copy: Buffer }> {
  const out: string[] = [];
  const step = async (...a: string[]) => {
    const r = await l.ok(...a);
    out.push(`$ ${a.join(' ')}`, r.stdout, r.stderr);
  };
  await step('pvcreate', ...devs);
  await step('vgcreate', 'vg', ...devs);
  await step('pvs', '-o', 'pv_name,pv_size,dev_size,pv_pe_count');
  await step('lvcreate', '-L', '64m', '-n', 'lv', 'vg', devs[0]!);
  writeFileSync(join(l.dir, 'data'), data);
  await step('dd', `if=${join(l.dir, 'data')}`, 'of=/dev/vg/lv', 'bs=1M', 'conv=fsync', 'status=none');
  await step('lvconvert', '-i', '0', '--type', 'mirror', '-m', '1', 'vg/lv', devs[1]!, devs[2]!);
  await step('lvs', '-a', '-o', 'lv_name,copy_percent,devices', 'vg');
  await step('lvconvert', '--splitmirrors', '1', '--name', 'copy', 'vg/lv');
  await step('dd', 'if=/dev/vg/copy', `of=${join(l.dir, 'copy')}`, 'bs=1M', 'status=none');
  let text = out.join('\n');
  devs.forEach((d, i) => (text = text.split(d).join(`DEV${i}`)));
  text = text.split(l.dir).join('LAB');
  return { out: text, copy: readFileSync(join(l.dir, 'copy')) };
}

describe(`block devices as PVs${why}`, () => {
  it.skipIf(!canLoop)('pvcreate reads the size the kernel reports; the lab runs as on the image files', async () => {
    const data = randomBytes(64 * MiB);
    const onLoops = new CliLab('tsvm-blk-');
    labs.push(onLoops);
    const files = onLoops.prepareDevs(3, 1024, 'img').map((d) => join(onLoops.devDir, d.slice('/dev/'.length)));
    for (const f of files) loops.push(execFileSync('losetup', ['-f', '--show', f], { encoding: 'utf8' }).trim());
    onLoops.extraEnv = { TSVM_DEV_DIR: '' };
    const a = await lab(onLoops, loops, data);

    const onFiles = new CliLab('tsvm-blkref-');
    labs.push(onFiles);
    const b = await lab(onFiles, onFiles.prepareDevs(3, 1024), data);

    expect(a.out).toContain('1.00g'); // the size the kernel reports, not 0
    expect(a.out).toBe(b.out);
    expect(a.copy.equals(data)).toBe(true);
    expect(b.copy.equals(data)).toBe(true);
  }, 240_000);
});
