// Public API of the pure allocator: where new extents go, exactly as LVM2 2.03 places them
// (lib/metadata/lv_manip.c _allocate and friends, lib/metadata/pv_map.c). No I/O.
export type { AllocRequest, AllocResult, AllocatedRun, ParallelArea, PvRangeLimit } from './request.js';
export { AllocError } from './alloc-error.js';
export { allocate } from './allocate.js';
export { resolvePolicy } from './policy.js';
export { buildParallelAreas } from './parallel-areas.js';
export { checkStripeCount, checkVgFree } from './precheck.js';
