// lvcreate's command-line stage (LVM2 tools/lvcreate.c _lvcreate_params and the helpers it calls):
// segment type, names, size, stripes, mirror options, allocation, in LVM2's order. Everything
// here fails with exit 3 before any VG is read.
import type { Args, ExtentsArg } from '../cli/args.js';
import type { Context } from '../cli/context.js';
import { CommandFailed, InvalidCommandLine } from '../cli/errors.js';
import { noMatchingSyntaxLines } from '../cli/help.js';
import { vgNameArg } from '../cli/toollib.js';
import type { AllocPolicy } from '../model/types.js';
import { lvNameRestriction, nameError } from '../model/names.js';
import { DEFAULT_MIRROR_MAX_IMAGES, DEFAULT_RAID1_MAX_IMAGES, DEFAULT_STRIPE_SIZE } from '../model/defaults.js';
import { usageError } from './common.js';
import { displaySize } from '../model/units.js';
import { isLvm2Segtype } from '../model/segtypes.js';

const MAX_STRIPES = 128;
const STRIPE_SIZE_MIN = 8;
const STRIPE_SIZE_LIMIT_SECTORS = 2 * ((0xffffffff >>> 2) + 1);

export interface CreateParams {
  vgName: string;
  lvName?: string;
  /** 'striped' covers linear. */
  segtype: 'striped' | 'mirror' | 'raid' | 'other';
  segtypeName: string;
  size?: number;
  extents?: ExtentsArg;
  stripes: number;
  stripeSize: number;
  mirrors: number;
  mirrorLog: 'disk' | 'core' | 'mirrored';
  regionSize?: number;
  nosync: boolean;
  alloc: AllocPolicy;
  writable: boolean;
  activate: boolean;
  /** -Z as given (undefined = default y). */
  zeroArg?: boolean;
  readAhead: 'auto' | number;
  tags: string[];
  activationSkip?: boolean;
  /** --monitor y|n for the new LV's activation, unless --ignoremonitoring. */
  monitor?: string;
  pvArgs: string[];
  /** raid: --minrecoveryrate / --maxrecoveryrate in kiB/sec/disk. */
  minRecoveryRate?: number;
  maxRecoveryRate?: number;
}

function segtypeOf(ctx: Context, args: Args): { segtype: CreateParams['segtype']; name: string; onlyLinear: boolean } {
  const t = args.str('type');
  if (t !== undefined) {
    if (!isLvm2Segtype(t)) {
      throw new InvalidCommandLine(`WARNING: Unrecognised segment type ${t}`, `Invalid argument for --type: ${t}`,
        'Error during parsing of command line.');
    }
    if (t === 'linear') return { segtype: 'striped', name: 'striped', onlyLinear: true };
    if (t === 'striped' || t === 'mirror') return { segtype: t, name: t, onlyLinear: false };
    if (t.startsWith('raid')) return { segtype: 'raid', name: t, onlyLinear: false };
    return { segtype: 'other', name: t, onlyLinear: false };
  }
  if (args.has('snapshot')) return { segtype: 'other', name: 'snapshot', onlyLinear: false };
  if (args.has('thin') || args.has('thinpool') || args.has('virtualsize')) return { segtype: 'other', name: 'thin', onlyLinear: false };
  if (args.has('cache') || args.has('cachepool')) return { segtype: 'other', name: 'cache', onlyLinear: false };
  if ((args.int('mirrors') ?? 0) > 0) {
    // global/mirror_segtype_default (raid1), or with stripes global/raid10_segtype_default (raid10)
    const name = (args.int('stripes') ?? 1) > 1 ? ctx.config.str('global/raid10_segtype_default', 'raid10')
      : ctx.config.str('global/mirror_segtype_default', 'raid1');
    return name === 'mirror' ? { segtype: 'mirror', name, onlyLinear: false } : { segtype: 'raid', name, onlyLinear: false };
  }
  return { segtype: 'striped', name: 'striped', onlyLinear: false };
}

/** The VG and LV names from -n and the positional argument (_lvcreate_name_params). */
function names(ctx: Context, args: Args, p: Pick<CreateParams, 'vgName' | 'lvName'>): string[] {
  let vgName: string | undefined;
  let lvName = args.str('name');
  if (lvName !== undefined) {
    let lvPart = lvName;
    if (lvName.includes('/')) {
      const s = vgNameArg(lvName.startsWith('/dev/') ? lvName : lvName);
      const idx = s.indexOf('/');
      vgName = s.slice(0, idx);
      lvPart = s.slice(idx + 1);
    }
    if (nameError(lvPart)) throw usageError(ctx.cmd, `Logical volume name "${lvPart}" is invalid.`);
    const r = lvNameRestriction(lvPart);
    if (r) throw usageError(ctx.cmd, r);
    lvName = lvPart;
  }
  const pos = [...args.positionals];
  if (!pos.length) {
    vgName ??= ctx.env.LVM_VG_NAME;
    if (!vgName) throw usageError(ctx.cmd, 'Please provide a volume group name');
  } else {
    const v = pos[0]!.startsWith('/dev/') ? pos[0]!.slice(5) : pos[0]!;
    if (v.includes('/')) throw usageError(ctx.cmd, 'Volume group name expected (no slash)');
    if (vgName && vgName !== v) throw usageError(ctx.cmd, `Inconsistent volume group names given: "${vgName}" and "${v}"`);
    vgName = v;
    pos.shift();
  }
  if (nameError(vgName)) throw usageError(ctx.cmd, `Volume group name ${vgName} has invalid characters`);
  p.vgName = vgName;
  p.lvName = lvName;
  return pos;
}

/** LVM2's command matcher, reduced to the cases lvcreate's linear/striped/mirror variants meet. */
function checkSyntax(ctx: Context, args: Args): void {
  const sized = args.has('size') || args.has('extents');
  if (!sized && !args.has('snapshot') && !args.has('virtualsize') && !args.has('thinpool')) {
    throw new InvalidCommandLine(...noMatchingSyntaxLines('lvcreate'));
  }
  const name = args.str('name');
  if (sized && !args.positionals.length && !(name && name.includes('/')) && !ctx.env.LVM_VG_NAME) {
    ctx.out.print('lvcreate --type error -L|--size Size[m|UNIT] VG');
    ctx.out.print('Create an LV that returns errors when used.');
    ctx.out.raw('\n');
    throw new InvalidCommandLine(...noMatchingSyntaxLines('lvcreate'), 'Nearest similar command has syntax:');
  }
}

function readSize(ctx: Context, args: Args, p: CreateParams): void {
  const zero: Array<[string, boolean]> = [
    ['extents', args.extents('extents')?.value === 0],
    ['regionsize', args.size('regionsize')?.sectors === 0],
    ['size', args.size('size')?.sectors === 0],
    ['stripes', args.has('stripes') && args.int('stripes') === 0],
    ['stripesize', args.size('stripesize')?.sectors === 0],
  ];
  const z = zero.find(([, isZero]) => isZero);
  if (z) throw usageError(ctx.cmd, `--${z[0]} may not be zero.`);
  if (args.has('extents')) {
    if (args.has('size')) throw usageError(ctx.cmd, 'Please specify either size or extents (not both).');
    p.extents = args.extents('extents');
  } else if (args.has('size')) {
    p.size = args.size('size')!.sectors;
  } else {
    throw usageError(ctx.cmd, 'Please specify either size or extents.');
  }
}

/** get_stripe_params() with _validate_stripe_params(). */
function readStripes(ctx: Context, args: Args, p: CreateParams): void {
  p.stripes = args.has('stripes') ? args.int('stripes')! : 1;
  p.stripeSize = args.size('stripesize')?.sectors ?? 0;
  if (p.stripes < 1 || p.stripes > MAX_STRIPES) {
    throw usageError(ctx.cmd, `Number of stripes (${p.stripes}) must be between 1 and ${MAX_STRIPES}.`);
  }
  const say = (l: string) => {
    if (args.count('quiet') < 2) ctx.out.print(l);
  };
  // segtype_supports_stripe_size(): striped, mirror (striped legs) and striped raid do; raid1 does not
  if (p.segtype === 'raid' && p.segtypeName === 'raid1') {
    if (p.stripeSize) {
      say(`Ignoring stripesize argument for ${p.segtypeName} devices.`);
      p.stripeSize = 0;
    }
  } else if (p.stripes === 1) {
    if (p.stripeSize) {
      say('Ignoring stripesize argument with single stripe.');
      p.stripeSize = 0;
    }
  } else {
    if (!p.stripeSize) {
      p.stripeSize = DEFAULT_STRIPE_SIZE;
      say(`Using default stripesize ${displaySize(p.stripeSize)}.`);
    }
    if (p.stripeSize > STRIPE_SIZE_LIMIT_SECTORS) {
      throw usageError(ctx.cmd, `Stripe size cannot be larger than ${displaySize(STRIPE_SIZE_LIMIT_SECTORS / 2)}.`);
    }
    if (p.stripeSize < STRIPE_SIZE_MIN || (p.stripeSize & (p.stripeSize - 1)) !== 0) {
      throw usageError(ctx.cmd, `Invalid stripe size ${displaySize(p.stripeSize)}.`);
    }
  }
}

function readMirror(ctx: Context, args: Args, p: CreateParams): void {
  const mirrored = p.segtype === 'mirror' || p.segtypeName === 'raid1' || p.segtypeName === 'raid10';
  if (args.has('mirrors')) {
    p.mirrors = args.int('mirrors')! + 1;
    if (p.mirrors === 1) {
      if (mirrored) throw usageError(ctx.cmd, `--mirrors must be at least 1 with segment type ${p.segtypeName}.`);
      if (args.count('quiet') < 2) ctx.out.print('Redundant mirrors argument: default is 0');
    }
  } else {
    p.mirrors = mirrored ? 2 : 1;
  }
  if (p.segtype === 'mirror' && p.mirrors > DEFAULT_MIRROR_MAX_IMAGES) {
    throw usageError(ctx.cmd, `Only up to ${DEFAULT_MIRROR_MAX_IMAGES} mirrors in mirror supported currently.`);
  }
  if (p.segtypeName === 'raid1' && p.mirrors > DEFAULT_RAID1_MAX_IMAGES) {
    throw usageError(ctx.cmd, `Only up to ${DEFAULT_RAID1_MAX_IMAGES} mirrors in raid1 supported currently.`);
  }
  p.nosync = args.has('nosync');
  p.regionSize = args.size('regionsize')?.sectors;
  if (p.segtype === 'raid') {
    // _read_raid_params(): rates are recorded in kiB/sec/disk
    p.minRecoveryRate = Math.floor((args.size('minrecoveryrate')?.sectors ?? 0) / 2);
    p.maxRecoveryRate = Math.floor((args.size('maxrecoveryrate')?.sectors ?? 0) / 2);
    if (p.minRecoveryRate > p.maxRecoveryRate) throw usageError(ctx.cmd, 'Minimum recovery rate cannot be higher than maximum.');
  }
  if (p.segtype === 'mirror') {
    const corelog = args.has('corelog');
    const log = args.str('mirrorlog');
    if (corelog && log !== undefined && log !== 'core') throw usageError(ctx.cmd, 'Please use only one of --corelog or --mirrorlog.');
    p.mirrorLog = corelog ? 'core' : ((log as CreateParams['mirrorLog'] | undefined) ?? 'disk');
  }
}

function optionOutside(args: Args, allowed: string[], what: string, cmd: string): void {
  for (const o of args.present()) {
    if (!allowed.includes(o)) throw usageError(cmd, `Option --${o} ${what}.`);
  }
}

const COMMON_FOR_ALL = [
  'help', 'verbose', 'quiet', 'yes', 'test', 'debug', 'config', 'commandprofile', 'profile', 'driverloaded', 'nolocking',
  'lockopt', 'longhelp', 'version', 'devices', 'devicesfile', 'nohints', 'journal',
  'activate', 'addtag', 'alloc', 'autobackup', 'contiguous', 'ignoreactivationskip', 'ignoremonitoring', 'monitor',
  'mirrors', 'name', 'noudevsync', 'permission', 'readahead', 'setactivationskip', 'type',
  'extents', 'size', 'stripes', 'stripesize',
];

/** LVM2 RAID_ARGS (tools/lvcreate.c). */
const RAID_ARGS = ['maxrecoveryrate', 'minrecoveryrate', 'raidintegrity', 'raidintegritymode', 'raidintegrityblocksize'];

/** Everything lvcreate checks before it reads the VG. */
export function readCreateParams(ctx: Context, args: Args): CreateParams {
  const st = segtypeOf(ctx, args);
  checkSyntax(ctx, args);
  const p: CreateParams = {
    vgName: '', segtype: st.segtype, segtypeName: st.name, stripes: 1, stripeSize: 0, mirrors: 1, mirrorLog: 'disk',
    nosync: false, alloc: 'inherit', writable: args.str('permission') !== 'r', activate: true, readAhead: 'auto',
    tags: args.all('addtag'), pvArgs: [],
  };
  if (st.name === 'snapshot') {
    optionOutside(args, [...COMMON_FOR_ALL, 'snapshot', 'chunksize', 'thinpool', 'virtualsize'], 'is unsupported with snapshots', ctx.cmd);
  }
  if (st.segtype === 'mirror') {
    optionOutside(args, [...COMMON_FOR_ALL, 'corelog', 'mirrorlog', 'nosync', 'regionsize', 'wipesignatures', 'zero'],
      'is unsupported with mirrors', ctx.cmd);
  } else {
    // arg_from_list_is_set's message has no "Option" (arg_outside_list_is_set's has)
    for (const o of ['corelog', 'mirrorlog']) if (args.has(o)) throw usageError(ctx.cmd, `--${o} is supported only with mirrors.`);
  }
  if (st.segtype === 'raid') {
    optionOutside(args, [...COMMON_FOR_ALL, 'nosync', 'regionsize', 'major', 'minor', 'persistent', 'maxrecoveryrate', 'minrecoveryrate',
      'raidintegrity', 'raidintegritymode', 'raidintegrityblocksize', 'wipesignatures', 'zero'], 'is unsupported with raids', ctx.cmd);
  } else {
    for (const o of RAID_ARGS) if (args.has(o)) throw usageError(ctx.cmd, `Option --${o} is supported only with raids.`);
  }
  if (st.segtype !== 'mirror' && st.segtype !== 'raid') {
    for (const o of ['nosync', 'regionsize']) {
      if (args.has(o)) throw usageError(ctx.cmd, `--${o} is supported only with mirrors or raids.`);
    }
    if ((args.int('mirrors') ?? 0) !== 0) throw usageError(ctx.cmd, '--mirrors is supported only with mirrors or raids');
  }
  if (st.segtype === 'other') {
    throw new CommandFailed(`Logical volumes of type ${st.name} are not supported by tsvm (linear, striped and mirror are).`);
  }
  p.pvArgs = names(ctx, args, p);
  readSize(ctx, args, p);
  readStripes(ctx, args, p);
  readMirror(ctx, args, p);
  if (st.onlyLinear && p.stripes > 1) throw usageError(ctx.cmd, 'Cannot use stripes with linear type.');
  const contiguous = args.str('contiguous') === 'y';
  p.alloc = contiguous ? 'contiguous' : 'inherit';
  p.alloc = (args.str('alloc') as AllocPolicy | undefined) ?? p.alloc;
  if (contiguous && p.alloc !== 'contiguous') throw usageError(ctx.cmd, 'Conflicting contiguous and alloc arguments.');
  const act = args.str('activate');
  p.activate = act === undefined || act.endsWith('y');
  if (args.has('zero')) p.zeroArg = args.str('zero') === 'y';
  const ra = args.str('readahead');
  if (ra !== undefined) p.readAhead = ra === 'auto' ? 'auto' : ra === 'none' ? 0 : Number(ra);
  if (args.has('setactivationskip')) p.activationSkip = args.str('setactivationskip') === 'y';
  if (!args.has('ignoremonitoring')) p.monitor = args.str('monitor');
  return p;
}
