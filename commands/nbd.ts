// tsvm nbd: the serving daemon seen and steered by hand (tsvm's own command; LVM2 has no NBD).
// Activation starts and stops the daemon on its own; this shows what it serves and where, adds or
// removes TCP listeners (never on by default), prints an export's URI, and stops it.
import type { CommandSpec } from '../src/cli/command-spec.js';
import type { Context } from '../src/cli/context.js';
import type { Args } from '../src/cli/args.js';
import { CommandFailed, InvalidCommandLine } from '../src/cli/errors.js';
import { parseLvName } from '../src/cli/toollib.js';

const HELP = "Run `nbd --help' for more information.";

async function status(ctx: Context): Promise<number> {
  const { liveDaemonState, openCount } = await import('../src/nbd/in-use.js');
  const { vgSocketPath } = await import('../src/nbd/run-dir.js');
  const s = liveDaemonState(ctx.systemDir);
  if (!s) {
    ctx.out.raw('No tsvm NBD daemon is running (nothing is active).\n');
    return 0;
  }
  const { default: Table } = await import('cli-table3');
  const colour = !!process.stdout.isTTY && !process.env.NO_COLOR;
  const t = new Table({ head: ['Export', 'Socket', 'Block device', 'Open', 'Access'], style: colour ? {} : { head: [], border: [] } });
  for (const e of Object.values(s.exports).sort((a, b) => a.name.localeCompare(b.name))) {
    t.push([e.name, vgSocketPath(ctx.systemDir, e.vgName), e.device ?? '-', String(openCount(e)), e.readOnly ? 'ro' : 'rw']);
  }
  ctx.out.raw(`tsvm NBD daemon, pid ${s.pid}${s.listen.length ? `, TCP: ${s.listen.join(', ')}` : ''}\n${t.toString()}\n`);
  return 0;
}

async function ask(ctx: Context, req: { op: 'listen' | 'unlisten' | 'stop'; address?: string; readOnly?: boolean }): Promise<number> {
  const { askDaemon, stopDaemon } = await import('../src/nbd/control.js');
  if (req.op === 'stop') {
    if (!(await stopDaemon(ctx.systemDir))) ctx.out.raw('No tsvm NBD daemon is running.\n');
    return 0;
  }
  const r = await askDaemon(ctx.systemDir, req);
  if (!r) throw new CommandFailed('No tsvm NBD daemon is running: activate an LV first.');
  if (!r.ok) throw new CommandFailed(r.error ?? 'The tsvm NBD daemon refused the request.');
  return 0;
}

async function uri(ctx: Context, arg: string | undefined): Promise<number> {
  const n = arg ? parseLvName(ctx, arg) : null;
  if (!n) throw new InvalidCommandLine('Please specify a logical volume VG/LV.', HELP);
  const { vgSocketPath } = await import('../src/nbd/run-dir.js');
  const { unixUri } = await import('../src/nbd/uri.js');
  ctx.out.raw(`${unixUri(vgSocketPath(ctx.systemDir, n.vg), `${n.vg}/${n.lv}`)}\n`);
  return 0;
}

async function run(ctx: Context, args: Args): Promise<number> {
  const [sub, ...rest] = args.positionals;
  const address = (): string => {
    if (rest.length !== 1) throw new InvalidCommandLine('Please specify one address HOST:PORT.', HELP);
    return rest[0]!;
  };
  switch (sub) {
    case undefined:
    case 'status': return status(ctx);
    case 'listen': return ask(ctx, { op: 'listen', address: address(), readOnly: args.has('readonly') });
    case 'unlisten': return ask(ctx, { op: 'unlisten', address: address() });
    case 'stop': return ask(ctx, { op: 'stop' });
    case 'uri': return uri(ctx, rest[0]);
    default: throw new InvalidCommandLine(`Unknown nbd subcommand: ${sub}`, HELP);
  }
}

export const spec: CommandSpec = {
  name: 'nbd',
  summary: 'Show and steer the NBD daemon that serves active LVs (tsvm)',
  usage: [
    'nbd [status]',
    'nbd listen HOST:PORT [--readonly]',
    'nbd unlisten HOST:PORT',
    'nbd uri VG/LV',
    'nbd stop',
    '',
    'Every active LV is served over NBD by a tsvm daemon, started by activation (lvcreate,',
    'lvchange -ay, vgchange -ay) and gone when nothing is active. Each VG has a unix socket,',
    '$TSVM_SYSTEM_DIR/run/nbd/VG.sock (mode 0600), with one export per active LV named VG/LV:',
    '  nbdinfo "nbd+unix:///VG/LV?socket=$TSVM_SYSTEM_DIR/run/nbd/VG.sock"',
    'As root, with /dev/fuse and loop devices (or the nbd module), each active LV is also a kernel',
    'block device (/dev/VG/LV and /dev/mapper/VG-LV link to it, under TSVM_DEV_DIR when set);',
    'activation/nbd_kernel_device = 0 in lvm.conf turns that off.',
    '',
    '  status             exports, sockets, block devices and open counts',
    '  listen HOST:PORT   also serve every active LV over TCP on that address (kept across',
    '                     daemon restarts); --readonly: read-only exports on it',
    '  unlisten HOST:PORT stop serving on that address',
    '  uri VG/LV          the NBD URI of an LV\'s export on its unix socket',
    '  stop               drop every connection and block device and stop the daemon',
  ],
  options: ['readonly'],
  run,
};
