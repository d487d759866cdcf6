// AllocError and the exact LVM2 wording of allocation failures
// (lib/metadata/lv_manip.c: _sufficient_pes_free, _allocate, lv_create_single checks).
export class AllocError extends Error {
  constructor(readonly lines: string[]) {
    super(lines.join('\n'));
    this.name = 'AllocError';
  }
}

export const msg = {
  insufficientFree: (needed: number, available: number) =>
    `Insufficient free space: ${needed} extents needed, but only ${available} available`,
  insufficientSuitable: (contiguous: boolean, lvName: string, more: number) =>
    `Insufficient suitable ${contiguous ? 'contiguous ' : ''}allocatable extents for logical volume ${lvName}: ${more} more required`,
  noLogSpace: (lvName: string) => `Insufficient free space for log allocation for logical volume ${lvName}.`,
  notEnoughPvsForParallel: () => [
    'Not enough PVs with free space available for parallel allocation.',
    'Consider --alloc anywhere if desperate.',
  ],
  vgInsufficient: (vgName: string, free: number, required: number) =>
    `Volume group "${vgName}" has insufficient free space (${free} extents): ${required} required.`,
  tooManyStripes: (stripes: number, pvs: number) =>
    `Number of stripes (${stripes}) must not exceed number of physical volumes (${pvs})`,
};
