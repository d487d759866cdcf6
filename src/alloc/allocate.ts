// The allocation driver: try each policy from contiguous up to the requested one, each pass
// taking as much as it can. LVM2's _allocate(), _init_alloc_parms() and
// _find_max_parallel_space_for_one_policy() (lib/metadata/lv_manip.c).
import { Flag, has, type Handle, type Parms, type State } from './alloc-state.js';
import { AllocError, msg } from './alloc-error.js';
import { findSomeParallelSpace } from './find-space.js';
import { policyRank, Rank, resolvePolicy } from './policy.js';
import { previousLayout, previousLayoutPerArea } from './previous-layout.js';
import { buildPvMaps, mapsSize, type PvMap } from './pv-areas.js';
import type { AllocRequest, AllocResult, ParallelArea } from './request.js';

function initParms(ah: Handle, alloc: Rank, canSplit: boolean, allocated: number): Parms {
  let flags = 0;
  const isCling = alloc === Rank.Cling || alloc === Rank.ClingByTags;
  if (ah.prev && ah.areaCount === ah.prev.areaCount) {
    flags |= Flag.AreaCountMatches;
    if (alloc === Rank.Contiguous) flags |= Flag.ContiguousToLvseg | Flag.PositionalFill;
    else if (isCling) flags |= Flag.ClingToLvseg | Flag.PositionalFill;
  } else if (isCling) {
    // A cling allocation that follows a successful contiguous one must use the same PVs.
    flags |= Flag.ClingToAlloced | Flag.PositionalFill;
  }
  // Under normal, once something is allocated, prefer the PVs already used.
  if (ah.maximiseCling && alloc === Rank.Normal && allocated !== ah.newExtents) flags |= Flag.ClingToAlloced;
  if (canSplit) flags |= Flag.CanSplit;
  return { alloc, flags, extentsStillNeeded: ah.newExtents };
}

/** The PVs to avoid for the next LE, and how far that constraint reaches. */
function parallelLimit(areas: ParallelArea[] | undefined, allocated: number, max: number) {
  if (!areas) return { pvs: undefined, max };
  for (const spvs of areas) {
    const end = spvs.le + spvs.len;
    if (allocated >= end) continue;
    return { pvs: spvs.pvUuids, max: max + allocated > end ? end - allocated : max };
  }
  return { pvs: undefined, max };
}

function findMaxForOnePolicy(ah: Handle, parms: Parms, maps: PvMap[], state: State): void {
  state.parms = parms;
  do {
    const limit = parallelLimit(ah.parallelAreas, state.allocated, parms.extentsStillNeeded - state.allocated);
    const old = state.allocated;
    findSomeParallelSpace(ah, maps, state, limit.pvs, limit.max);
    if (old === state.allocated) {
      const isCling = parms.alloc === Rank.Cling || parms.alloc === Rank.ClingByTags;
      if (ah.maximiseCling && isCling && has(parms.flags, Flag.ClingToLvseg) && has(parms.flags, Flag.PositionalFill))
        parms.flags &= ~Flag.PositionalFill;
      else if (parms.alloc === Rank.Normal && has(parms.flags, Flag.ClingToAlloced)) parms.flags &= ~Flag.ClingToAlloced;
      else break;
    } else if (ah.maximiseCling && parms.alloc === Rank.Normal && !has(parms.flags, Flag.ClingToAlloced)) {
      parms.flags |= Flag.ClingToAlloced;
    }
  } while (
    parms.alloc !== Rank.Contiguous &&
    state.allocated !== parms.extentsStillNeeded &&
    has(parms.flags, Flag.CanSplit)
  );
}

function handleFor(req: AllocRequest): Handle {
  const maximiseCling = req.maximiseCling ?? true;
  const parallelAreas =
    req.parallelAreas ??
    (req.avoidPvUuids?.length ? [{ le: 0, len: Number.MAX_SAFE_INTEGER, pvUuids: req.avoidPvUuids }] : undefined);
  const prev = req.previousPerArea
    ? previousLayoutPerArea(req.previousPerArea, maximiseCling)
    : req.previous
      ? previousLayout(req.vg, req.previous, maximiseCling)
      : undefined;
  return {
    alloc: policyRank(resolvePolicy(req.policy, req.vg)),
    newExtents: req.areaCount ? req.extents : 0,
    areaCount: req.areaCount,
    logAreaCount: req.logCount,
    logLen: req.logCount ? req.logLen : 0,
    maximiseCling,
    mirrorLogsSeparate: req.mirrorLogsRequireSeparatePvs ?? false,
    parallelAreas,
    alloced: Array.from({ length: req.areaCount + req.logCount }, () => []),
    prev,
  };
}

/** Free extents the policy pass still needs (_sufficient_pes_free: one log_len, whatever the log count). */
function checkSufficient(ah: Handle, maps: PvMap[], state: State): void {
  const needed = (ah.newExtents - state.allocated) * ah.areaCount + (state.logStillNeeded ? ah.logLen : 0);
  const free = mapsSize(maps);
  if (needed > free) throw new AllocError([msg.insufficientFree(needed, free)]);
}

export function allocate(req: AllocRequest): AllocResult {
  const ah = handleFor(req);
  const result = (): AllocResult => {
    const runs = (list: Handle['alloced'][number]) => list.map((a) => ({ pvUuid: a.pv.uuid, pe: a.pe, len: a.len }));
    return {
      areas: ah.alloced.slice(0, ah.areaCount).map(runs),
      logs: ah.alloced.slice(ah.areaCount).map(runs),
    };
  };
  if (ah.newExtents === 0 && !ah.logAreaCount) return result();

  let canSplit = req.canSplit ?? true;
  if (ah.alloc === Rank.Contiguous) canSplit = false;
  const maps = buildPvMaps(req.vg, req.allowedPvs, req.freeRuns);
  if (
    maps.length &&
    maps.length < ah.areaCount + ah.logAreaCount &&
    ah.alloc !== Rank.Anywhere &&
    ah.mirrorLogsSeparate
  )
    throw new AllocError(msg.notEnoughPvsForParallel());

  const state: State = {
    allocated: 0,
    logStillNeeded: ah.logAreaCount,
    areas: [],
    numPositional: 0,
    parms: { alloc: ah.alloc, flags: 0, extentsStillNeeded: ah.newExtents },
  };
  // cling implies cling_by_tags, which is skipped without allocation/cling_tag_list.
  if (ah.alloc === Rank.Cling) ah.alloc = Rank.ClingByTags;
  for (let alloc: Rank = Rank.Contiguous; alloc <= ah.alloc; alloc = (alloc + 1) as Rank) {
    if (alloc === Rank.ClingByTags) continue;
    const old = state.allocated;
    checkSufficient(ah, maps, state);
    findMaxForOnePolicy(ah, initParms(ah, alloc, canSplit, state.allocated), maps, state);
    // If only the log is missing, carry on with later policies up to normal.
    if (state.allocated === ah.newExtents && state.logStillNeeded && ah.alloc < Rank.Normal) {
      ah.alloc = Rank.Normal;
      continue;
    }
    if ((state.allocated === ah.newExtents && !state.logStillNeeded) || (!canSplit && state.allocated !== old)) break;
  }

  if (state.allocated !== ah.newExtents)
    throw new AllocError([msg.insufficientSuitable(!canSplit, req.lvName, (ah.newExtents - state.allocated) * ah.areaCount)]);
  if (state.logStillNeeded) throw new AllocError([msg.noLogSpace(req.lvName)]);
  return result();
}
