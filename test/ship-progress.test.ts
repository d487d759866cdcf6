// The shipper's progress records (src/repl/ship-progress.ts): held back for the interval while
// writes keep coming, written at once for a writer that waits on them, and written as soon as the
// link has caught up with a backlog (records journaled long before: `lvs` says lag 0 without
// waiting for the timer).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Progress } from '../src/repl/journal-format.js';
import { ShipProgress } from '../src/repl/ship-progress.js';

const EVERY = 10;
const BACKLOG = 100;
const at = (nextSeq: number, lastWrite: number): Progress => ({ nextSeq, nextPos: nextSeq * 512, totalBytes: nextSeq * 4096, time: Date.now(), lastWrite });

let written: Array<[number, number]>;
let inJournal: boolean;
const recorder = (waited = false) => new ShipProgress((offset, p) => written.push([offset, p.nextSeq]), () => inJournal, waited, EVERY, BACKLOG);

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(1_000_000);
  written = [];
  inJournal = true;
});
afterEach(() => vi.useRealTimers());

describe('shipper progress records', () => {
  it('are held back within the interval while writes keep coming, then written by the timer', () => {
    const r = recorder();
    r.record(0, at(1, Date.now()));
    expect(written, 'the first one goes at once').toEqual([[0, 1]]);
    vi.advanceTimersByTime(2);
    r.record(0, at(2, Date.now()));
    r.record(512, at(2, Date.now()));
    r.record(0, at(3, Date.now()));
    expect(written).toEqual([[0, 1]]);
    expect(r.pendingAt(0)?.nextSeq, 'the link still knows where it is').toBe(3);
    // Caught up with a record journaled 50 ms ago: no backlog (a live writer's, reached late on a
    // loaded machine), so the interval holds.
    r.caughtUp(() => Date.now() - 50);
    expect(written).toEqual([[0, 1]]);
    vi.advanceTimersByTime(EVERY);
    expect(written).toEqual([[0, 1], [0, 3], [512, 2]]);
    expect(r.pendingAt(0)).toBeUndefined();
  });

  it('are written as soon as the link catches up with a backlog', () => {
    const r = recorder();
    r.record(0, at(1, Date.now() - 500));
    vi.advanceTimersByTime(1);
    r.record(0, at(7, Date.now() - 500));
    r.record(512, at(7, Date.now() - 500));
    expect(written).toEqual([[0, 1]]);
    r.caughtUp(() => Date.now() - 500);
    expect(written, 'written without waiting for the timer').toEqual([[0, 1], [0, 7], [512, 7]]);
    // Nothing pending: caught up again writes nothing more, and the timer finds nothing.
    r.caughtUp(() => Date.now() - 500);
    vi.advanceTimersByTime(EVERY);
    expect(written).toHaveLength(3);
  });

  it('are written at once when a writer waits on them (sync replica, RPO)', () => {
    const r = recorder(true);
    for (let seq = 1; seq <= 3; seq++) r.record(0, at(seq, Date.now()));
    expect(written).toEqual([[0, 1], [0, 2], [0, 3]]);
  });

  it('are dropped when the replica left the journal meanwhile, and end with the link', () => {
    const r = recorder();
    r.record(0, at(1, Date.now()));
    r.record(0, at(2, Date.now() - 500));
    inJournal = false;
    r.caughtUp(() => Date.now() - 500);
    expect(written, 'a replica in its bitmap keeps its own progress').toEqual([[0, 1]]);
    expect(r.pendingAt(0)).toBeUndefined();
    inJournal = true;
    vi.advanceTimersByTime(EVERY);
    r.record(0, at(3, Date.now()));
    vi.advanceTimersByTime(1);
    r.record(0, at(4, Date.now()));
    r.close();
    expect(written, 'close writes what is pending').toEqual([[0, 1], [0, 3], [0, 4]]);
    r.record(0, at(5, Date.now()));
    vi.advanceTimersByTime(EVERY);
    expect(written).toHaveLength(3);
  });
});
