#!/usr/bin/env node
// tsvm entry point: picks the command (from argv[2], or from the program name when invoked through
// a link named after an LVM command, like LVM2's multi-call `lvm` binary), parses with getopt
// rules, runs the handler and turns errors into LVM2's exit codes. The only module touching process.
import { basename } from 'node:path';
import { Output } from './cli/output.js';
import { Context } from './cli/context.js';
import { LvmError, ECMD_FAILED, ENO_SUCH_CMD } from './cli/errors.js';
import { COMMAND_NAMES, isCommand, loadCommand } from './cli/registry.js';
import { getopt } from './cli/getopt.js';
import { Args } from './cli/args.js';
import { COMMON_OPTIONS } from './cli/options.js';
import { renderHelp } from './cli/help.js';

const VERSION = '0.1.0';

async function main(argv: string[]): Promise<number> {
  const out = new Output();
  const self = basename(argv[1] ?? 'tsvm').replace(/\.js$/, '');
  let cmd: string | undefined;
  let rest: string[];
  if (isCommand(self)) {
    cmd = self;
    rest = argv.slice(2);
  } else {
    cmd = argv[2];
    rest = argv.slice(3);
  }
  if (!cmd || cmd === 'help' || cmd === '--help' || cmd === '-h') {
    out.raw(topLevelHelp());
    out.flush();
    return 0;
  }
  if (cmd === 'links') {
    return makeLinks(out, rest[0], argv[1] ?? '');
  }
  if (cmd === 'version' || cmd === '--version') {
    out.raw(`  tsvm version: ${VERSION}\n  LVM compatibility: 2.03.16\n`);
    out.flush();
    return 0;
  }
  if (!isCommand(cmd)) {
    out.error(`No such command '${cmd}'.  Try 'tsvm help'.`);
    out.flush();
    return ENO_SUCH_CMD;
  }
  const ctx = new Context(cmd, out, process.env);
  try {
    const spec = await loadCommand(cmd);
    const parsed = getopt(cmd, rest, [...COMMON_OPTIONS, ...spec.options], spec.shortOverrides);
    const args = new Args(cmd, parsed, spec.negativeSizes);
    if (args.has('help') || args.has('longhelp')) {
      out.raw(renderHelp(spec, args.has('longhelp')));
      return 0;
    }
    if (args.has('version')) {
      out.raw(`  tsvm version: ${VERSION}\n`);
      return 0;
    }
    ctx.configOverride = args.all('config').join('\n');
    return await spec.run(ctx, args);
  } catch (e) {
    if (e instanceof LvmError) {
      e.lines.forEach((line, i) => (i < e.unprefixed ? out.rawErr(line + '\n') : out.error(line)));
      return e.exitCode;
    }
    out.error(`Internal error: ${(e as Error).message ?? String(e)}`);
    if (process.env.TSVM_DEBUG) out.raw(String((e as Error).stack) + '\n');
    return ECMD_FAILED;
  } finally {
    ctx.close(false);
    out.flush();
  }
}

/** `tsvm links DIR`: a folder of links named after the LVM commands, to put first on PATH. */
async function makeLinks(out: Output, dir: string | undefined, self: string): Promise<number> {
  if (!dir) {
    out.error('Usage: tsvm links DIR');
    out.flush();
    return 3;
  }
  const { mkdirSync, symlinkSync, rmSync, realpathSync } = await import('node:fs');
  const { join } = await import('node:path');
  mkdirSync(dir, { recursive: true });
  const target = realpathSync(self);
  for (const c of COMMAND_NAMES) {
    if (c === 'dd' || c === 'fault') continue;
    rmSync(join(dir, c), { force: true });
    symlinkSync(target, join(dir, c));
  }
  out.print(`Linked ${COMMAND_NAMES.length - 2} LVM commands in ${dir}`);
  out.flush();
  return 0;
}

function topLevelHelp(): string {
  const lines = [
    'tsvm: LVM2 over image files.',
    '',
    'Usage: tsvm COMMAND [ARGS]   (or run a link named after the command: lvs, lvcreate, ...)',
    '',
    'Commands:',
    ...COMMAND_NAMES.map((c) => `  ${c}`),
    '',
    "Run 'tsvm COMMAND --help' for a command's options.",
    "Run 'tsvm links DIR' to make DIR/lvs, DIR/lvcreate, ... for lab scripts (put DIR first on PATH).",
  ];
  return lines.map((l) => (l ? '  ' + l : '')).join('\n') + '\n';
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`  Internal error: ${String(e)}\n`);
    process.exitCode = ECMD_FAILED;
  },
);
