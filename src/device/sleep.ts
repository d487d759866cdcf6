// A synchronous sleep (Atomics.wait), for code that waits between synchronous retries: lock
// polling (store/locks.ts), injected delays (fault-device.ts), a terminal that has no input yet.
// The buffer is made on first use: a start-up snapshot (src/snapshot.ts) has no SharedArrayBuffer while it is built.
let sleeper: Int32Array | undefined;

export function sleepMs(ms: number): void {
  if (ms > 0) Atomics.wait((sleeper ??= new Int32Array(new SharedArrayBuffer(4))), 0, 0, ms);
}
