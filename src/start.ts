// The body of tsvm's entry points, src/main.ts (the plain build) and src/snapshot.ts (the start-up
// snapshot, built by scripts/build-snapshot.mjs): picks the command (from argv[2], or from the
// program name when invoked through a link named after an LVM command, like LVM2's multi-call `lvm`
// binary), parses with getopt rules, runs the handler and turns errors into LVM2's exit codes.
// With the two entry points, the only modules touching process.
import { basename } from 'node:path';
import { Output } from './cli/output.js';
import { Context } from './cli/context.js';
import { LvmError, ECMD_FAILED } from './cli/errors.js';
import { isCommand, loadCommand } from './cli/registry.js';
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
  if (!cmd || !isCommand(cmd)) {
    // tsvm's own words (help, links, completion, version) or an unknown command
    out.flush();
    const { runTopLevel } = await import('./cli/toplevel.js');
    return runTopLevel(argv.slice(2), argv[1] ?? '', VERSION);
  }
  const ctx = new Context(cmd, out, process.env);
  ctx.cmdLine = [cmd, ...rest].join(' ');
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

/**
 * Run the command line in `process.argv` and exit with its code. process.exit() rather than a
 * natural exit: at a natural exit Node runs better-sqlite3's clean-up hook, which closes the
 * database, and closing the last connection checkpoints the WAL into the database file and deletes
 * it, with four fsyncs: most of a mutating command's time. Committed transactions are in the WAL
 * either way (as after a kill -9); SQLite's automatic checkpoint folds them in every ~1,000 pages.
 * Nothing is pending at this point: output is written synchronously (Output), and the only
 * children tsvm leaves running (the mirror sync daemon) are detached.
 */
export function start(): void {
  main(process.argv).then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`  Internal error: ${String(e)}\n`);
      process.exit(ECMD_FAILED);
    },
  );
}
