// `tsvm` itself, without an LVM command: help, version, `links DIR`, and shell completion. This is
// where yargs earns its load time (DESIGN: "load the full yargs machinery only where it earns its
// cost"): LVM commands never load it; their command lines follow getopt_long as LVM2's do
// (src/cli/getopt.ts).
import yargs from 'yargs';
import { mkdirSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { COMMAND_NAMES, loadCommand } from './registry.js';
import { OPTIONS, COMMON_OPTIONS } from './options.js';
import { ENO_SUCH_CMD } from './errors.js';

// (and `lvm`, LVM2's multi-call binary: the lvm shell)
const LVM_COMMANDS = [...COMMAND_NAMES.filter((c) => c !== 'dd' && c !== 'fault'), 'lvm'];

/** Words to offer after `tsvm` (or a linked LVM command) for bash completion. */
async function complete(words: string[]): Promise<string[]> {
  // words: everything after the program name, the last being the one being typed
  const cmdIndex = words.length > 0 && (COMMAND_NAMES as readonly string[]).includes(words[0]!) ? 0 : -1;
  if (cmdIndex < 0) return [...COMMAND_NAMES, 'lvm', 'links', 'completion', 'help', 'version'];
  const spec = await loadCommand(words[0]!);
  return [...COMMON_OPTIONS, ...spec.options].flatMap((o) => {
    const d = OPTIONS.get(o);
    return d ? [`--${d.long}`] : [];
  });
}

export async function runTopLevel(args: string[], self: string, version: string): Promise<number> {
  let code = 0;
  const parser = yargs(args)
    .scriptName('tsvm')
    .usage('tsvm: LVM2 over image files.\n\nUsage: tsvm COMMAND [ARGS]   (or a link named after the command: lvs, lvcreate, ...)')
    .command('links <dir>', 'make DIR/lvs, DIR/lvcreate, ... for lab scripts (put DIR first on PATH)', (y) =>
      y.positional('dir', { type: 'string', describe: 'folder for the links' }), (a) => {
      const dir = String(a.dir);
      mkdirSync(dir, { recursive: true });
      const target = realpathSync(self);
      for (const c of LVM_COMMANDS) {
        rmSync(join(dir, c), { force: true });
        symlinkSync(target, join(dir, c));
      }
      process.stdout.write(`  Linked ${LVM_COMMANDS.length} LVM commands in ${dir}\n`);
    })
    .command('version', 'print the version', () => {}, () => {
      process.stdout.write(`  tsvm version: ${version}\n  LVM compatibility: 2.03.16\n`);
    })
    .command('help', 'this text', () => {}, () => {
      parser.showHelp('log');
    })
    .completion('completion', 'print a bash completion script (source it from ~/.bashrc)', (current, argv, done) => {
      // argv._ holds the words typed after the program name (the completion flag's own words dropped)
      const typed = (argv._ as (string | number)[]).map(String).filter((w) => w !== 'tsvm' && w !== '--get-yargs-completions');
      void complete(typed).then((all) => done(all.filter((w) => w.startsWith(current))));
    })
    .epilog(`LVM commands:\n  ${COMMAND_NAMES.join(' ')}\n\n'tsvm lvm' is LVM2's lvm shell: one command per line of stdin.\nRun 'tsvm COMMAND --help' for a command's options.`)
    .version(version)
    .help()
    .strict(args[0] !== '--get-yargs-completions')
    .exitProcess(false)
    .fail((msg, err) => {
      if (err) throw err;
      process.stderr.write(`  No such command '${args[0]}'.  Try 'tsvm help'.\n`);
      void msg;
      code = ENO_SUCH_CMD;
    });
  if (!args.length) {
    parser.showHelp('log');
    return 0;
  }
  await parser.parseAsync();
  return code;
}
