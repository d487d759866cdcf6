// Allocation policies in LVM2's order (lib/metadata/metadata-exported.h alloc_policy_t) and
// 'inherit' resolution (allocate_extents: alloc >= ALLOC_INHERIT => vg->alloc).
import type { AllocPolicy, VolumeGroup } from '../model/types.js';

export type ConcretePolicy = Exclude<AllocPolicy, 'inherit'>;

/** Numeric rank: _allocate() tries every rank from contiguous up to the requested one. */
export const Rank = { Contiguous: 1, Cling: 2, ClingByTags: 3, Normal: 4, Anywhere: 5 } as const;
export type Rank = (typeof Rank)[keyof typeof Rank];

const RANKS: Record<ConcretePolicy, Rank> = {
  contiguous: Rank.Contiguous,
  cling: Rank.Cling,
  cling_by_tags: Rank.ClingByTags,
  normal: Rank.Normal,
  anywhere: Rank.Anywhere,
};

export function resolvePolicy(lvPolicy: AllocPolicy, vg: VolumeGroup): ConcretePolicy {
  return lvPolicy === 'inherit' ? vg.alloc : lvPolicy;
}

export function policyRank(p: ConcretePolicy): Rank {
  return RANKS[p];
}
