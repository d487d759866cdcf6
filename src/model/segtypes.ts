// The segment types LVM2 2.03.16 registers (lib/commands/toolcontext.c's segtype list, as `lvm
// segtypes` prints them): the names --type accepts on every command, whatever tsvm implements.
export const LVM2_SEGTYPES: readonly string[] = [
  'linear', 'striped', 'zero', 'error', 'snapshot', 'mirror', 'raid0', 'raid0_meta', 'raid1', 'raid10', 'raid10_near',
  'raid4', 'raid5', 'raid5_n', 'raid5_la', 'raid5_ls', 'raid5_ra', 'raid5_rs', 'raid6', 'raid6_n_6', 'raid6_nc',
  'raid6_nr', 'raid6_zr', 'raid6_ls_6', 'raid6_rs_6', 'raid6_la_6', 'raid6_ra_6', 'thin-pool', 'thin', 'cache-pool',
  'cache', 'vdo', 'vdo-pool', 'writecache', 'integrity',
];

export function isLvm2Segtype(name: string): boolean {
  return LVM2_SEGTYPES.includes(name);
}

/** The segment types tsvm implements (`lvm segtypes`), in LVM2's order. */
export const TSVM_SEGTYPES: readonly string[] = ['linear', 'striped', 'mirror', 'raid1'];
