// CLI test helpers in the spirit of LVM2's test/lib (aux prepare_devs, check, get): a lab of sparse
// image files under a temporary TSVM_DEV_DIR, the built binary run through execa, and dumps of
// the metadata database and image bytes to prove that a failing command changed nothing.
import { execa } from 'execa';
import { expect } from 'vitest';
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { NO_KERNEL_DEVICES, mountsUnder, stopServing, stopShipping } from './serving.js';
import { spawnSync } from 'node:child_process';

/** What users run: the package's bin (the start-up snapshot of the build when it could make one). */
export const BIN = resolve(__dirname, '../../dist/tsvm');

export interface Result {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export class CliLab {
  readonly dir: string;
  readonly systemDir: string;
  readonly devDir: string;

  constructor(prefix = 'tsvm-cli-') {
    this.dir = mkdtempSync(join(tmpdir(), prefix));
    this.systemDir = join(this.dir, 'sys');
    this.devDir = join(this.dir, 'dev');
    mkdirSync(this.devDir, { recursive: true });
  }

  /** Sparse images named loop0..loopN-1 (as the golden transcripts' devices). */
  prepareDevs(count: number, sizeMiB = 100, prefix = 'loop'): string[] {
    const names: string[] = [];
    for (let i = 0; i < count; i++) {
      const p = join(this.devDir, `${prefix}${i}`);
      writeFileSync(p, '');
      truncateSync(p, sizeMiB * 1024 * 1024);
      names.push(`/dev/${prefix}${i}`);
    }
    return names;
  }

  /** Added to every command's environment (e.g. TSVM_NO_AUTOSYNC). */
  extraEnv: Record<string, string> = {};

  get env(): Record<string, string> {
    return { TSVM_SYSTEM_DIR: this.systemDir, TSVM_DEV_DIR: this.devDir, ...NO_KERNEL_DEVICES, ...this.extraEnv };
  }

  async run(...args: string[]): Promise<Result> {
    const r = await execa(BIN, [...args], { env: this.env, input: '', reject: false });
    return { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode ?? -1 };
  }

  /** Run and require exit 0. */
  async ok(...args: string[]): Promise<Result> {
    const r = await this.run(...args);
    if (r.exitCode !== 0) throw new Error(`tsvm ${args.join(' ')} failed (${r.exitCode}):\n${r.stdout}\n${r.stderr}`);
    return r;
  }

  /** Every row of every table, as text: equal dumps mean equal metadata. */
  dbDump(): string {
    const file = join(this.systemDir, 'tsvm.db');
    if (!existsSync(file)) return '';
    const db = new Database(file, { readonly: true });
    try {
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[];
      return tables
        .map((t) => `${t.name}\n${JSON.stringify(db.prepare(`SELECT * FROM "${t.name}"`).raw().all())}`)
        .join('\n');
    } finally {
      db.close();
    }
  }

  /**
   * Hash of every image file; with `dataOnly`, of what follows the first MiB (the label and the
   * metadata area, which a command that writes the VG rewrites, as LVM2 does).
   */
  imagesHash(dataOnly = false): string {
    const h = createHash('sha256');
    for (const f of ['loop0', 'loop1', 'loop2', 'loop3', 'loop4']) {
      const p = join(this.devDir, f);
      if (existsSync(p)) h.update(f).update(dataOnly ? readFileSync(p).subarray(1024 * 1024) : readFileSync(p));
    }
    return h.digest('hex');
  }

  /** Metadata and images, to compare before and after a command that must fail. */
  state(): string {
    return this.dbDump() + '\n' + this.imagesHash();
  }

  /**
   * Run a command that must fail with `code` and prove it changed nothing: metadata and image
   * bytes are the same before and after. Returns its stderr.
   */
  async failsUnchanged(code: number, ...args: string[]): Promise<string> {
    const before = this.state();
    const r = await this.run(...args);
    expect(r.exitCode, `${args.join(' ')}\n${r.stderr}`).toBe(code);
    expect(this.state(), `tsvm ${args.join(' ')} changed metadata or images`).toBe(before);
    return r.stderr;
  }

  /**
   * Bytes [off, off+len) of an LV (a mirror image, a linear LV) read straight from the PV image
   * files, through its segments as lvs reports them (seg_pe_ranges, pe_start, extent size).
   */
  async legBytes(vgLv: string, off: number, len: number): Promise<Buffer> {
    const vg = vgLv.split('/')[0]!;
    const num = async (...a: string[]) => Number((await this.ok(...a, '--noheadings', '--units', 'b', '--nosuffix')).stdout.trim());
    const ext = await num('vgs', '-o', 'vg_extent_size', vg);
    const r = await this.ok('lvs', '-a', '--segments', '--noheadings', '--separator', ',', '-o', 'seg_start_pe,seg_pe_ranges', vgLv);
    const out = Buffer.alloc(len);
    for (const line of r.stdout.trim().split('\n')) {
      const [startLe, ranges] = line.trim().split(',');
      const m = /^\/dev\/([^:]+):(\d+)-(\d+)$/.exec(ranges!.trim())!;
      const segStart = Number(startLe) * ext;
      const segLen = (Number(m[3]) - Number(m[2]) + 1) * ext;
      const a = Math.max(off, segStart);
      const b = Math.min(off + len, segStart + segLen);
      if (a >= b) continue;
      const peStart = await num('pvs', '-o', 'pe_start', `/dev/${m[1]}`);
      const fd = openSync(join(this.devDir, m[1]!), 'r');
      readSync(fd, out, a - off, b - a, peStart + Number(m[2]) * ext + (a - segStart));
      closeSync(fd);
    }
    return out;
  }

  /**
   * Write `data` over bytes [off, ...) of an LV straight in its PV image file, not through tsvm
   * (within the LV's first segment).
   */
  async putBytes(vgLv: string, off: number, data: Buffer): Promise<void> {
    const vg = vgLv.split('/')[0]!;
    const num = async (...a: string[]) => Number((await this.ok(...a, '--noheadings', '--units', 'b', '--nosuffix')).stdout.trim());
    const ext = await num('vgs', '-o', 'vg_extent_size', vg);
    const r = await this.ok('lvs', '-a', '--segments', '--noheadings', '--separator', ',', '-o', 'seg_start_pe,seg_pe_ranges', vgLv);
    const [startLe, ranges] = r.stdout.trim().split('\n')[0]!.trim().split(',');
    const m = /^\/dev\/([^:]+):(\d+)-(\d+)$/.exec(ranges!.trim())!;
    const peStart = await num('pvs', '-o', 'pe_start', `/dev/${m[1]}`);
    const at = peStart + Number(m[2]) * ext + off - Number(startLe) * ext;
    const fd = openSync(join(this.devDir, m[1]!), 'r+');
    writeSync(fd, data, 0, data.length, at);
    closeSync(fd);
  }

  /** Flip (xor 0x5a) `len` bytes of an LV at byte `off` straight in its PV image file, not through tsvm: bit rot. */
  async rot(vgLv: string, off: number, len = 4): Promise<void> {
    const before = await this.legBytes(vgLv, off, len);
    await this.putBytes(vgLv, off, Buffer.from(before.map((b) => b ^ 0x5a)));
  }

  /** `get lv_field vg/lv field` */
  async lvField(lv: string, field: string, ...extra: string[]): Promise<string> {
    const r = await this.ok('lvs', '--noheadings', '-o', field, ...extra, lv);
    return r.stdout.trim();
  }

  cleanup(): void {
    // Nothing of the lab stays mounted (a test that failed half-way), then its daemon goes.
    for (const m of mountsUnder(this.dir)) spawnSync('umount', ['-l', m]);
    stopShipping(this.systemDir);
    stopServing(this.systemDir);
    // A background syncer of the lab may still be writing its last files: retry (ENOTEMPTY).
    rmSync(this.dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
  }
}
