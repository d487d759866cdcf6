// The state of one allocation attempt: LVM2's struct alloc_handle, alloc_state and alloc_parms
// (lib/metadata/lv_manip.c), reduced to what linear, striped and mirror allocation need.
// Extent counts here are per parallel area (LVM2 counts LEs and divides by area_multiple).
import type { PhysicalVolume } from '../model/types.js';
import type { PvArea } from './pv-areas.js';
import type { PreviousLayout } from './previous-layout.js';
import type { ParallelArea } from './request.js';
import type { Rank } from './policy.js';

export const Flag = {
  ContiguousToLvseg: 0x01,
  ClingToLvseg: 0x02,
  ClingToAlloced: 0x04,
  PositionalFill: 0x08,
  AreaCountMatches: 0x10,
  CanSplit: 0x20,
} as const;

export interface AllocedRun {
  pv: PhysicalVolume;
  pe: number;
  len: number;
}

/** alloc_handle. */
export interface Handle {
  /** Highest policy to try (may be raised to normal for a log, as LVM2 does). */
  alloc: Rank;
  newExtents: number;
  areaCount: number;
  logAreaCount: number;
  logLen: number;
  maximiseCling: boolean;
  mirrorLogsSeparate: boolean;
  parallelAreas: ParallelArea[] | undefined;
  /** area_count lists for data, then log_area_count lists for logs. */
  alloced: AllocedRun[][];
  prev: PreviousLayout | undefined;
}

/** alloc_parms. */
export interface Parms {
  alloc: Rank;
  flags: number;
  extentsStillNeeded: number;
}

/** One entry of alloc_state->areas (struct pv_area_used). */
export interface Slot {
  pva: PvArea | null;
  used: number;
}

/** alloc_state. */
export interface State {
  allocated: number;
  logStillNeeded: number;
  areas: Slot[];
  numPositional: number;
  parms: Parms;
}

export function slot(state: State, i: number): Slot {
  let s = state.areas[i];
  if (!s) {
    for (let k = state.areas.length; k <= i; k++) state.areas.push({ pva: null, used: 0 });
    s = state.areas[i]!;
  }
  return s;
}

export function reserve(state: State, pva: PvArea, required: number, i: number): void {
  const s = slot(state, i);
  s.pva = pva;
  s.used = required;
}

export function has(flags: number, f: number): boolean {
  return (flags & f) !== 0;
}
