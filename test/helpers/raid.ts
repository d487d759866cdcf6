// raid1 test helpers: a CliLab that writes and reads LVs through tsvm dd, waits for a resync,
// and reads a raid1 LV's write-intent bitmap straight from its rmeta's bytes.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { CliLab } from './aux.js';

export class RaidLab extends CliLab {
  async write(lv: string, data: Buffer, offsetMiB = 0): Promise<void> {
    const f = join(this.dir, `in-${Math.random()}`);
    writeFileSync(f, data);
    await this.ok('dd', `if=${f}`, `of=/dev/${lv}`, 'bs=1M', `seek=${offsetMiB}`, 'conv=notrunc,fsync', 'status=none');
    rmSync(f);
  }
  async read(lv: string, lenMiB: number, offsetMiB = 0): Promise<Buffer> {
    const f = join(this.dir, `out-${Math.random()}`);
    await this.ok('dd', `if=/dev/${lv}`, `of=${f}`, 'bs=1M', `skip=${offsetMiB}`, `count=${lenMiB}`, 'status=none');
    const b = readFileSync(f);
    rmSync(f);
    return b;
  }
  /** Wait for the resync (lvconvert LV polls it to the end) and Cpy%Sync 100. */
  async settle(vgLv: string): Promise<void> {
    await this.ok('lvconvert', '-i', '0', vgLv);
    for (let i = 0; i < 100; i++) {
      if ((await this.lvField(vgLv, 'copy_percent')) === '100.00') return;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  /** lvchange --syncaction check|repair, then wait for the scrub (a background process) to be idle again. */
  async syncaction(vgLv: string, action: 'check' | 'repair'): Promise<void> {
    await this.ok('lvchange', '--syncaction', action, vgLv);
    for (let i = 0; i < 1200; i++) {
      if ((await this.lvField(vgLv, 'raid_sync_action')) === 'idle') return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${vgLv}: the ${action} did not finish`);
  }
  /** The sync bitmap of raid1 vg/lv read straight from rmeta_k's bytes: regions not in sync. */
  async dirtyRegions(vgLv: string, k = 0): Promise<number[]> {
    const head = await this.legBytes(`${vgLv}_rmeta_${k}`, 4096, 512);
    expect(head.readUInt32LE(0)).toBe(0x4d695272); // the region log's "MiRr"
    const n = Number(head.readBigUInt64LE(8));
    const bits = await this.legBytes(`${vgLv}_rmeta_${k}`, 4096 + 1024, Math.ceil(n / 32) * 4);
    const out: number[] = [];
    for (let r = 0; r < n; r++) if (!((bits[r >> 3]! >> (r & 7)) & 1)) out.push(r);
    return out;
  }
}

