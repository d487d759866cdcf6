// Whether a free area may be used and how much of it to reserve: LVM2's _check_pva(),
// _check_contiguous(), _check_cling(), _check_cling_to_alloced() and _calc_required_extents()
// (lib/metadata/lv_manip.c).
import { Flag, has, reserve, type Handle, type State } from './alloc-state.js';
import { Rank } from './policy.js';
import { reinsertChanged, type PvArea } from './pv-areas.js';
import type { PvRun } from './previous-layout.js';

export const Use = { Preferred: 1, UseArea: 2, NextPv: 3, NextArea: 4 } as const;
export type Use = (typeof Use)[keyof typeof Use];

/** _is_condition over the runs of the previous segment, area by area. */
function matchPrevious(state: State, runs: Array<PvRun | undefined>, pva: PvArea, cond: (r: PvRun) => boolean): boolean {
  const positional = has(state.parms.flags, Flag.PositionalFill);
  for (let s = 0; s < runs.length; s++) {
    const run = runs[s];
    if (!run) continue;
    if (positional && state.areas[s]?.pva) continue;
    if (!cond(run)) continue;
    if (positional && s >= state.numPositional) continue;
    if (positional) reserve(state, pva, pva.count, s);
    return true;
  }
  return false;
}

function checkContiguous(ah: Handle, state: State, pva: PvArea): boolean {
  const pv = pva.map.pv.uuid;
  return matchPrevious(state, ah.prev?.last ?? [], pva, (r) => r.pvUuid === pv && r.pe + r.len === pva.start);
}

function checkCling(ah: Handle, state: State, pva: PvArea): boolean {
  const pv = pva.map.pv.uuid;
  return matchPrevious(state, ah.prev?.cling ?? [], pva, (r) => r.pvUuid === pv);
}

function checkClingToAlloced(ah: Handle, state: State, pva: PvArea): boolean {
  if (state.logStillNeeded) return false;
  const positional = has(state.parms.flags, Flag.PositionalFill);
  for (let s = 0; s < ah.areaCount; s++) {
    if (positional && state.areas[s]?.pva) continue;
    if (ah.alloced[s]!.some((aa) => aa.pv === pva.map.pv)) {
      if (positional) reserve(state, pva, pva.count, s);
      return true;
    }
  }
  return false;
}

/** _check_pva. */
export function checkArea(
  ah: Handle,
  state: State,
  pva: PvArea,
  stillNeeded: number,
  alreadyFoundOne: boolean,
  iteration: number,
  logIteration: number,
): Use {
  const { flags, alloc } = state.parms;
  if (!pva.unreserved) return Use.NextArea;
  if (iteration && state.areas.some((s) => s.pva === pva)) return Use.NextArea;

  const found = () => (has(flags, Flag.PositionalFill) ? Use.Preferred : Use.UseArea);
  const clingByPrev = has(flags, Flag.ClingToLvseg) || (ah.maximiseCling && has(flags, Flag.AreaCountMatches));
  const contigByPrev = has(flags, Flag.ContiguousToLvseg) || (ah.maximiseCling && has(flags, Flag.AreaCountMatches));

  if (!iteration && !logIteration && has(flags, Flag.ContiguousToLvseg | Flag.ClingToLvseg | Flag.ClingToAlloced)) {
    if (contigByPrev && checkContiguous(ah, state, pva)) return found();
    if (has(flags, Flag.ContiguousToLvseg)) return Use.NextArea;
    if (clingByPrev && checkCling(ah, state, pva)) return found();
    if (has(flags, Flag.ClingToAlloced) && checkClingToAlloced(ah, state, pva)) return found();
    return Use.NextPv; // cling_by_tags needs allocation/cling_tag_list, which tsvm does not have
  }

  if (
    pva.unreserved < stillNeeded &&
    ((!has(flags, Flag.CanSplit) && !ah.logAreaCount) || (alreadyFoundOne && alloc !== Rank.Anywhere))
  )
    return Use.NextPv;
  return found();
}

/** _calc_required_extents: reserve part of an area, re-sorting its PV's list. */
export function calcRequired(ah: Handle, pva: PvArea, ixPva: number, maxToAllocate: number, alloc: Rank): number {
  let required = maxToAllocate;
  if (alloc === Rank.Anywhere) {
    if (ixPva >= ah.areaCount) required = ah.logLen;
  } else if (required < ah.logLen) required = ah.logLen;

  if (required >= pva.unreserved) {
    required = pva.unreserved;
    pva.unreserved = 0;
  } else {
    pva.unreserved -= required;
    reinsertChanged(pva);
  }
  return required;
}
