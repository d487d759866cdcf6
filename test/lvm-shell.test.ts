// The lvm shell (`tsvm lvm`, a link named lvm): one command per line of stdin with LVM2's messages,
// answers to prompts from the same stdin, and every line as fresh as a new process: another
// process's changes, locks and even a new database between two lines are seen.
import { execa, type ResultPromise } from 'execa';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN, CliLab } from './helpers/aux.js';
import { lvmSplit, MAX_ARGS } from '../src/cli/lvm-split.js';
import { scanDevice } from '../src/format-text/scan.js';

let lab: CliLab;
beforeEach(async () => {
  lab = new CliLab('tsvm-shell-');
  lab.prepareDevs(2, 64);
  await lab.ok('vgcreate', 'vg', '/dev/loop0', '/dev/loop1');
});
afterEach(() => lab.cleanup());

/** The texts kept beside the read cache for the next commit to reuse (format-text/text-reuse.ts). */
const textFiles = () => readdirSync(join(lab.systemDir, 'cache')).filter((f) => f.startsWith('mda-')).map((f) => readFileSync(join(lab.systemDir, 'cache', f), 'utf8'));

/** The text in loop0's metadata area. */
const areaText = () => scanDevice('/dev/loop0', join(lab.devDir, 'loop0'))!.mdas[0]!.text;

/** The whole of stdin at once, as `tsvm lvm < file` gets it. */
async function shell(input: string, args: string[] = []): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  const r = await execa(BIN, ['lvm', ...args], { env: lab.env, input, reject: false, stripFinalNewline: false });
  // (-an -Zn: LVM2's warning that the LV was not zeroed, as the golden transcripts drop it)
  return { stdout: r.stdout, stderr: r.stderr.replace(/  WARNING: Logical volume \S+ not zeroed\.\n/g, ''), exitCode: r.exitCode ?? -1 };
}

/** A shell kept running, fed a line at a time; `version` lines mark where a command's output ends. */
class LiveShell {
  private proc: ResultPromise;
  out = '';
  err = '';
  private marks = 0;

  constructor() {
    this.proc = execa(BIN, ['lvm'], { env: lab.env, stdin: 'pipe', reject: false, buffer: false });
    this.proc.stdout!.on('data', (d: Buffer) => (this.out += d.toString()));
    this.proc.stderr!.on('data', (d: Buffer) => (this.err += d.toString()));
  }

  /** Run one line; resolves with what it printed on stdout. */
  async run(line: string): Promise<string> {
    const start = this.out.length;
    this.proc.stdin!.write(`${line}\nversion\n`);
    this.marks++;
    const deadline = Date.now() + 30_000;
    while ((this.out.match(/tsvm version:/g) ?? []).length < this.marks) {
      if (Date.now() > deadline) throw new Error(`no answer to ${line}: ${this.out} ${this.err}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.out.slice(start).replace(/  tsvm version: .*\n  LVM compatibility: .*\n$/, '');
  }

  async end(): Promise<number> {
    this.proc.stdin!.end();
    return (await this.proc).exitCode ?? -1;
  }
}

describe('lvm shell', () => {
  it('runs each line as its own command, with the same output as separate commands', async () => {
    const r = await shell('lvcreate -an -Zn -l 2 -n a vg\n\n   # a comment\nlvm lvcreate -an -Zn -l 1 -n "b" vg\nlvs\nvgs -o vg_name,lv_count\n');
    const lvs = (await lab.ok('lvs')).stdout;
    const vgs = (await lab.ok('vgs', '-o', 'vg_name,lv_count')).stdout;
    expect(r.stdout).toBe(`  Logical volume "a" created.\n  Logical volume "b" created.\n${lvs}\n${vgs}\n\n`);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
  });

  it('gives a bad line its error and goes on; the shell itself exits 0', async () => {
    const r = await shell('foo bar\nlvs --badopt\nlvcreate -L 4m\nvgs nosuch\nlvcreate -an -Zn -l 500 -n big vg\nlvcreate -an -Zn -l 1 -n ok vg\n');
    expect(r.stderr).toBe([
      "  No such command 'foo'.  Try 'help'.",
      "lvs: unrecognized option '--badopt'",
      '  Error during parsing of command line.',
      "  No command with matching syntax recognised.  Run 'lvcreate --help' for more information.",
      '  Nearest similar command has syntax:',
      '  Volume group "nosuch" not found',
      '  Cannot process volume group nosuch',
      '  Volume group "vg" has insufficient free space (30 extents): 500 required.',
      '',
    ].join('\n'));
    expect(r.stdout).toBe([
      '  lvcreate --type error -L|--size Size[m|UNIT] VG', '  Create an LV that returns errors when used.', '',
      '  Logical volume "ok" created.', '', ''].join('\n'));
    expect(r.exitCode).toBe(0);
  });

  it('leaves out the short usage line after a bad command line, as LVM2 does in its shell', async () => {
    expect((await lab.run('lvs', '--units', 'Q')).stderr).toBe("  Invalid units specification\n  Run `lvs --help' for more information.");
    expect((await shell('lvs --units Q\n')).stderr).toBe('  Invalid units specification\n');
  });

  it('stops at exit or quit ("Exiting."), and prints a newline at end of input', async () => {
    const r = await shell('lvcreate -an -Zn -l 1 -n a vg\nquit\nlvcreate -an -Zn -l 1 -n b vg\n');
    expect(r.stdout).toBe('  Logical volume "a" created.\n');
    expect(r.stderr).toBe('  Exiting.\n');
    expect((await shell('exit\n')).stderr).toBe('  Exiting.\n');
    expect((await shell('')).stdout).toBe('\n');
  });

  it('reads a prompt\'s answer from the next line of stdin, then goes on with the next command', async () => {
    await lab.ok('lvcreate', '-an', '-Zn', '-l', '1', '-n', 'a', 'vg');
    const r = await shell('vgremove vg\nn\nlvs -o lv_name --noheadings\nvgremove vg\nmaybe\nyes\nvgs\n');
    expect(r.stderr).toBe([
      'Do you really want to remove volume group "vg" containing 1 logical volumes? [y/n]:   Volume group "vg" not removed',
      'Do you really want to remove volume group "vg" containing 1 logical volumes? [y/n]:   WARNING: Invalid input \'maybe\'.',
      'Do you really want to remove volume group "vg" containing 1 logical volumes? [y/n]: ',
    ].join('\n'));
    expect(r.stdout).toBe('  a   \n  Logical volume "a" successfully removed.\n  Volume group "vg" successfully removed\n\n');
  });

  it('sees between two lines what another process changed, and holds no lock meanwhile', async () => {
    const sh = new LiveShell();
    try {
      expect(await sh.run('lvcreate -an -Zn -l 1 -n mine vg')).toBe('  Logical volume "mine" created.\n');
      // another process: the VG lock is free, and its LV is seen by the next line
      const other = await execa(BIN, ['lvcreate', '-an', '-Zn', '-l', '1', '-n', 'theirs', 'vg'], { env: lab.env, timeout: 20_000, reject: false });
      expect(other.exitCode).toBe(0);
      expect(await sh.run('lvs --noheadings -o lv_name')).toBe('  mine  \n  theirs\n');
      // a change made from the VG as the line before committed it would take theirs' extent
      expect(await sh.run('lvcreate -an -Zn -l 1 -n mine2 vg')).toBe('  Logical volume "mine2" created.\n');
      await lab.ok('lvcreate', '-an', '-Zn', '-l', '1', '-n', 'theirs2', 'vg');
      expect(await sh.run('lvcreate -an -Zn -l 1 -n mine3 vg')).toBe('  Logical volume "mine3" created.\n');
      expect(await sh.run('lvs --noheadings -o lv_name,seg_pe_ranges vg')).toBe(
        '  mine    /dev/loop0:0-0\n  mine2   /dev/loop0:2-2\n  mine3   /dev/loop0:4-4\n  theirs  /dev/loop0:1-1\n  theirs2 /dev/loop0:3-3\n');
      await lab.ok('lvrename', 'vg', 'theirs', 'renamed');
      expect(await sh.run('lvs --noheadings -o lv_name vg/renamed')).toBe('  renamed\n');
      expect(await sh.run('lvremove -y vg/renamed vg/mine3')).toContain('Logical volume "mine3" successfully removed');
      // a whole new system directory in place of the old one
      rmSync(lab.systemDir, { recursive: true, force: true });
      await lab.ok('vgcreate', 'fresh', '/dev/loop0');
      expect(await sh.run('vgs --noheadings -o vg_name')).toBe('  fresh\n');
      expect(await sh.run('lvcreate -an -Zn -l 1 -n new fresh')).toBe('  Logical volume "new" created.\n');
      expect((await lab.ok('lvs', '--noheadings', '-o', 'lv_name')).stdout).toBe('  new ');
    } finally {
      expect(await sh.end()).toBe(0);
    }
  });

  it("publishes the read cache's copy of the VG its lines changed when it ends", async () => {
    const cache = join(lab.systemDir, 'cache');
    const copies = () => readdirSync(cache).filter((f) => f.startsWith('vg-'));
    rmSync(cache, { recursive: true, force: true });
    const r = await shell('lvcreate -an -Zn -l 1 -n a vg\nlvcreate -an -Zn -l 1 -n b vg\n');
    expect(r.stdout).toBe('  Logical volume "a" created.\n  Logical volume "b" created.\n\n');
    const seqno = (await lab.ok('vgs', '--noheadings', '-o', 'vg_seqno', 'vg')).stdout.trim();
    expect(copies()).toEqual([expect.stringMatching(new RegExp(`^vg-.*\\.${seqno}\\.json$`))]);
    // and the file of the metadata text its lines printed last, for the next process to reuse
    expect(textFiles()).toEqual([areaText()]);
  });

  it('writes the file of its last text only while it is still the VG\'s', async () => {
    const sh = new LiveShell();
    try {
      expect(await sh.run('lvcreate -an -Zn -l 1 -n mine vg')).toBe('  Logical volume "mine" created.\n');
      await lab.ok('lvcreate', '-an', '-Zn', '-l', '1', '-n', 'theirs', 'vg');
    } finally {
      expect(await sh.end()).toBe(0);
    }
    // theirs, not the shell's: a file no commit would ever remove
    expect(textFiles()).toEqual([areaText()]);
  });

  it('runs one command as `lvm COMMAND`, and answers for help, version, options and unknown names', async () => {
    const one = await shell('', ['lvcreate', '-an', '-Zn', '-l', '1', '-n', 'a', 'vg']);
    expect(one).toEqual({ stdout: '  Logical volume "a" created.\n', stderr: '', exitCode: 0 });
    expect(await shell('', ['lvs', '--units', 'Q'])).toMatchObject({ exitCode: 3, stderr: expect.stringContaining("Run `lvs --help'") });
    expect(await shell('', ['--foo'])).toEqual({ stdout: '', stderr: '  Specify options after a command: lvm [command] [options].\n', exitCode: 3 });
    expect(await shell('', ['nosuch'])).toEqual({ stdout: '', stderr: "  No such command.  Try 'lvm help'.\n", exitCode: 2 });
    const help = await shell('', ['help']);
    expect(help.exitCode).toBe(0);
    expect(help.stderr).toContain("  Use 'lvm help <command>' for more information\n");
    expect(help.stderr).toContain('  lvcreate        Create a logical volume\n');
    expect((await shell('', ['help', 'lvs'])).stdout).toBe((await lab.ok('lvs', '--help')).stdout + '\n');
    expect(await shell('', ['help', 'nosuch'])).toEqual({
      stdout: '  nosuch: no such command.\n', stderr: "  Run `help --help' for more information.\n", exitCode: 3 });
  });

  it('runs an lvm script, stopping at the first failure', async () => {
    const script = join(lab.dir, 'script');
    writeFileSync(script, '#!/sbin/lvm\nlvcreate -an -Zn -l 1 -n a vg\nlvs nosuch/x\nlvcreate -an -Zn -l 1 -n b vg\n');
    const r = await shell('', [script]);
    expect(r.exitCode).toBe(5);
    expect(r.stdout).toBe('  Logical volume "a" created.\n');
    expect((await lab.ok('lvs', '--noheadings', '-o', 'lv_name')).stdout).toBe('  a   ');
  });

  it('is what a link named lvm runs', async () => {
    const link = join(lab.dir, 'lvm');
    symlinkSync(BIN, link);
    const r = await execa(link, [], { env: lab.env, input: 'vgs --noheadings -o vg_name\n', reject: false });
    expect(r.stdout).toBe('  vg\n');
    expect((await execa(link, ['vgs', '-o', 'pv_count'], { env: lab.env })).stdout).toBe((await lab.ok('vgs', '-o', 'pv_count')).stdout);
  });
});

const hasScript = (() => {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('lvm shell on a terminal', () => {
  it.skipIf(!hasScript)('prompts "lvm> ", answers a yes/no prompt on the terminal, keeps a history (needs script(1))', async () => {
    await lab.ok('lvcreate', '-an', '-Zn', '-l', '1', '-n', 'a', 'vg');
    // keys typed one line at a time, each once the shell waits for it
    const keys = ['vgremove vg\r', 'n\r', 'vgs -o vg_name,lv_count --noheadings\r', 'quit\r'];
    const child = execa('script', ['-qec', `${BIN} lvm`, '/dev/null'], { env: lab.env, stdin: 'pipe', reject: false, timeout: 30_000 });
    let seen = '';
    child.stdout!.on('data', (d: Buffer) => (seen += d.toString()));
    // what the shell shows when it waits for each key line: its prompt, or the yes/no question
    const waits: [string, number][] = [['lvm> ', 1], ['[y/n]: ', 1], ['lvm> ', 2], ['lvm> ', 3]];
    for (const [i, k] of keys.entries()) {
      const [want, n] = waits[i]!;
      while (seen.split(want).length - 1 < n) await new Promise((r) => setTimeout(r, 20));
      child.stdin!.write(k);
    }
    const r = await child;
    const text = String(r.stdout).replace(/\x1b\[[0-9]*[GJ]/g, '').replace(/\r/g, '');
    expect(text).toContain('lvm> vgremove vg\nDo you really want to remove volume group "vg" containing 1 logical volumes? [y/n]: n\n  Volume group "vg" not removed\n');
    expect(text).toContain('lvm> vgs -o vg_name,lv_count --noheadings\n  vg   1\n');
    expect(text).toContain('lvm> quit\n  Exiting.');
    expect(readFileSync(join(lab.systemDir, 'lvm_history'), 'utf8')).toBe('vgremove vg\nvgs -o vg_name,lv_count --noheadings\n');
  });
});

describe('lvm_split', () => {
  it('splits as LVM2: blanks, one level of quotes, # starting a word ends the line', () => {
    expect(lvmSplit('  lvcreate  -n "my lv"  vg # comment')).toEqual(['lvcreate', '-n', 'my lv', 'vg']);
    expect(lvmSplit("a 'b c'd e#f")).toEqual(['a', 'b c', 'd', 'e#f']);
    expect(lvmSplit('a "unterminated b')).toEqual(['a', 'unterminated b']);
    expect(lvmSplit('# all comment')).toEqual([]);
    expect(lvmSplit(Array(100).fill('w').join(' ')).length).toBe(MAX_ARGS);
  });
});
