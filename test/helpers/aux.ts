// CLI test helpers in the spirit of LVM2's test/lib (aux prepare_devs, check, get): a lab of sparse
// image files under a temporary TSVM_DEV_DIR, the built binary run through execa, and dumps of
// the metadata database and image bytes to prove that a failing command changed nothing.
import { execa } from 'execa';
import { expect } from 'vitest';
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

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

  get env(): Record<string, string> {
    return { TSVM_SYSTEM_DIR: this.systemDir, TSVM_DEV_DIR: this.devDir };
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

  /** Hash of every image file. */
  imagesHash(): string {
    const h = createHash('sha256');
    for (const f of ['loop0', 'loop1', 'loop2', 'loop3', 'loop4']) {
      const p = join(this.devDir, f);
      if (existsSync(p)) h.update(f).update(readFileSync(p));
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

  /** `get lv_field vg/lv field` */
  async lvField(lv: string, field: string, ...extra: string[]): Promise<string> {
    const r = await this.ok('lvs', '--noheadings', '-o', field, ...extra, lv);
    return r.stdout.trim();
  }

  cleanup(): void {
    // A background syncer of the lab may still be writing its last files: retry (ENOTEMPTY).
    rmSync(this.dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
  }
}
