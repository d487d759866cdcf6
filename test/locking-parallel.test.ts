// Several tsvm processes at once on one VG (LVM2's V_<vg> file locks): no update lost, no extent
// handed out twice; a lock left by a process killed with SIGKILL does not block the next command.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, CliLab } from './helpers/aux.js';

let lab: CliLab;
beforeAll(async () => {
  lab = new CliLab('tsvm-lock-');
  lab.prepareDevs(2, 256);
  await lab.ok('vgcreate', 'vg', '/dev/loop0', '/dev/loop1');
});
afterAll(() => lab.cleanup());

describe('parallel lvcreate', () => {
  it('8 processes creating 3 LVs each lose nothing and overlap nothing', async () => {
    const workers = Array.from({ length: 8 }, async (_, w) => {
      for (let i = 0; i < 3; i++) {
        const r = await execa(BIN, ['lvcreate', '-an', '-L', '4m', '-n', `lv_${w}_${i}`, 'vg'], { env: lab.env, reject: false });
        expect(r.exitCode, r.stderr).toBe(0);
      }
    });
    await Promise.all(workers);
    const names = (await lab.ok('lvs', '--noheadings', '-o', 'lv_name', 'vg')).stdout.trim().split(/\s+/).sort();
    expect(names).toHaveLength(24);
    const ranges = (await lab.ok('lvs', '--noheadings', '-o', 'seg_pe_ranges', 'vg')).stdout.trim().split('\n').map((l) => l.trim());
    const used = new Set<string>();
    for (const r of ranges) {
      const m = /^(\S+):(\d+)-(\d+)$/.exec(r)!;
      for (let pe = Number(m[2]); pe <= Number(m[3]); pe++) {
        const key = `${m[1]}:${pe}`;
        expect(used.has(key), `extent ${key} allocated twice`).toBe(false);
        used.add(key);
      }
    }
    expect(used.size).toBe(24);
    expect((await lab.ok('vgs', '--noheadings', '-o', 'vg_seqno', 'vg')).stdout.trim()).toBe('25');
  }, 120_000);

  it('breaks a lock whose owner died', async () => {
    const child = execa('node', ['-e', 'setTimeout(() => {}, 60000)'], { reject: false });
    mkdirSync(join(lab.systemDir, 'locks'), { recursive: true });
    writeFileSync(join(lab.systemDir, 'locks', 'V_vg'), String(child.pid));
    child.kill('SIGKILL');
    await child;
    const r = await lab.run('lvcreate', '-an', '-L', '4m', '-n', 'after_kill', 'vg');
    expect(r.exitCode, r.stderr).toBe(0);
  });
});
