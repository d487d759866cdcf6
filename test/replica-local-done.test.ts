// What writers tell the shipper about their local writes (src/repl/local-done.ts): the last value
// written is read back; nothing known, a torn value, or a file removed by a reformat read as 0, so
// the shipper falls back to its lock barrier. The ordering itself (said done only after the local
// write) is what test/replica-write-order.test.ts checks under kill -9.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { LocalDone, clearLocalDone } from '../src/repl/local-done.js';
import { replDir } from '../src/repl/config.js';
import { makeLab, type Lab } from './lv-io-helpers.js';

let lab: Lab;
beforeEach(() => (lab = makeLab()));
afterEach(() => lab.cleanup());

describe('replication local-done mark', () => {
  it('reads back the last seq a writer said done, from another handle', () => {
    const writer = new LocalDone(lab.systemDir, 'g1');
    const shipper = new LocalDone(lab.systemDir, 'g1');
    expect(shipper.read()).toBe(0);
    writer.write(7);
    expect(shipper.read()).toBe(7);
    writer.write(1234567);
    expect(shipper.read()).toBe(1234567);
    expect(new LocalDone(lab.systemDir, 'other').read()).toBe(0);
    writer.close();
  });

  it('a torn value (the two copies differ) reads as nothing known', () => {
    const writer = new LocalDone(lab.systemDir, 'g1');
    writer.write(40);
    writer.close();
    const fd = openSync(join(replDir(lab.systemDir), 'g1', 'local-done'), 'r+');
    const half = Buffer.alloc(8);
    half.writeDoubleLE(41, 0);
    writeSync(fd, half, 0, 8, 0);
    closeSync(fd);
    expect(new LocalDone(lab.systemDir, 'g1').read()).toBe(0);
  });

  it('a reformatted journal forgets it; a writer that opens again starts a new file', () => {
    const writer = new LocalDone(lab.systemDir, 'g1');
    writer.write(500);
    clearLocalDone(lab.systemDir, 'g1');
    const shipper = new LocalDone(lab.systemDir, 'g1');
    expect(shipper.read()).toBe(0);
    // The writer gives its descriptor up with the group lock, and takes the new file next time.
    writer.close();
    writer.write(3);
    expect(shipper.read()).toBe(3);
    writer.close();
  });
});
