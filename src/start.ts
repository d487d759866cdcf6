// The body of tsvm's entry points, src/main.ts (the plain build) and src/snapshot.ts (the start-up
// snapshot, built by scripts/build-snapshot.mjs): picks the command (from argv[2], or from the
// program name when invoked through a link named after an LVM command, like LVM2's multi-call `lvm`
// binary), and runs it (src/cli/run-command.ts); `tsvm lvm` or a link named lvm is LVM2's `lvm`
// itself, the shell included (src/cli/lvm-shell.ts). With the two entry points, the only modules
// touching process.
import { basename } from 'node:path';
import { Output } from './cli/output.js';
import { ECMD_FAILED } from './cli/errors.js';
import { isCommand } from './cli/registry.js';
import { runCommand, VERSION } from './cli/run-command.js';

async function main(argv: string[]): Promise<number> {
  const self = basename(argv[1] ?? 'tsvm').replace(/\.js$/, '');
  if (self === 'lvm') return lvm(argv.slice(2));
  if (isCommand(self)) return runCommand(self, argv.slice(2), new Output(), process.env);
  const cmd = argv[2];
  if (cmd === 'lvm') return lvm(argv.slice(3));
  if (!cmd || !isCommand(cmd)) {
    // tsvm's own words (help, links, completion, version) or an unknown command
    const { runTopLevel } = await import('./cli/toplevel.js');
    return runTopLevel(argv.slice(2), argv[1] ?? '', VERSION);
  }
  return runCommand(cmd, argv.slice(3), new Output(), process.env);
}

/** LVM2's multi-call `lvm`: the shell, or one command (src/cli/lvm-shell.ts). */
async function lvm(args: string[]): Promise<number> {
  const { lvmMain } = await import('./cli/lvm-shell.js');
  return lvmMain(args, process.env);
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
