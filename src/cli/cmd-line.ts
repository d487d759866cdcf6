// The command line as LVM2 records it (tools/lvmcmdline.c, cmd->cmd_line): in the metadata areas'
// description ("Write from ..."), backup files ("Created *after* executing '...'") and vgcfgbackup -f.
// lvm_run_command first drops the hyphens inside long option names, up to an `=` (LVM2 accepts
// --metadata-size for --metadatasize), stopping at a bare `--`; _copy_command_line then puts an
// argument holding a space between single quotes.

export function lvm2CmdLine(cmd: string, args: readonly string[]): string {
  const words = [cmd];
  let options = true;
  for (const arg of args) {
    let word = arg;
    if (options && arg.startsWith('--')) {
      if (arg === '--') options = false;
      else {
        const eq = arg.indexOf('=', 2);
        const name = arg.slice(2, eq < 0 ? undefined : eq);
        word = `--${name.replace(/-/g, '')}${eq < 0 ? '' : arg.slice(eq)}`;
      }
    }
    words.push(word.includes(' ') ? `'${word}'` : word);
  }
  return words.join(' ');
}
