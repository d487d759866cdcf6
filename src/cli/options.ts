// Every option once, like LVM2's tools/args.h: long name, default short letter, value type.
// Commands list the long names they accept; the short letters come from here, except where
// LVM2 gives a letter a different meaning in a command (shortOverrides in the command spec).

export type ValueType =
  | 'none' | 'string' | 'number' | 'snumber' | 'size_mb' | 'ssize_mb' | 'size_kb' | 'extents' | 'sextents'
  | 'yn' | 'activation' | 'alloc' | 'permission' | 'units' | 'mirrorlog' | 'segtype' | 'reportformat' | 'tag' | 'readahead';

export interface OptionDef {
  long: string;
  short?: string;
  type: ValueType;
}

const defs: OptionDef[] = [
  // common to every command (tools/command-lines.in OO_ALL)
  { long: 'help', short: 'h', type: 'none' },
  { long: 'verbose', short: 'v', type: 'none' },
  { long: 'quiet', short: 'q', type: 'none' },
  { long: 'yes', short: 'y', type: 'none' },
  { long: 'test', short: 't', type: 'none' },
  { long: 'debug', short: 'd', type: 'none' },
  { long: 'config', type: 'string' },
  { long: 'commandprofile', type: 'string' },
  { long: 'profile', type: 'string' },
  { long: 'driverloaded', type: 'yn' },
  { long: 'nolocking', type: 'none' },
  { long: 'lockopt', type: 'string' },
  { long: 'longhelp', type: 'none' },
  { long: 'version', type: 'none' },
  { long: 'devices', type: 'string' },
  { long: 'devicesfile', type: 'string' },
  { long: 'nohints', type: 'none' },
  { long: 'journal', type: 'string' },
  // reporting (tools/command-lines.in OO_REPORT)
  { long: 'options', short: 'o', type: 'string' },
  { long: 'sort', short: 'O', type: 'string' },
  { long: 'select', short: 'S', type: 'string' },
  { long: 'noheadings', type: 'none' },
  { long: 'nosuffix', type: 'none' },
  { long: 'units', type: 'string' }, // validated by the report engine (LVM2 accepts '4m' style units)
  { long: 'separator', type: 'string' },
  { long: 'aligned', type: 'none' },
  { long: 'nameprefixes', type: 'none' },
  { long: 'unquoted', type: 'none' },
  { long: 'rows', type: 'none' },
  { long: 'reportformat', type: 'reportformat' },
  { long: 'all', short: 'a', type: 'none' },
  { long: 'segments', type: 'none' },
  { long: 'binary', type: 'none' },
  { long: 'unbuffered', type: 'none' },
  { long: 'ignorelockingfailure', type: 'none' },
  { long: 'readonly', type: 'none' },
  { long: 'partial', short: 'P', type: 'none' },
  { long: 'history', short: 'H', type: 'none' },
  { long: 'foreign', type: 'none' },
  { long: 'shared', type: 'none' },
  // display commands
  { long: 'maps', short: 'm', type: 'none' },
  { long: 'colon', short: 'c', type: 'none' },
  { long: 'short', short: 's', type: 'none' },
  { long: 'columns', short: 'C', type: 'none' },
  // PV commands
  { long: 'force', short: 'f', type: 'none' },
  { long: 'uuid', short: 'u', type: 'string' },
  { long: 'zero', short: 'Z', type: 'yn' },
  { long: 'setphysicalvolumesize', type: 'size_mb' },
  { long: 'allocatable', short: 'x', type: 'yn' },
  { long: 'addtag', type: 'tag' },
  { long: 'deltag', type: 'tag' },
  { long: 'novolumegroup', short: 'n', type: 'none' },
  { long: 'exported', short: 'e', type: 'none' },
  { long: 'cache', type: 'none' },
  { long: 'dataalignment', type: 'size_kb' },
  { long: 'metadatasize', type: 'size_mb' },
  { long: 'pvmetadatacopies', type: 'number' },
  { long: 'metadatatype', short: 'M', type: 'string' },
  // VG commands
  { long: 'physicalextentsize', short: 's', type: 'size_mb' },
  { long: 'maxlogicalvolumes', short: 'l', type: 'number' },
  { long: 'maxphysicalvolumes', short: 'p', type: 'number' },
  { long: 'alloc', type: 'alloc' },
  { long: 'activate', short: 'a', type: 'activation' },
  { long: 'resizeable', short: 'x', type: 'yn' },
  { long: 'removemissing', type: 'none' },
  { long: 'restoremissing', type: 'none' },
  { long: 'mirrorsonly', type: 'none' },
  { long: 'autobackup', short: 'A', type: 'yn' },
  { long: 'vgmetadatacopies', type: 'string' },
  { long: 'poolmetadataspare', type: 'yn' },
  { long: 'list', short: 'l', type: 'none' },
  { long: 'file', type: 'string' },
  { long: 'updatemetadata', type: 'none' },
  { long: 'labelsector', type: 'number' },
  // LV commands
  { long: 'size', short: 'L', type: 'ssize_mb' },
  { long: 'extents', short: 'l', type: 'sextents' },
  { long: 'name', short: 'n', type: 'string' },
  { long: 'stripes', short: 'i', type: 'number' },
  { long: 'stripesize', short: 'I', type: 'size_kb' },
  { long: 'contiguous', short: 'C', type: 'yn' },
  { long: 'permission', short: 'p', type: 'permission' },
  { long: 'readahead', short: 'r', type: 'readahead' },
  { long: 'wipesignatures', short: 'W', type: 'yn' },
  { long: 'type', type: 'segtype' },
  // accepted so that LVM2's answers for unsupported LV types can be given (lvcreate refuses them)
  { long: 'snapshot', short: 's', type: 'none' },
  { long: 'virtualsize', short: 'V', type: 'size_mb' },
  { long: 'thin', short: 'T', type: 'none' },
  { long: 'thinpool', type: 'string' },
  { long: 'cachepool', type: 'string' },
  { long: 'chunksize', short: 'c', type: 'size_kb' },
  { long: 'poolmetadatasize', type: 'size_mb' },
  { long: 'vdo', type: 'none' },
  { long: 'mirrors', short: 'm', type: 'snumber' },
  { long: 'mirrorlog', type: 'mirrorlog' },
  { long: 'corelog', type: 'none' },
  { long: 'regionsize', short: 'R', type: 'size_mb' },
  { long: 'nosync', type: 'none' },
  { long: 'resizefs', short: 'r', type: 'none' },
  { long: 'nofsck', short: 'n', type: 'none' },
  { long: 'splitmirrors', type: 'number' },
  { long: 'trackchanges', type: 'none' },
  { long: 'repair', type: 'none' },
  { long: 'usepolicies', type: 'none' },
  { long: 'background', short: 'b', type: 'none' },
  { long: 'interval', short: 'i', type: 'number' },
  { long: 'resync', type: 'none' },
  { long: 'monitor', type: 'yn' },
  { long: 'ignoremonitoring', type: 'none' },
  { long: 'noudevsync', type: 'none' },
  // pvmove
  { long: 'abort', type: 'none' },
  { long: 'atomic', type: 'none' },
  { long: 'setactivationskip', short: 'k', type: 'yn' },
  { long: 'ignoreactivationskip', short: 'K', type: 'none' },
  // tsvm fault (fault injection, like LVM2's test-suite error_dev/delay_dev)
  { long: 'read', type: 'none' },
  { long: 'write', type: 'none' },
  { long: 'error', type: 'none' },
  { long: 'delay', type: 'number' },
  { long: 'offset', type: 'string' },
  { long: 'length', type: 'string' },
  { long: 'after', type: 'number' },
];

export const OPTIONS: ReadonlyMap<string, OptionDef> = new Map(defs.map((d) => [d.long, d]));

/** Options every LVM command accepts. */
export const COMMON_OPTIONS = [
  'help', 'verbose', 'quiet', 'yes', 'test', 'debug', 'config', 'commandprofile', 'profile', 'driverloaded',
  'nolocking', 'lockopt', 'longhelp', 'version', 'devices', 'devicesfile', 'nohints', 'journal',
];

/** Options of the report commands (lvs, pvs, vgs). */
export const REPORT_OPTIONS = [
  'options', 'sort', 'select', 'noheadings', 'nosuffix', 'units', 'separator', 'aligned', 'nameprefixes', 'unquoted',
  'rows', 'reportformat', 'all', 'binary', 'unbuffered', 'ignorelockingfailure', 'readonly', 'partial', 'foreign',
  'shared',
];
