// --help text. For LVM2 commands it is LVM2's own usage text (commands/help/<cmd>.txt, extracted
// from recorded LVM2 output by scripts/extract-help.mjs); tsvm's own commands render theirs from
// the spec in the same layout: "  cmd - summary", variants, tab-indented options, common options.
import { existsSync, readFileSync } from 'node:fs';
import type { CommandSpec } from './command-spec.js';

const COMMON = [
  '  Common options for lvm:',
  '\t[ -d|--debug ]', '\t[ -h|--help ]', '\t[ -q|--quiet ]', '\t[ -v|--verbose ]', '\t[ -y|--yes ]', '\t[ -t|--test ]',
  '\t[    --commandprofile String ]', '\t[    --config String ]', '\t[    --driverloaded y|n ]', '\t[    --nolocking ]',
  '\t[    --lockopt String ]', '\t[    --longhelp ]', '\t[    --profile String ]', '\t[    --version ]',
  '\t[    --devicesfile String ]', '\t[    --devices PV ]', '\t[    --nohints ]', '\t[    --journal String ]',
  '',
  '  Use --longhelp to show all options and advanced commands.',
];

export function renderHelp(spec: CommandSpec, long = false): string {
  const longFile = new URL(`../../commands/help/${spec.name}.long.txt`, import.meta.url);
  if (long && existsSync(longFile)) return readFileSync(longFile, 'utf8');
  const file = new URL(`../../commands/help/${spec.name}.txt`, import.meta.url);
  if (existsSync(file)) return readFileSync(file, 'utf8');
  const body = [`${spec.name} - ${spec.summary}`, '', ...spec.usage, '\t[ COMMON_OPTIONS ]', ''].map((l) =>
    l && !l.startsWith('\t') ? '  ' + l : l,
  );
  return [...body, ...COMMON].join('\n') + '\n';
}

/** LVM2's reply to arguments that fit no variant of the command (exit 3). */
export function noMatchingSyntaxLines(cmd: string): string[] {
  return [`No command with matching syntax recognised.  Run '${cmd} --help' for more information.`];
}
