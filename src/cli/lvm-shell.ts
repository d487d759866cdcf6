// `lvm` (LVM2's multi-call binary, tools/lvm.c and lvm2_main in tools/lvmcmdline.c): with no
// arguments the lvm shell, one command per line of stdin; `lvm COMMAND ARGS` runs one command;
// `lvm help`, `lvm version`; `lvm FILE` runs a script whose first line starts with "#!".
// The shell pays node's start-up once, but gives each line what a new process would have: a
// fresh Context (store, read cache, config, locks), a database connection checked for each line
// (shell-db.ts), and no lock left over from the line before.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Output } from './output.js';
import { runCommand, VERSION, type RunOptions } from './run-command.js';
import { COMMAND_NAMES, isCommand, loadCommand } from './registry.js';
import { renderHelp } from './help.js';
import { lvmSplit, MAX_ARGS } from './lvm-split.js';
import { ECMD_PROCESSED, EINVALID_CMD_LINE, ENO_SUCH_CMD } from './errors.js';
import { defaultSystemDir } from './context.js';
import { ShellDb } from './shell-db.js';
import { TSVM_SEGTYPES } from '../model/segtypes.js';
import { ShellInput } from './shell-input.js';
import { releaseSharedLocks } from '../store/locks.js';

/** `lvm ARGS` (argv after the program name). */
export async function lvmMain(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  if (!args.length) return shell(env);
  const words = [...args];
  if (words[0] === 'version') return version(new Output());
  if (['-h', '--help', '-?'].includes(words[0]!)) words[0] = 'help';
  if (words[0]!.startsWith('-')) {
    new Output().error('Specify options after a command: lvm [command] [options].');
    return EINVALID_CMD_LINE;
  }
  if (words[1] === '-?') words[1] = '-h';
  const out = new Output();
  let ret: number;
  if (isCommand(words[0]!) || words[0] === 'help' || words[0] === 'segtypes') ret = await runLine(words, out, env, {});
  else ret = await runScript(words[0]!, env);
  if (ret === ENO_SUCH_CMD) out.error("No such command.  Try 'lvm help'.");
  else failedStatus(ret, out);
  out.flush();
  return ret;
}

/** One command line of the shell or a script (the words after an optional leading "lvm"). */
async function runLine(words: string[], out: Output, env: NodeJS.ProcessEnv, opts: RunOptions): Promise<number> {
  const [name, ...rest] = words as [string, ...string[]];
  try {
    if (name === 'help') return await help(rest, out, !!opts.interactive);
    if (name === 'version') return version(out);
    if (name === 'segtypes') return segtypes(out);
    if (!isCommand(name)) return ENO_SUCH_CMD;
    return await runCommand(name, rest, out, env, opts);
  } finally {
    // what a new process would start without
    releaseSharedLocks();
    out.flush();
  }
}

/**
 * `lvm segtypes` (LVM2's segtypes command): the segment types this build handles, one a line, in
 * LVM2's order. tsvm lists the ones it implements (LVM2 lists all it was built with).
 */
function segtypes(out: Output): number {
  for (const t of TSVM_SEGTYPES) out.print(t);
  return ECMD_PROCESSED;
}

/** LVM2's "Command failed with status code N." for a failure that logged no error. */
function failedStatus(ret: number, out: Output): void {
  if (ret !== ECMD_PROCESSED && ret !== ENO_SUCH_CMD && !out.errorLogged) out.error(`Command failed with status code ${ret}.`);
}

/**
 * How long a VG's copy in the read cache waits for the next line to replace it before the shell
 * publishes it (store/deferred-publish.ts): a run of lines changing one VG publishes it about
 * once a second instead of at every line. (On a terminal, at once: the next line is a person's.)
 */
const PUBLISH_AFTER_MS = 1000;

async function shell(env: NodeJS.ProcessEnv): Promise<number> {
  const systemDir = defaultSystemDir(env);
  const db = new ShellDb();
  const input = new ShellInput(join(systemDir, 'lvm_history'));
  const opts: RunOptions = { interactive: true, openDb: (dir) => db.open(dir), textFilesLater: true };
  for (;;) {
    const line = await input.readLine('lvm> ');
    if (line === null) {
      db.settle(0);
      // (LVM2: "readline sends prompt to stdout")
      const out = new Output();
      out.raw('\n');
      out.flush();
      break;
    }
    if (!line) continue;
    input.remember(line);
    const out = new Output();
    let words = lvmSplit(line);
    if (words.length >= MAX_ARGS) {
      out.error('Too many arguments, sorry.');
      continue;
    }
    if (words[0] === 'lvm') words = words.slice(1);
    if (!words.length) continue;
    if (words[0] === 'quit' || words[0] === 'exit') {
      db.settle(0);
      input.forgetLast();
      out.error('Exiting.');
      break;
    }
    const ret = await runLine(words, out, env, opts);
    if (ret === ENO_SUCH_CMD) out.error(`No such command '${words[0]}'.  Try 'help'.`);
    failedStatus(ret, out);
    out.flush();
    input.saveHistory();
    db.settle(input.terminal ? 0 : PUBLISH_AFTER_MS);
  }
  return ECMD_PROCESSED;
}

/** LVM2's _run_script: stops at the first command that fails; exit/quit end it. */
async function runScript(file: string, env: NodeJS.ProcessEnv): Promise<number> {
  let text: string;
  try {
    text = readFileSync(file, 'latin1');
  } catch {
    return ENO_SUCH_CMD;
  }
  if (!text.startsWith('#!')) return ENO_SUCH_CMD;
  let ret = ENO_SUCH_CMD;
  for (const line of text.split('\n')) {
    const out = new Output();
    if (line.length >= 255) {
      out.error(`Line too long (max 255) beginning: ${line.slice(0, 50)}`);
      return EINVALID_CMD_LINE;
    }
    const words = lvmSplit(line);
    if (words.length >= MAX_ARGS) {
      out.error(`Too many arguments: ${line.slice(0, 50)}`);
      return EINVALID_CMD_LINE;
    }
    if (!words.length) continue;
    if (words[0] === 'quit' || words[0] === 'exit') break;
    ret = await runLine(words, out, env, {});
    if (ret === ENO_SUCH_CMD) break;
    if (ret !== ECMD_PROCESSED) {
      failedStatus(ret, out);
      out.flush();
      break;
    }
  }
  return ret;
}

/** `help`: the list of commands (LVM2's _display_help, on stderr), or each named command's usage. */
async function help(names: string[], out: Output, interactive: boolean): Promise<number> {
  if (!names.length) {
    const all = [...COMMAND_NAMES, 'help', 'version'].sort();
    const summary = async (n: string) =>
      n === 'help' ? 'Display help for commands' : n === 'version' ? 'Display software and driver version information' : (await loadCommand(n)).summary;
    out.error('Available lvm commands:');
    out.error("Use 'lvm help <command>' for more information");
    out.error(' ');
    for (const n of all) out.error(`${n.padEnd(16).slice(0, 16)}${await summary(n)}`);
    return ECMD_PROCESSED;
  }
  let ret = ECMD_PROCESSED;
  for (const n of names) {
    if (!isCommand(n)) {
      out.print(`${n}: no such command.`);
      ret = EINVALID_CMD_LINE;
      continue;
    }
    out.raw(renderHelp(await loadCommand(n)));
  }
  // LVM2's _short_usage after an invalid command line, outside the shell
  if (ret !== ECMD_PROCESSED && !interactive) out.error("Run `help --help' for more information.");
  return ret;
}

function version(out: Output): number {
  out.print(`tsvm version: ${VERSION}`);
  out.print('LVM compatibility: 2.03.16');
  out.flush();
  return ECMD_PROCESSED;
}
