// The options each command parses, like LVM2's getopt set (tools/lvmcmdline.c
// _set_valid_args_for_command_name): every option any variant of the command accepts, from the
// table generated out of LVM2's args.h and command-lines.in (lvm2-option-table.ts), plus the
// synonyms LVM2 adds and the per-command value types of tools/command.c
// configure_command_option_values(). tsvm's own commands (fault) define theirs here.
import { LVM2_ARGS, LVM2_COMMAND_ARGS, type Lvm2Arg } from './lvm2-option-table.js';

export interface OptionDef {
  /** LVM2's arg id (args.h foo_ARG without _ARG). */
  id: string;
  long: string;
  short?: string;
  /** vals.h value type without _VAL; 'none' for a flag. */
  type: string;
  /** -vv, -ff: may be repeated. */
  countable?: boolean;
  /** --addtag a --addtag b: each occurrence kept. */
  groupable?: boolean;
}

function def(a: Lvm2Arg): OptionDef {
  return {
    id: a.id, long: a.long, short: a.short || undefined, type: a.val,
    countable: a.flags.includes('countable'), groupable: a.flags.includes('groupable'),
  };
}

const BY_ID = new Map(LVM2_ARGS.map((a) => [a.id, def(a)]));

/** tsvm fault (fault injection, like LVM2's test-suite error_dev/delay_dev). */
const TSVM_COMMAND_OPTIONS: Record<string, OptionDef[]> = {
  fault: [
    { id: 'read', long: 'read', type: 'none' },
    { id: 'write', long: 'write', type: 'none' },
    { id: 'error', long: 'error', type: 'none' },
    { id: 'delay', long: 'delay', type: 'number' },
    { id: 'zero', long: 'zero', type: 'none' },
    { id: 'offset', long: 'offset', type: 'string' },
    { id: 'length', long: 'length', type: 'string' },
    { id: 'after', long: 'after', type: 'number' },
  ],
  dd: [],
  nbd: [{ id: 'readonly', long: 'readonly', type: 'none' }],
  replica: [
    { id: 'target', long: 'target', type: 'string', groupable: true },
    { id: 'type', long: 'type', type: 'string' },
    { id: 'size', long: 'size', short: 'L', type: 'sizemb' },
    { id: 'name', long: 'name', short: 'n', type: 'string' },
    { id: 'nosync', long: 'nosync', type: 'none' },
    { id: 'reportformat', long: 'reportformat', type: 'reportformat' },
    { id: 'interval', long: 'interval', short: 'i', type: 'number' },
    { id: 'count', long: 'count', type: 'number' },
    { id: 'rpo', long: 'rpo', type: 'number' },
    { id: 'rpobytes', long: 'rpobytes', type: 'sizemb' },
    { id: 'rpopolicy', long: 'rpopolicy', type: 'string' },
    { id: 'force', long: 'force', short: 'f', type: 'none', countable: true },
  ],
  lsblk: [],
};

/** Value types LVM2 sets per command before parsing (command.c configure_command_option_values). */
const VALUE_TYPE_BY_COMMAND: Record<string, Record<string, string>> = {
  lvresize: { size: 'ssizemb', extents: 'sextents', poolmetadatasize: 'psizemb' },
  lvextend: { size: 'psizemb', extents: 'pextents', poolmetadatasize: 'psizemb' },
  lvreduce: { size: 'nsizemb', extents: 'nextents' },
  lvconvert: { mirrors: 'snumber' },
  lvcreate: { size: 'psizemb', extents: 'pextents', poolmetadatasize: 'psizemb', mirrors: 'pnumber' },
};

/** _opt_standard_to_synonym(): the other name LVM2 also accepts for an option. */
function synonymOf(cmd: string, id: string): string | undefined {
  const plain: Record<string, string> = {
    mirrorlog: 'corelog', resizeable: 'resizable', allocatable: 'allocation', activate: 'available',
    rebuild: 'raidrebuild', syncaction: 'raidsyncaction', writemostly: 'raidwritemostly',
    minrecoveryrate: 'raidminrecoveryrate', maxrecoveryrate: 'raidmaxrecoveryrate', writebehind: 'raidwritebehind',
    virtualsize: 'virtualoriginsize', splitcache: 'split',
  };
  if (id in plain) return plain[id];
  if (id === 'pvmetadatacopies' && cmd.startsWith('pv')) return 'metadatacopies';
  if (id === 'vgmetadatacopies' && cmd.startsWith('vg')) return 'metadatacopies';
  return undefined;
}

/** _opt_synonym_to_standard(): the option a synonym stands for in the command definitions. */
export function standardOptionId(cmd: string, id: string): string {
  const std: Record<string, string> = {
    corelog: 'mirrorlog', resizable: 'resizeable', allocation: 'allocatable', available: 'activate', raidrebuild: 'rebuild',
    raidsyncaction: 'syncaction', raidwritemostly: 'writemostly', raidminrecoveryrate: 'minrecoveryrate',
    raidmaxrecoveryrate: 'maxrecoveryrate', raidwritebehind: 'writebehind', virtualoriginsize: 'virtualsize', split: 'splitcache',
  };
  if (id in std) return std[id]!;
  if (id === 'metadatacopies' && cmd.startsWith('pv')) return 'pvmetadatacopies';
  if (id === 'metadatacopies' && cmd.startsWith('vg')) return 'vgmetadatacopies';
  return id;
}

/** args.h's long name of an option id (arg_long_option_name). */
export function longOptionName(id: string): string {
  return BY_ID.get(id)?.long ?? id;
}

/** Is `cmd` one of LVM2's commands (as opposed to tsvm's own)? */
export function isLvm2Command(cmd: string): boolean {
  return cmd in LVM2_COMMAND_ARGS;
}

/** The options `cmd` parses, with the value types LVM2 gives them in that command. */
export function commandOptions(cmd: string): OptionDef[] {
  const own = TSVM_COMMAND_OPTIONS[cmd];
  if (own) return [...commonOptions(), ...own];
  const ids: string[] = [];
  for (const id of LVM2_COMMAND_ARGS[cmd] ?? []) {
    ids.push(id);
    if (id === 'size') ids.push('extents');
    const syn = synonymOf(cmd, id);
    if (syn) ids.push(syn);
    if (id === 'allocatable' || id === 'resizeable') ids.push('allocation');
  }
  const types = VALUE_TYPE_BY_COMMAND[cmd] ?? {};
  return [...new Set(ids)].map((id) => {
    const d = BY_ID.get(id)!;
    return types[id] ? { ...d, type: types[id]! } : d;
  });
}

/** OO_ALL: the options every LVM command accepts. */
export function commonOptions(): OptionDef[] {
  return COMMON_OPTIONS.map((long) => BY_ID.get(long)!);
}

/** Long names of the options every LVM command accepts (command-lines.in OO_ALL). */
export const COMMON_OPTIONS = [
  'commandprofile', 'config', 'debug', 'driverloaded', 'help', 'nolocking', 'lockopt', 'longhelp', 'profile', 'quiet',
  'verbose', 'version', 'yes', 'test', 'devicesfile', 'devices', 'nohints', 'journal',
];

/** The report options tsvm's report engine implements (command-lines.in OO_REPORT, less --configreport, --logonly). */
export const REPORT_OPTIONS = [
  'options', 'sort', 'select', 'noheadings', 'nosuffix', 'units', 'separator', 'aligned', 'nameprefixes', 'unquoted',
  'rows', 'reportformat', 'all', 'binary', 'unbuffered', 'ignorelockingfailure', 'readonly', 'partial', 'foreign',
  'shared',
];
