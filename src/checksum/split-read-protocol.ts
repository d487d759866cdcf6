// What the two threads of a split checksummed read share (split-read.ts, split-read-worker.ts): a
// small Int32Array of counters (futex-style, Atomics.wait/notify) and a Float64Array holding the one
// job in flight. Memories reach the worker once each, as messages it takes synchronously.

/** Indices in the control array. */
export const CTRL = {
  /** 1 once the worker waits for jobs. */
  ready: 0,
  /** Jobs posted (-1: stop). */
  posted: 1,
  /** Jobs done. */
  done: 2,
  /** The last job's result: 0, or the errno of a failed read (or -1). */
  status: 3,
} as const;
export const CTRL_LENGTH = 4;

/** Indices in the job array; the file runs follow at `first`, four numbers each: fd, pos, len, dst. */
export const JOB = {
  memory: 0,
  blockBytes: 1,
  /** Offset in the memory of the first block to hash, and how many. */
  data: 2,
  blocks: 3,
  /** Where the sums go, and the version-2 key. */
  out: 4,
  key: 5,
  runs: 6,
  first: 7,
} as const;
/** Most file runs one job carries (a read across more pieces of files is not split). */
export const MAX_RUNS = 64;
export const JOB_LENGTH = JOB.first + 4 * MAX_RUNS;

/**
 * A memory the worker may be asked to read into, with the hash module (of `version`) to use over it;
 * without `memory`, the memory `id` is let go (the worker holds only the last few: a long-lived
 * process, the lvm shell running dd after dd, would otherwise keep every buffer alive).
 */
export interface SplitMemoryMessage {
  id: number;
  memory?: WebAssembly.Memory;
  module?: WebAssembly.Module;
  version?: number;
}
