// Errors with LVM2's exit codes (tools/errors.h): 3 invalid command line, 5 command failed.
// A handler throws these with LVM2's exact message lines; the dispatcher prints them on stderr.

export const ECMD_PROCESSED = 0;
export const ENO_SUCH_CMD = 2;
export const EINVALID_CMD_LINE = 3;
export const EINIT_FAILED = 4;
export const ECMD_FAILED = 5;

export class LvmError extends Error {
  /** How many leading lines are printed without LVM2's two-space prefix (getopt's own messages). */
  unprefixed = 0;

  constructor(readonly exitCode: number, readonly lines: string[]) {
    super(lines.join('\n'));
  }
}

/** Runtime failure: exit 5. */
export class CommandFailed extends LvmError {
  constructor(...lines: string[]) {
    super(ECMD_FAILED, lines);
  }
}

/** Bad command line: exit 3. */
export class InvalidCommandLine extends LvmError {
  constructor(...lines: string[]) {
    super(EINVALID_CMD_LINE, lines);
  }
}
