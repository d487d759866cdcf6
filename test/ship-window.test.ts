// The shipper's window of writes in flight (src/repl/ship-window.ts): when it says that writes may
// land on the replica out of order (widened), and what it retires. A write sent as several NBD
// requests (target.ts requestBytes, to a server that runs requests in parallel) may land in parts
// in any order, so it says so even when nothing else is in flight.
import { describe, expect, it } from 'vitest';
import type { Progress } from '../src/repl/journal-format.js';
import { ShipWindow } from '../src/repl/ship-window.js';

const MiB = 1024 * 1024;
const after = (nextSeq: number): Progress => ({ nextSeq, nextPos: nextSeq * 512, totalBytes: nextSeq * MiB, time: 0, lastWrite: 0 });

function window() {
  const widened: number[] = [];
  const retired: Array<[number, number]> = [];
  const w = new ShipWindow(8, 32 * MiB, (p, inflightTo) => retired.push([p.nextSeq, inflightTo]), (to) => widened.push(to));
  return { w, widened, retired };
}

describe('shipper window', () => {
  it('says nothing of order for one write of one request alone, then widens for the second in flight', async () => {
    const { w, widened, retired } = window();
    await w.add(0, 0, MiB, after(2), () => Promise.resolve());
    expect(widened).toEqual([]);
    await w.add(0, MiB, MiB, after(3), () => Promise.resolve());
    expect(widened).toEqual([3]);
    await w.drain();
    expect(retired).toEqual([[2, 3], [3, 0]]);
  });

  it('widens for a write sent as several requests even when it is alone in flight', async () => {
    const { w, widened, retired } = window();
    await w.add(0, 0, 3 * MiB, after(2), () => Promise.resolve(), undefined, 3);
    expect(widened, 'its parts may land in any order').toEqual([2]);
    await w.drain();
    expect(retired).toEqual([[2, 0]]);
  });
});
