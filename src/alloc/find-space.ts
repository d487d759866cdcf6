// One search pass over all PVs for a set of parallel areas (and the log), then taking the space:
// LVM2's _find_some_parallel_space() and _alloc_parallel_area() (lib/metadata/lv_manip.c).
import { Flag, has, reserve, slot, type Handle, type State } from './alloc-state.js';
import { calcRequired, checkArea, Use } from './check-area.js';
import { Rank } from './policy.js';
import { consumeArea, resetUnreserved, walkAreas, type PvMap } from './pv-areas.js';

function clearAreas(state: State): void {
  state.numPositional = 0;
  for (const s of state.areas) s.pva = null;
}

/** Sort slots [from, from+count) by used, descending; stable like glibc's merge-sort qsort. */
function sortSlots(state: State, from: number, count: number): void {
  for (let i = state.areas.length; i < from + count; i++) slot(state, i);
  const part = state.areas.slice(from, from + count).sort((a, b) => b.used - a.used);
  state.areas.splice(from, count, ...part);
}

interface Pass {
  ix: number;
  preferred: number;
  iteration: number;
  logIteration: number;
}

/** Whether a PV is skipped before its areas are looked at (the PV-level checks). */
function skipPv(ah: Handle, state: State, pass: Pass, pvm: PvMap, parallelPvs: string[] | undefined): boolean {
  if (state.parms.alloc === Rank.Anywhere) return false;
  if (!pass.logIteration && parallelPvs?.includes(pvm.pv.uuid)) return true;
  const devicesNeeded = ah.areaCount;
  if (pass.logIteration) {
    for (let s = devicesNeeded; s < pass.ix + state.numPositional; s++)
      if (state.areas[s]?.pva?.map === pvm) return true;
  } else if (pass.iteration) {
    for (let s = 0; s < devicesNeeded; s++) if (state.areas[s]?.pva?.map === pvm) return true;
  }
  return false;
}

/** Put the smallest area of each PV that covers the need (else its largest) into state.areas. */
function scanPvs(ah: Handle, maps: PvMap[], state: State, pass: Pass, parallelPvs: string[] | undefined, max: number): void {
  const { alloc } = state.parms;
  const needed = () => ah.areaCount + state.logStillNeeded;
  for (const pvm of maps) {
    if (pvm.areas.length === 0) continue;
    if (!skipPv(ah, state, pass, pvm, parallelPvs)) {
      let alreadyFoundOne = false;
      for (const pva of walkAreas(pvm)) {
        const use = checkArea(ah, state, pva, max, alreadyFoundOne, pass.iteration, pass.logIteration);
        if (use === Use.Preferred) pass.preferred++;
        if (use === Use.Preferred || use === Use.NextPv) break;
        if (use === Use.NextArea) continue;
        if (!alreadyFoundOne || alloc === Rank.Anywhere) {
          pass.ix++;
          alreadyFoundOne = true;
        }
        const ixPva = pass.ix + state.numPositional - 1;
        reserve(state, pva, calcRequired(ah, pva, ixPva, max, alloc), ixPva);
      }
    }
    // next_pv:
    if (
      (alloc === Rank.Anywhere && pass.ix + state.numPositional >= needed()) ||
      (pass.preferred === state.numPositional && state.numPositional === needed())
    )
      break;
  }
}

/** Returns after allocating one set of parallel areas, or nothing if none fits. */
export function findSomeParallelSpace(
  ah: Handle,
  maps: PvMap[],
  state: State,
  parallelPvs: string[] | undefined,
  maxToAllocate: number,
): void {
  const { flags, alloc } = state.parms;
  const devicesNeeded = ah.areaCount;
  clearAreas(state);
  resetUnreserved(maps);

  if (!has(flags, Flag.PositionalFill)) state.numPositional = 0;
  else if (has(flags, Flag.ContiguousToLvseg | Flag.ClingToLvseg)) state.numPositional = ah.prev?.areaCount ?? 0;
  else if (has(flags, Flag.ClingToAlloced)) state.numPositional = ah.areaCount;

  const pass: Pass = { ix: 0, preferred: 0, iteration: 0, logIteration: 0 };
  for (;;) {
    const lastIx = pass.ix;
    scanPvs(ah, maps, state, pass, parallelPvs, maxToAllocate);
    const needed = devicesNeeded + state.logStillNeeded;
    if (alloc === Rank.Anywhere && lastIx !== pass.ix && pass.ix < needed) continue;
    // With cling_to_alloced and normal, if there were gaps in the preferred areas, iterate again.
    if (
      alloc === Rank.Normal &&
      pass.preferred &&
      (pass.preferred < state.numPositional || state.logStillNeeded) &&
      has(flags, Flag.ClingToAlloced) &&
      !pass.iteration++
    )
      continue;
    // Extra iteration to fill log areas on PVs already used.
    if (
      alloc === Rank.Normal &&
      pass.preferred === state.numPositional &&
      !ah.mirrorLogsSeparate &&
      pass.ix + pass.preferred >= devicesNeeded &&
      pass.ix + pass.preferred < needed &&
      !pass.logIteration++
    )
      continue;
    break;
  }
  const { ix, preferred } = pass;

  if (preferred < state.numPositional && !has(flags, Flag.ClingToAlloced) && !ix) return;
  if (ix + preferred < devicesNeeded + state.logStillNeeded) return;

  if (pass.logIteration) {
    if (ix > devicesNeeded + 1) sortSlots(state, devicesNeeded, ix - devicesNeeded);
  } else if (ix > 1) sortSlots(state, state.numPositional, ix);

  // Fill gaps in the preferred areas from the sorted part of the array.
  if (preferred && preferred !== state.numPositional) {
    for (let s = 0; s < devicesNeeded; s++) {
      const target = slot(state, s);
      if (target.pva) continue;
      const from = slot(state, state.numPositional++);
      target.pva = from.pva;
      target.used = from.used;
      from.pva = null;
    }
  }

  // The log goes on the smallest candidate that has room for it.
  let ixLogOffset = 0;
  if (state.logStillNeeded) {
    const top = state.numPositional + ix;
    let tooSmall = 0;
    while (tooSmall < top && slot(state, top - 1 - tooSmall).used < ah.logLen) tooSmall++;
    if (ah.mirrorLogsSeparate && tooSmall && tooSmall >= devicesNeeded) return;
    if (top < tooSmall + ah.logAreaCount) return;
    ixLogOffset = top - (tooSmall + ah.logAreaCount);
  }
  if (ix + state.numPositional < devicesNeeded) return;

  allocParallelArea(ah, state, maxToAllocate, ixLogOffset);
  state.logStillNeeded = 0; // the log is always allocated the first time
}

/** _alloc_parallel_area: take the chosen slots' space, the same length for every data area. */
function allocParallelArea(ah: Handle, state: State, maxToAllocate: number, ixLogOffset: number): void {
  const total = ah.areaCount + state.logStillNeeded;
  let areaLen = maxToAllocate;
  for (let s = 0; s < ah.areaCount; s++) areaLen = Math.min(areaLen, slot(state, s).used);

  let len = areaLen;
  let skip = 0;
  for (let s = 0; s < total; s++) {
    if (s === ah.areaCount) {
      skip = ixLogOffset - ah.areaCount;
      len = ah.logLen;
    }
    if (!len) continue;
    const pva = slot(state, s + skip).pva;
    if (!pva) throw new Error(`Internal error: no area chosen for parallel area ${s}`);
    ah.alloced[s]!.push({ pv: pva.map.pv, pe: pva.start, len });
    consumeArea(pva, len);
  }
  state.allocated += areaLen;
}
