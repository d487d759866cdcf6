// The shipper's window of writes in flight (src/repl/ship-window.ts): when it says that writes may
// land on the replica out of order (widened), and what it retires. A write sent as several NBD
// requests (target.ts requestBytes, to a server that runs requests in parallel) may land in parts
// in any order, so it says so even when nothing else is in flight.
import { describe, expect, it } from 'vitest';
import type { Progress } from '../src/repl/journal-format.js';
import { ShipWindow } from '../src/repl/ship-window.js';

const MiB = 1024 * 1024;
const after = (nextSeq: number): Progress => ({ nextSeq, nextPos: nextSeq * 512, totalBytes: nextSeq * MiB, time: 0, lastWrite: 0 });

function window(inOrder = false) {
  const widened: number[] = [];
  const retired: Array<[number, number]> = [];
  const flushed: number[] = [];
  const w = new ShipWindow(8, 32 * MiB, (p, inflightTo, f) => {
    retired.push([p.nextSeq, inflightTo]);
    if (f) flushed.push(p.nextSeq);
  }, (to) => widened.push(to), inOrder);
  return { w, widened, retired, flushed };
}

/** A request whose answer comes when the test says (resolve()), recording when it was sent. */
function request(log: string[], name: string) {
  let answer!: () => void;
  const done = new Promise<void>((r) => (answer = r));
  return { send: () => (log.push(name), done), answer };
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

  it('sends a barrier behind the writes in flight to a server that runs requests in order, and retires it as flushed', async () => {
    const { w, retired, flushed } = window(true);
    const log: string[] = [];
    const w1 = request(log, 'w1');
    const f1 = request(log, 'f1');
    const w2 = request(log, 'w2');
    await w.add(0, 0, 4096, after(2), w1.send);
    await w.addFlush(0, after(3), f1.send);
    // The next barrier interval's write, nothing answered yet: sent at once (the server keeps the order).
    await w.add(0, 4096, 4096, after(4), w2.send);
    expect(log).toEqual(['w1', 'f1', 'w2']);
    expect(retired).toEqual([]);
    // Over w1's bytes: it waits for the window to empty (a re-send of w1 after a cut must not undo it).
    const w3 = request(log, 'w3');
    const sent = w.add(0, 0, 512, after(5), w3.send);
    await new Promise((r) => setTimeout(r, 10));
    expect(log).toEqual(['w1', 'f1', 'w2']);
    w1.answer();
    f1.answer();
    w2.answer();
    await sent;
    expect(log).toEqual(['w1', 'f1', 'w2', 'w3']);
    w3.answer();
    await w.drain();
    expect(retired.map(([seq]) => seq)).toEqual([2, 3, 4, 5]);
    expect(flushed, 'only the barrier says the replica durable').toEqual([3]);
  });

  it('waits for the window to empty before a write over bytes in flight, or to another member, to a server that runs requests in parallel', async () => {
    const { w } = window(false);
    const log: string[] = [];
    const w1 = request(log, 'w1');
    await w.add(0, 0, 4096, after(2), w1.send);
    const w2 = request(log, 'w2');
    const sent = w.add(0, 0, 4096, after(3), w2.send);
    await new Promise((r) => setTimeout(r, 10));
    expect(log, 'the overlapping write waits').toEqual(['w1']);
    w1.answer();
    await sent;
    expect(log).toEqual(['w1', 'w2']);
    w2.answer();
    await w.drain();
    await expect(w.addFlush(0, after(4), () => Promise.resolve()), 'no barrier through the window there').rejects.toThrow(/in order/);
  });

  it('drains before a barrier of another member (another connection: no order between the two)', async () => {
    const { w, flushed } = window(true);
    const log: string[] = [];
    const w1 = request(log, 'w1');
    await w.add(1, 0, 4096, after(2), w1.send);
    const f = request(log, 'f0');
    const sent = w.addFlush(0, after(3), f.send);
    await new Promise((r) => setTimeout(r, 10));
    expect(log).toEqual(['w1']);
    w1.answer();
    await sent;
    expect(log).toEqual(['w1', 'f0']);
    f.answer();
    await w.drain();
    expect(flushed).toEqual([3]);
  });
});
