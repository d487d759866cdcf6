// Golden transcripts of real LVM2 (fixtures/golden/*.txt, written by scripts/record-golden.sh through
// the shared lvm2-oracle): parsing them, and replaying their commands against the tsvm binary with
// the same device names, the same extra lvcreate options and the same line filter as the oracle.
import { NO_KERNEL_DEVICES, stopServing } from './serving.js';
import { execa } from 'execa';
import { mkdtemp, mkdir, open, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** One `$ cmd` block of a transcript: the scenario line as written, and what LVM2 answered. */
export interface GoldenStep {
  line: string;
  stdout: string[];
  stderr: string[];
  exit: number;
}

export interface GoldenTranscript {
  /** The first line, e.g. `# lvm2 2.03.16(2); $D1=/dev/loop0 $D2=/dev/loop1`. */
  header: string;
  /** Placeholder name (`D1`) to the device LVM2 saw (`/dev/loop0`), in placeholder order. */
  devices: Map<string, string>;
  steps: GoldenStep[];
}

/** What a replay of one step produced, in the shape the test compares with `toEqual`. */
export interface StepResult {
  stdout: string[];
  stderr: string[];
  exit: number;
}

export interface OracleOptions {
  disks: number;
  /** Disk size in bytes. */
  size: number;
  /** The size as written (`100M`), for messages. */
  sizeText: string;
}

// The oracle's defaults (lvm2-oracle: disks=5 size=20G).
const DEFAULT_DISKS = 5;
const DEFAULT_SIZE = '20G';

/** Lines the oracle removes from both streams (`grep -Ev "$drop"` in lvm2-oracle). */
export const ORACLE_DROP =
  /WARNING: Activation disabled|WARNING: Logical volume .* not zeroed|Conversion starts after activation|WARNING: This metadata update is NOT backed up/;

/** Options the oracle adds to every lvcreate (metadata-only LVM2 cannot activate or zero). */
export const LVCREATE_EXTRA = ['-an', '-Zn'];

/**
 * The oracle gives every command --driverloaded n; for pvmove tsvm honours it as LVM2 does (the
 * move is set up in the metadata, nothing is activated or copied, "Interrupted: No longer
 * active."), so that the metadata of a move in progress can be compared. Other commands ignore it.
 */
export const PVMOVE_EXTRA = ['--driverloaded', 'n'];

export function parseTranscript(text: string): GoldenTranscript {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const header = lines.shift() ?? '';
  if (!header.startsWith('# lvm2 ')) throw new Error(`not a golden transcript: first line is ${JSON.stringify(header)}`);
  const devices = new Map<string, string>();
  for (const m of header.matchAll(/\$(D\d+)=(\S+)/g)) devices.set(m[1], m[2]);

  const steps: GoldenStep[] = [];
  let cur: GoldenStep | undefined;
  lines.forEach((l, i) => {
    const where = `transcript line ${i + 2}`;
    if (l.startsWith('$ ')) {
      if (cur) throw new Error(`${where}: new command before [exit N] of ${JSON.stringify(cur.line)}`);
      cur = { line: l.slice(2), stdout: [], stderr: [], exit: -1 };
    } else if (!cur) {
      throw new Error(`${where}: output outside a command block: ${JSON.stringify(l)}`);
    } else if (l.startsWith('1| ')) {
      cur.stdout.push(l.slice(3));
    } else if (l.startsWith('2| ')) {
      cur.stderr.push(l.slice(3));
    } else {
      const m = /^\[exit (\d+)\]$/.exec(l);
      if (!m) throw new Error(`${where}: unexpected line ${JSON.stringify(l)}`);
      cur.exit = Number(m[1]);
      steps.push(cur);
      cur = undefined;
    }
  });
  if (cur) throw new Error(`transcript ends inside the block of ${JSON.stringify(cur.line)}`);
  return { header, devices, steps };
}

/** Sizes as truncate(1) reads them: K M G T P are powers of 1024, KB MB GB... powers of 1000. */
export function parseSize(text: string): number {
  const m = /^(\d+)([KMGTP]?)(B?)$/i.exec(text.trim());
  if (!m) throw new Error(`cannot parse disk size ${JSON.stringify(text)}`);
  const exp = m[2] ? 'KMGTP'.indexOf(m[2].toUpperCase()) + 1 : 0;
  const base = m[3] ? 1000 : 1024;
  return Number(m[1]) * base ** exp;
}

/** The `# oracle: --disks N --size S` first line of a scenario (.scn), with the oracle's defaults. */
export function parseOracleOptions(scnText: string): OracleOptions {
  let disks = DEFAULT_DISKS;
  let sizeText = DEFAULT_SIZE;
  const first = scnText.split('\n', 1)[0] ?? '';
  const m = /^#\s*oracle:(.*)$/.exec(first);
  if (m) {
    const words = m[1].trim().split(/\s+/).filter(Boolean);
    for (let i = 0; i < words.length; i += 2) {
      const [opt, val] = [words[i], words[i + 1]];
      if (val === undefined) throw new Error(`oracle option ${opt} has no value`);
      if (opt === '--disks') disks = Number(val);
      else if (opt === '--size') sizeText = val;
      else throw new Error(`unknown oracle option ${opt}`);
    }
  }
  if (!Number.isInteger(disks) || disks < 1) throw new Error(`bad --disks in ${JSON.stringify(first)}`);
  return { disks, size: parseSize(sizeText), sizeText };
}

/** Replace $D1..$DN as the oracle does: plain text substitution, highest number first. */
export function substituteDevices(line: string, devices: Map<string, string>): string {
  const names = [...devices.keys()].sort((a, b) => Number(b.slice(1)) - Number(a.slice(1)));
  let out = line;
  for (const n of names) out = out.split(`$${n}`).join(devices.get(n)!);
  return out;
}

/**
 * Split a command line into words the way the oracle's `eval "set -- $line"` does for the lines
 * scenarios contain: blanks separate words; '...' is literal; "..." keeps \" \\ \$ \` escapes;
 * a backslash outside quotes escapes the next character; an unquoted # starting a word begins a
 * comment. Parameter expansion, globbing and other shell features are not supported (scenarios
 * must not rely on them: the oracle runs with `set -u`, and globs would depend on its cwd).
 */
export function shellSplit(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  while (i < line.length) {
    const c = line[i];
    if (c === ' ' || c === '\t') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      i++;
    } else if (c === '#' && !inWord) {
      break;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unterminated ' in ${JSON.stringify(line)}`);
      word += line.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      i++;
      for (;;) {
        if (i >= line.length) throw new Error(`unterminated " in ${JSON.stringify(line)}`);
        const d = line[i];
        if (d === '"') break;
        if (d === '\\' && i + 1 < line.length && '"\\$`'.includes(line[i + 1])) {
          word += line[i + 1];
          i += 2;
        } else {
          word += d;
          i++;
        }
      }
      inWord = true;
      i++;
    } else if (c === '\\') {
      if (i + 1 < line.length) word += line[i + 1];
      inWord = true;
      i += 2;
    } else {
      word += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** A command's output as the oracle records it: one entry per line, dropped lines removed. */
export function filterOutput(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.filter((l) => !ORACLE_DROP.test(l));
}

// lv_attr, character by character (lvs(8) "lv_attr bits"): type, permissions, allocation policy
// (capital when locked), fixed minor, state, open, target type, zero, health, skip activation.
const LV_ATTR =
  /(?<![A-Za-z0-9_.+-])([-mMoOrRsSpvViIlcCVtTdDeuw][-wrR][-acilnACILN][-m])([-ahsISmMdicCX][-oX])([-CmrstuveVd][-z][-prmwXEFDMA][-k])(?![A-Za-z0-9_.+-])/g;

/**
 * Metadata-only LVM2 cannot know whether an LV is active or open, so it prints `XX` at lv_attr
 * positions 5-6 where tsvm prints the real state (`--`, `a-`, `ao`). Applied to stdout (LVM2's
 * XX is left as it is); it matches 10-character attr tokens wherever they stand: in columns, after a separator,
 * in JSON ("lv_attr":"-wi-a-----"), in --nameprefixes (LVM2_LV_ATTR='-wi-a-----') and --rows.
 * Raid LVs and their sub-LVs also get `X` at position 9 (health), which LVM2 prints when it has no
 * activation to ask.
 */
export function normaliseAttr(line: string): string {
  // For raid types (target 'r') it cannot know their health either: LVM2 prints 'X' at position 9.
  return line.replace(LV_ATTR, (_m, a: string, _b: string, c: string) => `${a}XX${c[0] === 'r' ? `${c.slice(0, 2)}X${c[3]}` : c}`);
}

const UUID = /\b[A-Za-z0-9]{6}-[A-Za-z0-9]{4}-[A-Za-z0-9]{4}-[A-Za-z0-9]{4}-[A-Za-z0-9]{4}-[A-Za-z0-9]{4}-[A-Za-z0-9]{6}\b/g;
export const UUID_PLACEHOLDER = 'UUUUUU-UUUU-UUUU-UUUU-UUUU-UUUU-UUUUUU';
/** A PV UUID without its dashes, as LVM2 names a PVID ("... from /dev/loop5 PVID <32 characters>"). */
const PVID = /\bPVID [A-Za-z0-9]{32}\b/g;
const CREATION = /^(\s*LV Creation host, time ).*$/;

/**
 * Values that are random or time-dependent in both programs and so can never match: UUIDs
 * (pvdisplay, vgdisplay, "Couldn't find device with uuid ...") and undashed PVIDs become a
 * placeholder of the same width, and lvdisplay's "LV Creation host, time" value is blanked. Applied to both sides.
 */
export function normaliseVolatile(line: string): string {
  return line.replace(UUID, UUID_PLACEHOLDER).replace(PVID, `PVID ${'U'.repeat(32)}`).replace(CREATION, '$1<host, time>');
}

export function expectedResult(step: GoldenStep): StepResult {
  return {
    // normaliseAttr is a no-op on LVM2's XX attrs; applying it here too keeps any accidental
    // match of the attr pattern symmetric.
    stdout: step.stdout.map((l) => normaliseVolatile(normaliseAttr(l))),
    stderr: step.stderr.map(normaliseVolatile),
    exit: step.exit,
  };
}

export interface ReplayOptions {
  /** Absolute path of the built program (dist/tsvm, what users run). */
  bin: string;
  disks: OracleOptions;
  /** Per-command timeout in milliseconds. */
  timeout?: number;
  /** Keep the temporary directory (for debugging); its path is returned either way. */
  keep?: boolean;
  /** Run lvcreate as written, without the oracle's `-an -Zn` (tsvm-only setup steps). */
  plainLvcreate?: boolean;
}

export interface Replay {
  dir: string;
  results: StepResult[];
}

/** Sparse image files named after the devices LVM2 saw: /dev/loop3 becomes <devDir>/loop3. */
export async function makeDisks(devDir: string, devices: Map<string, string>, size: number): Promise<void> {
  for (const dev of devices.values()) {
    if (!dev.startsWith('/dev/')) throw new Error(`device ${dev} is not under /dev`);
    const file = path.join(devDir, dev.slice('/dev/'.length));
    await mkdir(path.dirname(file), { recursive: true });
    const fh = await open(file, 'w');
    try {
      await fh.truncate(size);
    } finally {
      await fh.close();
    }
  }
}

/**
 * A scenario line naming a program by its absolute path (`/bin/dd if=$D1 of=$D3 ...`) is not an
 * LVM command: the oracle runs it on the loop devices, the replay on the image files behind them.
 */
export function isExternalCommand(line: string): boolean {
  return line.trimStart().startsWith('/');
}

/** $Dn as the image file the replay made for that device (dev/loop3 under the replay's folder). */
export function substituteImages(line: string, devices: Map<string, string>, devDir: string): string {
  const files = new Map([...devices].map(([k, dev]) => [k, path.join(devDir, dev.slice('/dev/'.length))]));
  return substituteDevices(line, files);
}

export async function runStep(line: string, t: GoldenTranscript, env: NodeJS.ProcessEnv, o: ReplayOptions): Promise<StepResult> {
  if (isExternalCommand(line)) {
    const [exe, ...argv] = shellSplit(substituteImages(line, t.devices, env.TSVM_DEV_DIR!));
    const r = await execa(exe!, argv, { env, extendEnv: false, input: '', reject: false, stripFinalNewline: false, encoding: 'utf8' });
    return { stdout: filterOutput(String(r.stdout ?? '')), stderr: filterOutput(String(r.stderr ?? '')), exit: typeof r.exitCode === 'number' ? r.exitCode : -1 };
  }
  const words = shellSplit(substituteDevices(line, t.devices));
  if (words.length === 0) throw new Error(`empty command line ${JSON.stringify(line)}`);
  const [cmd, ...rest] = words;
  const args = cmd === 'lvcreate' && !o.plainLvcreate ? [...LVCREATE_EXTRA, ...rest] : cmd === 'pvmove' ? [...PVMOVE_EXTRA, ...rest] : rest;
  // `sh -c "... | lvm"`: a pipeline into the lvm shell, run by sh with tsvm's lvm link first on PATH
  // (replayTranscript makes it); the oracle runs it the same way with the real lvm.
  const [exe, argv] = cmd === 'sh' ? ['sh', rest] : [o.bin, [cmd, ...args]];
  const r = await execa(exe, argv, {
    env,
    extendEnv: false,
    input: '',
    reject: false,
    stripFinalNewline: false,
    timeout: o.timeout ?? 60_000,
    encoding: 'utf8',
  });
  const exit = typeof r.exitCode === 'number' ? r.exitCode : -1;
  const stderr = filterOutput(String(r.stderr ?? '')).map(normaliseVolatile);
  if (r.timedOut) stderr.push(`<tsvm timed out after ${o.timeout ?? 60_000} ms>`);
  else if (r.signal) stderr.push(`<tsvm killed by ${r.signal}>`);
  return {
    stdout: filterOutput(String(r.stdout ?? '')).map((l) => normaliseVolatile(normaliseAttr(l))),
    stderr,
    exit,
  };
}

/**
 * Replay a whole transcript in a fresh temporary directory (dev/ with the disks, sys/ as
 * TSVM_SYSTEM_DIR). Every step runs even after mismatches, since later ones depend on state.
 */
export async function replayTranscript(t: GoldenTranscript, o: ReplayOptions): Promise<Replay> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tsvm-golden-'));
  const devDir = path.join(dir, 'dev');
  const sysDir = path.join(dir, 'sys');
  await mkdir(devDir);
  await mkdir(sysDir);
  try {
    if (t.devices.size !== o.disks.disks) {
      throw new Error(`transcript names ${t.devices.size} disks but the scenario's oracle line says ${o.disks.disks}`);
    }
    await makeDisks(devDir, t.devices, o.disks.size);
    const binDir = path.join(dir, 'bin');
    await mkdir(binDir);
    await symlink(o.bin, path.join(binDir, 'lvm'));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TSVM_DEV_DIR: devDir,
      TSVM_SYSTEM_DIR: sysDir,
      // LVM2 picks the metadata areas to ignore at random: replays pick in order (mda-copies.ts).
      TSVM_MDA_CHOICE: 'ordered',
      ...NO_KERNEL_DEVICES,
      PATH: `${binDir}:${process.env.PATH ?? ''}`,
    };
    const results: StepResult[] = [];
    for (const step of t.steps) results.push(await runStep(step.line, t, env, o));
    return { dir, results };
  } finally {
    stopServing(sysDir);
    if (!o.keep) await rm(dir, { recursive: true, force: true });
  }
}
