// One LVM command from parsed words to exit code (LVM2's lvm_run_command): parse with getopt rules,
// run the handler with a fresh Context, turn errors into LVM2's messages and exit codes, release
// what the command held. Shared by the command-line entry (start.ts) and the lvm shell (lvm-shell.ts).
import { Output } from './output.js';
import { Context, type ContextOptions } from './context.js';
import { LvmError, ECMD_FAILED, EINVALID_CMD_LINE } from './errors.js';
import { loadCommand } from './registry.js';
import { getopt } from './getopt.js';
import { Args } from './args.js';
import { commandOptions } from './options.js';
import { refuseUnsupported } from './unsupported.js';
import { activationMode } from './activation-mode.js';
import { checkCommandVariant } from './command-variants.js';
import { renderHelp } from './help.js';
import { parseUnits } from '../report/units.js';
import { setDisplayUnits } from '../model/units.js';
import { lvm2CmdLine } from './cmd-line.js';

export const VERSION = '0.1.0';

/** LVM2's _short_usage line, which lvm_run_command adds to a bad command line outside the shell. */
const SHORT_USAGE = /^Run `\S+ --help' for more information\.$/;

export interface RunOptions extends ContextOptions {
  /** In the lvm shell (LVM2's cmd->is_interactive): no short usage line after a bad command line. */
  interactive?: boolean;
}

/** global/units (or a display command's --units) and --nosuffix, for every size a message prints. */
function applyDisplayUnits(ctx: Context, args: Args): void {
  const units = parseUnits(args.str('units') ?? ctx.config.str('global/units', 'r'), args.has('nosuffix'));
  setDisplayUnits(units && !units.custom ? units : { type: 'r', nosuffix: false });
}

/**
 * Run `cmd` (a known command name) with its arguments; returns the exit code. `out` receives what
 * the command prints (errors() says whether it logged an error, for the shell's status line).
 */
export async function runCommand(cmd: string, rest: string[], out: Output, env: NodeJS.ProcessEnv, opts: RunOptions = {}): Promise<number> {
  const ctx = new Context(cmd, out, env, opts);
  ctx.cmdLine = lvm2CmdLine(cmd, rest);
  try {
    const spec = await loadCommand(cmd);
    const args = new Args(cmd, getopt(cmd, rest, commandOptions(cmd)));
    if (args.has('help') || args.has('longhelp')) {
      out.raw(renderHelp(spec, args.has('longhelp')));
      return 0;
    }
    if (args.has('version')) {
      out.raw(`  tsvm version: ${VERSION}\n`);
      return 0;
    }
    checkCommandVariant(cmd, args, env);
    refuseUnsupported(spec, args);
    ctx.configOverride = args.all('config').join('\n');
    const prefix = ctx.config.get('log/prefix');
    out.prefix = typeof prefix === 'string' ? prefix : '  ';
    applyDisplayUnits(ctx, args);
    // _get_current_settings: every command, after its syntax and config (lvs -P says PARTIAL MODE too).
    ctx.activationMode = activationMode(ctx, args);
    const rc = await spec.run(ctx, args);
    // The serving daemon serves what is active now (tables loaded and removed after a change).
    if (ctx.metadataChanged || ctx.wantsDevices) {
      const { syncServedDevices } = await import('../nbd/sync-devices.js');
      await syncServedDevices(ctx);
    }
    return rc;
  } catch (e) {
    if (e instanceof LvmError) {
      const shortUsage = (line: string, i: number) =>
        opts.interactive && e.exitCode === EINVALID_CMD_LINE && i === e.lines.length - 1 && i > 0 && SHORT_USAGE.test(line);
      e.lines.forEach((line, i) => {
        if (shortUsage(line, i)) return;
        if (i < e.unprefixed) out.rawErr(line + '\n');
        else out.error(line);
      });
      return e.exitCode;
    }
    out.error(`Internal error: ${(e as Error).message ?? String(e)}`);
    if (env.TSVM_DEBUG) out.raw(String((e as Error).stack) + '\n');
    return ECMD_FAILED;
  } finally {
    ctx.close(false);
    out.flush();
  }
}
