// --help text from the command spec, laid out as LVM2's usage output (tools/command.c
// print_usage): "  cmd - summary", a blank line, then the command variants.
import type { CommandSpec } from './command-spec.js';

export function renderHelp(spec: CommandSpec): string {
  const lines = [`${spec.name} - ${spec.summary}`, '', ...spec.usage];
  return lines.map((l) => (l ? '  ' + l : '')).join('\n') + '\n';
}
