// tsvm dd: GNU dd whose if=/of= may name an LV (/dev/VG/LV or VG/LV), read and written through
// src/lv-io (the extent map, stripes and mirror legs), so lab scripts can put data on LVs and
// check it. Messages, statistics and exit codes (0 ok, 1 error) are GNU dd's.
import { constants, ftruncateSync, openSync } from 'node:fs';
import type { CommandSpec } from '../src/cli/command-spec.js';
import type { Context } from '../src/cli/context.js';
import type { Args } from '../src/cli/args.js';
import { DevicePool } from '../src/device/device-pool.js';
import { DeviceIoError } from '../src/device/block-device.js';
import { findLv } from '../src/model/vg-query.js';
import type { LogicalVolume, VolumeGroup } from '../src/model/types.js';
import { openLvAsync, type LvDevice } from '../src/lv-io/open-lv.js';
import { DdUsageError, parseOperands, type DdOperands } from '../src/lv-io/dd-operands.js';
import { FdEndpoint, LvSink, LvSource, errnoOf, strerror, type DdSink, type DdSource } from '../src/lv-io/dd-endpoints.js';
import { ddCopy, quoteaf } from '../src/lv-io/dd-copy.js';

class OpenFailed extends Error {
  constructor(readonly operand: string, readonly code: string) {
    super(`failed to open ${quoteaf(operand)}: ${strerror(code)}`);
  }
}

/** The VG and LV an operand names, if it is "/dev/VG/LV", "VG/LV" or "/dev/mapper/VG-LV" of a tsvm VG. */
function lvOperand(ctx: Context, arg: string): { vg: VolumeGroup; lv: LogicalVolume | undefined } | null {
  let vgName: string;
  let lvName: string;
  const mapper = /^\/dev\/mapper\/((?:[^-]|--)+)-(.+)$/.exec(arg);
  const plain = /^(?:\/dev\/)?([^/]+)\/([^/]+)$/.exec(arg);
  if (mapper) {
    vgName = mapper[1]!.replace(/--/g, '-');
    lvName = mapper[2]!.replace(/--/g, '-');
  } else if (plain) {
    vgName = plain[1]!;
    lvName = plain[2]!;
  } else {
    return null;
  }
  const loaded = ctx.store.loadVg(vgName);
  if (!loaded) return null;
  return { vg: loaded.vg, lv: findLv(loaded.vg, lvName) };
}

async function openLvOperand(ctx: Context, pool: DevicePool, arg: string, writable: boolean): Promise<LvDevice | null> {
  const found = lvOperand(ctx, arg);
  if (!found) return null;
  if (!found.lv) throw new OpenFailed(arg, 'ENOENT');
  try {
    return await openLvAsync({ devices: pool, systemDir: ctx.systemDir }, found.vg, found.lv, { writable });
  } catch (e) {
    // An image that cannot be opened is an I/O error on the LV, as a partial LV's error target gives.
    throw new OpenFailed(arg, e instanceof DeviceIoError ? 'EIO' : errnoOf(e) || 'EIO');
  }
}

/** The kernel's own character devices, never lab disks. */
const PSEUDO_DEVICES = /^\/dev\/(zero|null|full|u?random|stdin|stdout|stderr|tty|fd\/.*)$/;

/**
 * A file operand's path: "/dev/NAME" is $TSVM_DEV_DIR/NAME when that is set, as for every other
 * tsvm command (so `dd of=/dev/sdb` in a lab writes the lab's image file, never the host's disk);
 * /dev/zero, /dev/null and the like stay what they are.
 */
function filePath(ctx: Context, arg: string): string {
  return arg.startsWith('/dev/') && !PSEUDO_DEVICES.test(arg) ? ctx.device(arg).path : arg;
}

function openFile(arg: string, flags: number, path = arg): number {
  try {
    return openSync(path, flags, 0o666);
  } catch (e) {
    throw new OpenFailed(arg, errnoOf(e) || 'EIO');
  }
}

async function openInput(ctx: Context, pool: DevicePool, o: DdOperands): Promise<DdSource> {
  if (o.input === undefined) return new FdEndpoint('standard input', ctx.stdinFd, false);
  const lv = await openLvOperand(ctx, pool, o.input, false);
  if (lv) return new LvSource(o.input, lv);
  return new FdEndpoint(o.input, openFile(o.input, constants.O_RDONLY, filePath(ctx, o.input)), true);
}

async function openOutput(ctx: Context, pool: DevicePool, o: DdOperands): Promise<DdSink> {
  const syncEach = o.oflag.has('sync') || o.oflag.has('dsync');
  if (o.output === undefined) return new FdEndpoint('standard output', 1, false, syncEach);
  const lv = await openLvOperand(ctx, pool, o.output, true);
  if (lv) return new LvSink(o.output, lv, syncEach);
  const seekBytes = o.oflag.has('seek_bytes') ? o.seek : o.seek * o.obs;
  const trunc = !o.conv.has('notrunc');
  let flags = constants.O_WRONLY;
  if (!o.conv.has('nocreat')) flags |= constants.O_CREAT;
  if (o.conv.has('excl')) flags |= constants.O_EXCL;
  if (o.oflag.has('append')) flags |= constants.O_APPEND;
  if (trunc && seekBytes === 0) flags |= constants.O_TRUNC;
  const fd = openFile(o.output, flags, filePath(ctx, o.output));
  const sink = new FdEndpoint(o.output, fd, true, syncEach);
  if (trunc && seekBytes > 0 && sink.seekable) {
    try {
      ftruncateSync(fd, seekBytes);
    } catch {
      // dd ignores a failed truncate of a device node; only regular files are truncated.
    }
  }
  return sink;
}

async function run(ctx: Context, args: Args): Promise<number> {
  const err = (text: string) => ctx.out.rawErr(text);
  let o: DdOperands;
  try {
    o = parseOperands(args.positionals, ctx.env);
  } catch (e) {
    if (!(e instanceof DdUsageError)) throw e;
    err(`dd: ${e.message}\n${e.tryHelp ? "Try 'tsvm dd --help' for more information.\n" : ''}`);
    return 1;
  }
  const pool = new DevicePool(ctx.systemDir);
  let src: DdSource | undefined;
  let dst: DdSink | undefined;
  try {
    src = await openInput(ctx, pool, o);
    dst = await openOutput(ctx, pool, o);
    return ddCopy(o, src, dst, { err });
  } catch (e) {
    if (!(e instanceof OpenFailed)) throw e;
    err(`dd: ${e.message}\n`);
    return 1;
  } finally {
    src?.close();
    dst?.close();
    pool.closeAll();
  }
}

export const spec: CommandSpec = {
  name: 'dd',
  summary: 'Copy data to or from a logical volume, with GNU dd operands',
  usage: [
    'dd [OPERAND]...',
    '',
    'Copy a file, converting and formatting according to the operands, as GNU dd does. Either',
    'side may be a logical volume, named /dev/VG/LV, VG/LV or /dev/mapper/VG-LV; its data is',
    'read and written at the places its segments map to on the PV image files.',
    '',
    '  bs=BYTES        read and write up to BYTES bytes at a time (default: 512);',
    '                  overrides ibs and obs',
    '  conv=CONVS      convert the file as per the comma separated symbol list',
    '  count=N         copy only N input blocks',
    '  ibs=BYTES       read up to BYTES bytes at a time (default: 512)',
    '  if=FILE         read from FILE or LV instead of stdin',
    '  iflag=FLAGS     read as per the comma separated symbol list',
    '  obs=BYTES       write BYTES bytes at a time (default: 512)',
    '  of=FILE         write to FILE or LV instead of stdout',
    '  oflag=FLAGS     write as per the comma separated symbol list',
    '  seek=N          (or oseek=N) skip N obs-sized output blocks',
    '  skip=N          (or iseek=N) skip N ibs-sized input blocks',
    '  status=LEVEL    none: only errors; noxfer: no final transfer line;',
    '                  progress: transfer statistics once a second',
    '',
    'N and BYTES may be followed by: c=1, w=2, b=512, kB=1000, K=1024, MB=1000*1000,',
    'M=1024*1024, GB, G and so on for T, P, E, Z, Y, R, Q; KiB=K, MiB=M, ...; and NxM multiplies.',
    '',
    'CONVS: notrunc, fsync, fdatasync, sparse (seek over NUL output blocks), noerror (go on',
    'after read errors), sync (pad input blocks with NULs), excl, nocreat.',
    'Input FLAGS: fullblock, count_bytes, skip_bytes; output FLAGS: seek_bytes, sync, dsync,',
    'append. direct, nonblock, noatime, nocache and the other GNU flags are accepted and ignored.',
    '',
    'An LV that is not active cannot be opened: "dd: failed to open \'/dev/vg/lv\': No such device',
    'or address" (activate it with lvchange -ay). A read-only LV cannot be opened for writing',
    '("Read-only file system"). Writing past the end of an LV fails like a block device: "dd: error',
    'writing \'/dev/vg/lv\': No space left on device" after the part that fits. An LV whose PV image',
    'cannot be opened, or an injected fault (tsvm fault), gives "Input/output error".',
    '',
    'Exit status: 0 on success, 1 on any error (as GNU dd).',
  ],
  options: [],
  run,
};
